"""Every door takes the same road: a Keras layer is its Function, the course's Keras model
is one Chain, and compile/fit takes the same tape-free step as Trainer on nn.Sequential."""

from __future__ import annotations

import numpy as np
import pytest

import lucidnet
from lucidnet import keras, nn, optim
from lucidnet.activations import Spec
from lucidnet.functional import activations as A
from lucidnet.nn.container import Chain
from lucidnet.nn.layers import LinearFunction
from lucidnet.nn.module import function_of
from lucidnet.training import Trainer
from lucidnet.training import step as step_module


def _course_model(seed=0, activation="relu"):
    lucidnet.manual_seed(seed)
    return keras.Sequential([keras.layers.Dense(8, activation=activation, input_shape=(4,)),
                             keras.layers.Dropout(0.25),
                             keras.layers.Dense(3, activation="softmax")])


def test_a_dense_is_the_linear_function_chained_with_its_activation():
    dense = keras.layers.Dense(5, activation="tanh", input_shape=(3,))
    fn, params = function_of(dense)
    assert isinstance(fn, Chain) and params == [dense.kernel, dense.bias]
    assert [type(f) for _, f, _ in fn.pieces] == [LinearFunction, A.Tanh]


def test_a_dense_without_activation_multiplies_by_nothing():
    for activation in (None, "linear"):
        fn, _ = function_of(keras.layers.Dense(5, activation=activation, input_shape=(3,)))
        assert type(fn) is LinearFunction


def test_registered_activations_fuse_from_every_door():
    assert isinstance(function_of(nn.Activation("relu"))[0], A.ReLU)
    assert isinstance(function_of(keras.layers.Activation("sigmoid"))[0], A.Sigmoid)
    assert isinstance(function_of(keras.layers.Dropout(0.5))[0], nn.layers.DropoutFunction)
    assert function_of(keras.layers.Softmax(axis=0))[0].axis == 0
    model = _course_model()
    fn, params = function_of(model)
    kinds = [type(f).__name__ for _, f, _ in fn.pieces]
    assert kinds == ["LinearFunction", "ReLU", "DropoutFunction", "LinearFunction", "Softmax"]
    assert len(params) == 4


def test_a_callable_that_is_no_registered_activation_runs_as_written():
    dense = keras.layers.Dense(2, activation=lambda x: x * 2, input_shape=(3,))
    assert function_of(dense) is None
    x = np.ones((1, 3), np.float32)
    np.testing.assert_array_equal(dense(x).numpy(), 2 * (x @ dense.kernel.data + dense.bias.data))


def test_a_dense_computes_what_its_layers_compute_bit_for_bit():
    model = _course_model()
    x = np.random.default_rng(0).standard_normal((6, 4))
    model.eval()
    h = x
    for layer in model.layers:  # each layer's own forward, unfused
        h = layer(h)
    np.testing.assert_array_equal(model(x).numpy(), h.numpy())


def _fit_keras(run_eagerly):
    model = _course_model()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model._trainer.run_eagerly = run_eagerly
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((64, 4)), rng.integers(0, 3, 64)
    history = model.fit(X, y, batch_size=16, epochs=2, verbose=0)
    return history.history, [w.copy() for w in model.get_weights()]


def test_compile_fit_takes_the_tape_free_step_with_the_tapes_numbers(monkeypatch):
    steps = []
    original = step_module.TapeFreeStep.step
    monkeypatch.setattr(step_module.TapeFreeStep, "step",
                        lambda self, *a: steps.append(1) or original(self, *a))
    fast = _fit_keras(False)
    assert len(steps) == 2 * 3  # every batch but each epoch's first
    steps.clear()
    taped = _fit_keras(True)
    assert not steps
    assert fast[0] == taped[0]
    for a, b in zip(fast[1], taped[1]):
        np.testing.assert_array_equal(a, b)


def test_the_keras_door_and_the_trainer_door_give_the_same_numbers():
    """Dense(…, activation=…) + compile/fit and nn.Linear/nn.Activation + Trainer, with the
    same weights and the same optimizer rule: the same trajectory, bit for bit."""
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((48, 4)), rng.integers(0, 3, 48)
    keras_model = keras.Sequential([keras.layers.Dense(8, activation="relu", input_shape=(4,)),
                                    keras.layers.Dense(3, activation="softmax")])
    torch_style = nn.Sequential(nn.Linear(4, 8), nn.Activation("relu"), nn.Linear(8, 3),
                                nn.Activation("softmax"))
    torch_style.load_state_dict(dict(zip(torch_style.state_dict(), keras_model.get_weights())))
    keras_model.compile(optim.Adam(lr=0.01, eps=1e-7), "sparse_categorical_crossentropy")
    keras_model._trainer.seed = 5
    trainer = Trainer(torch_style, "sparse_categorical_crossentropy",
                      optim.Adam(torch_style.parameters(), lr=0.01, eps=1e-7), seed=5)
    a = keras_model.fit(X, y, batch_size=16, epochs=2, verbose=0).history
    b = trainer.fit(X, y, batch_size=16, epochs=2, verbose=0).history
    assert a == b
    for u, v in zip(keras_model.get_weights(), trainer.get_weights()):
        np.testing.assert_array_equal(u, v)


def test_keras_leaky_relu_keeps_its_slope_through_save_and_load(tmp_path):
    """keras.activations.leaky_relu (slope 0.2) and the name 'leaky_relu' given to a
    Keras layer mean Keras's function; a model file keeps the slope."""
    for activation, slope in ((keras.activations.leaky_relu, 0.2), ("leaky_relu", 0.2),
                              (Spec("leaky_relu", {"negative_slope": 0.05}), 0.05)):
        model = keras.Sequential([keras.layers.Dense(3, activation=activation, input_shape=(2,))])
        path = tmp_path / "leaky.safetensors"
        model.save(path)
        loaded = keras.models.load_model(path)
        fn = function_of(loaded.layers[0])[0].pieces[1][1]
        assert isinstance(fn, A.LeakyReLU) and fn.slope == slope
        x = np.array([[-1.0, 1.0], [-3.0, 0.5]], np.float32)
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_a_callable_that_cannot_be_rebuilt_is_refused_at_save_naming_it(tmp_path):
    def doubled(x):
        return x * 2

    for layer in (keras.layers.Dense(3, activation=doubled, input_shape=(2,)),
                  keras.layers.Activation(doubled)):
        model = keras.Sequential([keras.layers.Dense(2, input_shape=(2,)), layer])
        with pytest.raises(ValueError, match="doubled.*not a registered activation"):
            model.save(tmp_path / "m.safetensors")


def test_the_keras_leaky_relu_function_takes_keras_defaults_and_arguments():
    x = lucidnet.tensor([-1.0, 2.0])
    np.testing.assert_allclose(keras.activations.leaky_relu(x).numpy(), [-0.2, 2.0])
    np.testing.assert_allclose(keras.activations.leaky_relu(x, negative_slope=0.1).numpy(),
                               [-0.1, 2.0])


def test_the_estimators_and_the_cli_model_are_one_chain():
    from lucidnet.sklearn import MLPClassifier

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((30, 4)), rng.integers(0, 2, 30)
    est = MLPClassifier((5,), activation="tanh", max_iter=1).fit(X, y)
    assert isinstance(function_of(est.model_)[0], Chain)


@pytest.mark.parametrize("option, handmade", [
    ("kernel_initializer", lambda shape, dtype=None: np.zeros(shape, dtype)),
    ("kernel_regularizer", lambda w: (w * w).sum()),
], ids=["initializer", "regularizer"])
def test_every_callable_a_dense_takes_is_refused_at_save_when_it_cannot_be_rebuilt(
        tmp_path, option, handmade):
    model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,), **{option: handmade})])
    with pytest.raises(ValueError, match="lambda"):
        model.save(tmp_path / "m.safetensors")
    assert not (tmp_path / "m.safetensors").exists()


def test_an_nn_activation_with_arguments_survives_save_and_load(tmp_path):
    model = nn.Sequential(nn.Linear(2, 3), nn.Activation(Spec("leaky_relu", {"negative_slope": 0.2})))
    lucidnet.save(model, tmp_path / "m.safetensors")
    loaded = lucidnet.load(tmp_path / "m.safetensors")
    assert loaded[1].spec == Spec("leaky_relu", {"negative_slope": 0.2})
    x = np.array([[-1.0, 2.0]], np.float32)
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())


def _fit_with(loss, activation, y, run_eagerly=False):
    lucidnet.manual_seed(0)
    model = keras.Sequential([keras.layers.Dense(8, activation="relu", input_shape=(4,)),
                              keras.layers.Dense(3, activation=activation)])
    model.compile("adam", loss)
    model._trainer.run_eagerly = run_eagerly
    X = np.random.default_rng(1).standard_normal((64, 4))
    history = model.fit(X, y, batch_size=16, epochs=2, verbose=0)
    return history.history, model.get_weights()


def _assert_same_run(a, b):
    assert a[0] == b[0]
    for u, v in zip(a[1], b[1]):
        np.testing.assert_array_equal(u, v)


_RNG = np.random.default_rng(3)
_CLASSES = _RNG.integers(0, 3, 64)
_TARGETS = {"classes": _CLASSES, "one-hot": np.eye(3)[_CLASSES],
            "binary": (_RNG.random((64, 3)) > 0.5).astype(np.float64),
            "real": _RNG.standard_normal((64, 3))}


@pytest.mark.parametrize("make, name, activation, targets", [
    (lambda: keras.losses.SparseCategoricalCrossentropy(from_logits=True), None, None, "classes"),
    (keras.losses.SparseCategoricalCrossentropy, "sparse_categorical_crossentropy", "softmax",
     "classes"),
    (lambda: keras.losses.CategoricalCrossentropy(from_logits=True), None, None, "one-hot"),
    (keras.losses.CategoricalCrossentropy, "categorical_crossentropy", "softmax", "one-hot"),
    (lambda: keras.losses.BinaryCrossentropy(from_logits=True), None, None, "binary"),
    (keras.losses.BinaryCrossentropy, "binary_crossentropy", "sigmoid", "binary"),
    (keras.losses.MeanSquaredError, "mse", None, "real"),
    (keras.losses.MeanAbsoluteError, "mae", None, "real"),
    (lambda: keras.losses.sparse_categorical_crossentropy, "sparse_categorical_crossentropy",
     "softmax", "classes"),
    (lambda: keras.losses.mse, "mse", None, "real"),
    (lambda: keras.losses.binary_crossentropy, "binary_crossentropy", "sigmoid", "binary"),
], ids=["sparse-logits", "sparse", "categorical-logits", "categorical", "binary-logits",
        "binary", "mse", "mae", "function-sparse", "function-mse", "function-binary"])
def test_a_keras_loss_object_takes_its_names_road_and_the_fused_step(
        monkeypatch, make, name, activation, targets):
    """compile(loss=SparseCategoricalCrossentropy(from_logits=True)), the other loss
    classes and the keras.losses functions: the engine calls the loss's one Function (the fused step calls it directly,
    not per-sample losses and a mean on the tape), with the tape's numbers bit for bit,
    and the numbers of the loss's name."""
    from lucidnet.training import engine

    found = []
    original = engine.loss_function
    monkeypatch.setattr(engine, "loss_function",
                        lambda *a: found.append(original(*a)) or found[-1])
    y = _TARGETS[targets]
    fused = _fit_with(make(), activation, y)
    assert len(found) == 2 and all(fn is not None for fn in found)  # each epoch's first batch
    _assert_same_run(fused, _fit_with(make(), activation, y, run_eagerly=True))
    if name is not None:
        _assert_same_run(fused, _fit_with(name, activation, y))


def test_a_keras_loss_object_still_gives_per_sample_losses_and_its_reductions():
    y, p = np.array([0, 2]), lucidnet.tensor([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    per_sample = -np.log(np.array([0.7, 0.6], np.float32))
    for reduction, expected in (("none", per_sample), ("sum", per_sample.sum()),
                                ("sum_over_batch_size", per_sample.mean())):
        loss = keras.losses.SparseCategoricalCrossentropy(reduction=reduction)
        np.testing.assert_allclose(loss(y, p).numpy(), expected, rtol=1e-6)
    loss = keras.losses.SparseCategoricalCrossentropy()
    np.testing.assert_allclose(loss.call(y, p).numpy(), per_sample, rtol=1e-6)
    np.testing.assert_allclose(loss(y, p, sample_weight=[1.0, 3.0]).numpy(),
                               (per_sample[0] + 3 * per_sample[1]) / 2, rtol=1e-6)


def _cli_model(task):
    import argparse

    from lucidnet import cli

    rng = np.random.default_rng(4)
    X = rng.normal(5.0, 3.0, (64, 4))  # raw features: the model's first layer scales them
    y = rng.integers(0, 3, 64) if task == "multiclass" else rng.normal(10.0, 2.0, 64)
    data = argparse.Namespace(name="t", task=task, x_train=X, y_train=y,
                              output_units=3 if task == "multiclass" else 1,
                              scaling=(X.mean(axis=0), X.var(axis=0)))
    args = cli._parser().parse_args(["train", "--hidden", "8", "4"])
    return cli._build_model(data, args), X, y


@pytest.mark.parametrize("task", ["multiclass", "regression"])
def test_the_cli_model_with_its_scaling_is_one_chain_stepped_as_the_tape(monkeypatch, task):
    """`lucidnet train` puts a Normalization first (and a regression's target units
    last): the model is one Chain, and fit takes the tape-free step with the tape's
    numbers bit for bit."""
    model, X, y = _cli_model(task)
    fn, params = function_of(model)
    kinds = [type(f).__name__ for _, f, _ in fn.pieces]
    assert kinds[0] == "NormalizationFunction" and len(params) == 6
    assert (kinds[-1] == "NormalizationFunction") == (task == "regression")
    steps = []
    original = step_module.TapeFreeStep.step
    monkeypatch.setattr(step_module.TapeFreeStep, "step",
                        lambda self, *a: steps.append(1) or original(self, *a))
    fused = model.fit(X, y, batch_size=16, epochs=2, verbose=0).history, model.get_weights()
    assert len(steps) == 2 * 3
    taped, _, _ = _cli_model(task)
    taped._trainer.run_eagerly = True
    _assert_same_run(fused, (taped.fit(X, y, batch_size=16, epochs=2, verbose=0).history,
                             taped.get_weights()))
