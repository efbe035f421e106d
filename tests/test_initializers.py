"""Initializers: every registered one draws the distribution its docstring states.

Each canonical name of the registry declares the distribution it documents (a SciPy
frozen distribution written from the formula, not from the code) or an exact value;
a name without a declaration fails the suite. Sample moments are compared within
5 standard errors of a sample of 100 000 (SE of the mean σ/√n, of the variance
√((μ₄ − σ⁴)/n)), bounds exactly, and the whole law by a Kolmogorov–Smirnov test.
The PyTorch-style ``nn.init`` functions are tested in tests/nn/test_init.py.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

import lucidnet
from lucidnet import initializers
from lucidnet.errors import UnknownNameError

SHAPE = (400, 250)  # fan_in 400 ≠ fan_out 250, so a wrong fan shows; 100 000 samples
FAN_IN, FAN_OUT = SHAPE
FAN_AVG = (FAN_IN + FAN_OUT) / 2
Z = 5  # standard errors


def uniform(limit):
    return stats.uniform(-limit, 2 * limit)


def truncated(std, mean=0.0):
    """N(mean, std²) restricted to mean ± 2·std."""
    return stats.truncnorm(-2, 2, loc=mean, scale=std)


def corrected(variance):
    """Keras's variance-scaling normal: truncated at ±2σ with σ chosen so Var = variance."""
    return truncated(math.sqrt(variance) / 0.87962566103423978)


# name → [(config, documented law or exact value)]
LAWS = {
    "zeros": [({}, 0.0)],
    "ones": [({}, 1.0)],
    "constant": [({}, 0.0), ({"value": -0.7}, -0.7)],
    "random_normal": [({}, stats.norm(0, 0.05)), ({"mean": 1.0, "stddev": 2.0}, stats.norm(1, 2))],
    "random_uniform": [({}, uniform(0.05)), ({"minval": 1.0, "maxval": 3.0}, stats.uniform(1, 2))],
    "truncated_normal": [({}, truncated(0.05)), ({"mean": 1.0, "stddev": 0.5}, truncated(0.5, 1.0))],
    "glorot_uniform": [({}, uniform(math.sqrt(6 / (FAN_IN + FAN_OUT))))],
    "glorot_normal": [({}, corrected(2 / (FAN_IN + FAN_OUT)))],
    "he_uniform": [({}, uniform(math.sqrt(6 / FAN_IN)))],
    "he_normal": [({}, corrected(2 / FAN_IN))],
    "lecun_uniform": [({}, uniform(math.sqrt(3 / FAN_IN)))],
    "lecun_normal": [({}, corrected(1 / FAN_IN))],
    "variance_scaling": [
        ({}, corrected(1 / FAN_IN)),
        ({"scale": 3.0, "mode": "fan_out", "distribution": "uniform"},
         uniform(math.sqrt(9 / FAN_OUT))),
        ({"scale": 0.5, "mode": "fan_avg", "distribution": "untruncated_normal"},
         stats.norm(0, math.sqrt(0.5 / FAN_AVG))),
    ],
    "orthogonal": [({}, "orthogonal"), ({"gain": 2.0}, "orthogonal")],
}

CASES = [pytest.param(name, config, law, id=f"{name}-{i}")
         for name, entries in LAWS.items() for i, (config, law) in enumerate(entries)]
RANDOM = [c for c in CASES if isinstance(c.values[2], stats.distributions.rv_frozen)]


def test_every_registered_initializer_declares_its_law():
    assert sorted(LAWS) == initializers.names()


def test_the_truncation_constant_is_the_std_of_a_standard_normal_on_minus_2_2():
    assert stats.truncnorm(-2, 2).std() == pytest.approx(initializers.TRUNCATED_STD, rel=1e-15)


def _draw(name, config, shape=SHAPE, dtype="float64"):
    lucidnet.manual_seed(0)
    return initializers.get({"class_name": name, "config": config})(shape, dtype=dtype)


@pytest.mark.parametrize(("name", "config", "law"), RANDOM)
def test_sample_matches_the_documented_distribution(name, config, law):
    W = _draw(name, config).ravel()
    n, mean, var = W.size, law.mean(), law.var()
    mu4 = law.expect(lambda x: (x - mean) ** 4)
    assert abs(W.mean() - mean) < Z * math.sqrt(var / n)
    assert abs(W.var() - var) < Z * math.sqrt((mu4 - var**2) / n)
    lo, hi = law.support()
    assert lo <= W.min() and W.max() <= hi  # a bounded law: never outside its bounds
    if np.isfinite(lo):  # … and it reaches near both of them
        assert W.min() < lo + 0.01 * (hi - lo) and W.max() > hi - 0.01 * (hi - lo)
    assert stats.kstest(W, law.cdf).pvalue > 1e-4


@pytest.mark.parametrize(("name", "config", "law"), [c for c in CASES if c not in RANDOM])
def test_constant_and_orthogonal_initializers(name, config, law):
    W = _draw(name, config)
    if law == "orthogonal":
        gain = config.get("gain", 1.0)
        np.testing.assert_allclose(W.T @ W, gain**2 * np.eye(SHAPE[1]), atol=1e-12)
        wide = _draw(name, config, SHAPE[::-1])
        np.testing.assert_allclose(wide @ wide.T, gain**2 * np.eye(SHAPE[1]), atol=1e-12)
    else:
        assert (W == law).all()


@pytest.mark.parametrize(("name", "config", "law"), CASES)
@pytest.mark.parametrize(("shape", "dtype"), [((3, 5), None), ((2, 3, 4), "float64"),
                                              ((6,), "float32"), (7, "float64")])
def test_shape_and_dtype(name, config, law, shape, dtype):
    rank = 1 if isinstance(shape, int) else len(shape)
    if law == "orthogonal" and rank < 2:
        with pytest.raises(ValueError, match="2 or more axes"):
            _draw(name, config, shape, dtype)
        return
    W = _draw(name, config, shape, dtype)
    assert isinstance(W, np.ndarray)
    assert W.shape == ((shape,) if isinstance(shape, int) else shape)
    assert W.dtype == np.dtype(dtype or "float32")  # the default float dtype
    assert np.isfinite(W).all()


@pytest.mark.parametrize(("shape", "fans"), [((), (1, 1)), ((7,), (7, 7)), ((4, 9), (4, 9)),
                                             ((3, 5, 4, 9), (60, 135))])
def test_fans_of_the_lecture_layout(shape, fans):
    assert initializers.compute_fans(shape) == fans


@pytest.mark.parametrize("torch_shape", [(3, 4), (10, 784), (8, 3, 5), (16, 4, 3, 3),
                                         (2, 6, 3, 1, 2)])
def test_fans_agree_with_pytorch_for_the_same_layer(torch_shape):
    """PyTorch stores a weight (out, in, *k), lucidnet (Keras) (*k, in, out); the same
    layer gets the same fans."""
    torch = pytest.importorskip("torch")
    out_features, in_features, *k = torch_shape
    ours = initializers.compute_fans((*k, in_features, out_features))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(torch_shape))


GAINS = [("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None),
         ("conv_transpose1d", None), ("conv_transpose2d", None), ("conv_transpose3d", None),
         ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
         ("leaky_relu", 0.2), ("leaky_relu", 0), ("leaky_relu", 3), ("leaky_relu", 1.0),
         ("selu", None)]


def test_gain_table_covers_every_nonlinearity():
    with pytest.raises(UnknownNameError) as err:
        initializers.calculate_gain("softmax")
    known = str(err.value).split("(known: ")[1].rstrip(")").split(", ")
    assert sorted(known) == sorted({name for name, _ in GAINS})


@pytest.mark.parametrize(("nonlinearity", "param"), GAINS)
def test_calculate_gain_matches_pytorch(nonlinearity, param):
    torch = pytest.importorskip("torch")
    ours = initializers.calculate_gain(nonlinearity, param)
    assert ours == torch.nn.init.calculate_gain(nonlinearity, param)


def test_calculate_gain_refuses_what_pytorch_refuses():
    torch = pytest.importorskip("torch")
    for args in [("leaky_relu", True), ("leaky_relu", "0.2"), ("swish", None)]:
        with pytest.raises(ValueError):
            torch.nn.init.calculate_gain(*args)
        with pytest.raises(ValueError):
            initializers.calculate_gain(*args)


def test_variance_of_conv_shaped_weights_uses_the_receptive_field():
    """he_uniform on (3, 3, 16, 32): fan_in = 3·3·16 = 144."""
    W = _draw("he_uniform", {}, (3, 3, 16, 32))
    limit = math.sqrt(6 / 144)
    assert W.max() <= limit and W.max() > 0.98 * limit and W.min() < -0.98 * limit
    var = limit**2 / 3
    assert abs(W.var() - var) < Z * math.sqrt((limit**4 / 5 - var**2) / W.size)


# -- seeds --------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "config", "law"), CASES)
def test_manual_seed_reproduces_bit_for_bit(name, config, law):
    init = initializers.get({"class_name": name, "config": config})
    lucidnet.manual_seed(123)
    first, second = init((20, 30)), init((20, 30))
    lucidnet.manual_seed(123)
    np.testing.assert_array_equal(init((20, 30)), first)
    np.testing.assert_array_equal(init((20, 30)), second)
    if not isinstance(law, float):  # a random law: the next draw is a new one
        assert not np.array_equal(first, second)


@pytest.mark.parametrize(("name", "config", "law"), [c for c in CASES if not isinstance(c.values[2], float)])
def test_a_seeded_initializer_returns_the_same_values_every_call(name, config, law):
    init = initializers.get({"class_name": name, "config": {**config, "seed": 7}})
    first = init((20, 30))
    lucidnet.manual_seed(0)  # the global generator does not matter
    np.testing.assert_array_equal(init((20, 30)), first)
    other = initializers.get({"class_name": name, "config": {**config, "seed": 8}})
    assert not np.array_equal(other((20, 30)), first)


def test_manual_seed_reproduces_a_model_bit_for_bit():
    from lucidnet import nn

    def build():
        return nn.Sequential(nn.Linear(6, 5, weight_init="he_normal"), nn.PReLU(),
                             nn.Maxout(5, 3, 2), nn.Linear(3, 2, weight_init="orthogonal"))

    states = []
    for seed in (11, 11, 12):
        lucidnet.manual_seed(seed)
        states.append(build().state_dict())
    for name in states[0]:
        np.testing.assert_array_equal(states[0][name], states[1][name], err_msg=name)
    assert not np.array_equal(states[0]["0.weight"], states[2]["0.weight"])


# -- the registry facade -------------------------------------------------------------
@pytest.mark.parametrize("name", initializers.names(aliases=True))
def test_every_name_and_alias_resolves_and_serializes(name):
    init = initializers.get(name)
    assert isinstance(init, initializers.Initializer)
    config = json.loads(json.dumps(initializers.serialize(init)))
    rebuilt = initializers.get(config)
    assert type(rebuilt) is type(init) and repr(rebuilt) == repr(init)


def test_aliases_are_keras_and_pytorch_names():
    pairs = [("xavier_uniform", "glorot_uniform"), ("kaiming_normal", "he_normal"),
             ("normal", "random_normal"), ("uniform", "random_uniform"), ("zero", "zeros"),
             ("GlorotUniform", "glorot_uniform"), ("OrthogonalInitializer", "orthogonal")]
    for alias, name in pairs:
        assert type(initializers.get(alias)) is type(initializers.get(name))


def test_bad_identifiers_and_arguments_are_named():
    with pytest.raises(UnknownNameError, match="did you mean 'he_normal'"):
        initializers.get("he_norml")
    with pytest.raises(ValueError, match="VarianceScaling: mode must be one of"):
        initializers.VarianceScaling(mode="fan_sum")
    with pytest.raises(ValueError, match="VarianceScaling: scale must be positive"):
        initializers.VarianceScaling(scale=0)
    with pytest.raises(ValueError, match="VarianceScaling: distribution"):
        initializers.VarianceScaling(distribution="laplace")
    assert initializers.get(None) is None
