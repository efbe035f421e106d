"""One validation of hyper-parameters, whoever gives them: a constructor, a parameter
group, ``load_state_dict``, compile's loss weights, or a model file."""

import json
import math
import struct

import numpy as np
import pytest

from lucidnet import keras, nn, optim
from lucidnet.errors import FormatError
from lucidnet.keras import optimizers as keras_optimizers

BAD_RATES = [float("nan"), float("inf"), -0.1, "0.1", None]


def _error(value):
    return TypeError if isinstance(value, str) or value is None else ValueError


@pytest.mark.parametrize("value", BAD_RATES)
@pytest.mark.parametrize("make", [
    lambda v: optim.SGD(lr=v), lambda v: optim.Adam(weight_decay=v),
    lambda v: optim.RMSprop(eps=v), lambda v: optim.Adagrad(lr_decay=v),
    lambda v: keras_optimizers.Adam(learning_rate=v), lambda v: keras_optimizers.SGD(momentum=v),
])
def test_constructors_refuse_rates_that_are_not_finite_and_non_negative(make, value):
    with pytest.raises(_error(value), match="must be"):
        make(value)


@pytest.mark.parametrize("betas", [(0.9, 1.0), (1.5, 0.9), (0.9,), "ab"])
def test_betas_are_a_pair_in_0_1(betas):
    with pytest.raises((ValueError, TypeError), match="betas"):
        optim.Adam(betas=betas)


def test_a_parameter_group_is_checked_as_the_constructor_checks():
    model = nn.Linear(2, 1)
    opt = optim.SGD(lr=0.1)
    with pytest.raises(ValueError, match="lr must be finite and >= 0, got nan"):
        opt.add_param_group({"params": model.parameters(), "lr": float("nan")})
    assert opt.param_groups == []


def _trained_adam():
    model = nn.Linear(2, 1)
    opt = optim.Adam(model.parameters(), lr=0.01)
    model(np.ones((3, 2), np.float32)).sum().backward()
    opt.step()
    return model, opt


@pytest.mark.parametrize("edit, message", [
    (lambda s: s["param_groups"][0].update(lr=float("nan")), "lr must be finite"),
    (lambda s: s["param_groups"][0].update(lr=-1.0), "lr must be finite and >= 0, got -1"),
    (lambda s: s["param_groups"][0].update(weight_decay="x"), "weight_decay must be a number"),
    (lambda s: s["param_groups"][0].update(betas=(0.9, 2.0)), r"betas\[1\] must be in \[0, 1\)"),
    (lambda s: s["param_groups"][0].update(amsgrad="yes"), "amsgrad must be True or False"),
    (lambda s: s["param_groups"][0].update(surprise=1), r"hyper-parameters \['surprise'\]"),
    (lambda s: s["state"][0].update(step=-3), "'step' must be a whole number ≥ 0, got -3"),
    (lambda s: s["state"][0].update(step="2"), "'step' must be a whole number"),
    (lambda s: s["state"][0].update(step=2.5), "'step' must be a whole number"),
    (lambda s: s["state"][0]["exp_avg"].fill(np.nan), "'exp_avg' holds NaN or infinite"),
])
def test_load_state_dict_refuses_values_outside_their_domain_and_changes_nothing(edit, message):
    _, opt = _trained_adam()
    before = opt.state_dict()
    state = opt.state_dict()
    edit(state)
    with pytest.raises((ValueError, TypeError), match=message):
        opt.load_state_dict(state)
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"]
    assert all(np.array_equal(after["state"][0][k], v) for k, v in before["state"][0].items())


@pytest.mark.parametrize("weights", [float("nan"), -1.0, "1", [1.0, math.inf], {"out": -2}])
def test_compile_refuses_loss_weights_outside_their_domain(weights):
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
    with pytest.raises((ValueError, TypeError), match="loss_weights must be"):
        model.compile("sgd", "mse", loss_weights=weights)


def _first_state(document) -> dict:
    """The first parameter's state in a file (int keys are stored as ``__items__``)."""
    return document["optimizer"]["state"]["state"]["__items__"][0][1]


def _tampered(path, edit):
    data = path.read_bytes()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    document = json.loads(header["__metadata__"]["lucidnet"])
    edit(document)
    header["__metadata__"]["lucidnet"] = json.dumps(document)
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + data[8 + n:])


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["optimizer"]["state"]["param_groups"][0].update(lr=float("nan")),
     "lr must be finite and >= 0, got nan"),
    (lambda d: d["optimizer"]["state"]["param_groups"][0].update(lr=-0.5),
     "lr must be finite and >= 0, got -0.5"),
    (lambda d: d["optimizer"]["state"]["param_groups"][0].update(weight_decay=float("nan")),
     "weight_decay must be finite"),
    (lambda d: _first_state(d).update(step=-1), "'step' must be a whole"),
    (lambda d: _first_state(d).update(step="7"), "'step' must be a whole"),
    (lambda d: d["metadata"]["keras"]["compile"].update(loss_weights=float("nan")),
     "loss_weights must be finite"),
])
def test_a_model_file_with_bad_hyperparameters_is_refused_on_load(tmp_path, edit, message):
    """NaN learning rates used to load fine and turn every weight NaN at the first fit."""
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
    model.compile(keras_optimizers.Adam(), "mse")
    model.fit(np.ones((4, 2), np.float32), np.zeros((4, 1), np.float32), verbose=0)
    path = tmp_path / "m.safetensors"
    model.save(path)
    _tampered(path, edit)
    with pytest.raises(FormatError, match=message):
        keras.models.load_model(path)
