"""nn.init: PyTorch's in-place initializers, read for lucidnet's (in, out) weight layout.

Each function of ``nn.init.__all__`` declares its cases; a function without one fails.
A random case states the law its docstring gives (a SciPy distribution) and is checked
on 100 000 draws: moments within 5 standard errors, bounds exactly, a Kolmogorov–Smirnov
test, and (with PyTorch) a two-sample test against torch.nn.init on the same layer
stored the PyTorch way, (out, in).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import lucidnet
from lucidnet import initializers, nn, tensor
from lucidnet.nn import init

SHAPE = (400, 250)  # lucidnet's (in, out): fan_in 400, fan_out 250; PyTorch's (250, 400)
FAN_IN, FAN_OUT = SHAPE
Z = 5


def uniform(limit):
    return stats.uniform(-limit, 2 * limit)


def truncnorm(mean, std, a, b):
    return stats.truncnorm((a - mean) / std, (b - mean) / std, loc=mean, scale=std)


def leaky_gain(slope):
    return math.sqrt(2 / (1 + slope**2))


# (function name, keyword arguments, documented law, or an exact value, or "orthogonal")
CASES = [
    ("uniform_", {}, stats.uniform(0, 1)),
    ("uniform_", {"a": -1.0, "b": 2.0}, stats.uniform(-1, 3)),
    ("normal_", {"mean": 1.0, "std": 0.5}, stats.norm(1.0, 0.5)),
    ("trunc_normal_", {}, truncnorm(0, 1, -2, 2)),
    ("trunc_normal_", {"mean": 0.5, "std": 1.0, "a": -1.0, "b": 1.5}, truncnorm(0.5, 1, -1, 1.5)),
    ("trunc_normal_", {"std": 1.0, "a": 1.0, "b": 3.0}, truncnorm(0, 1, 1, 3)),  # right of 0
    ("xavier_uniform_", {}, uniform(math.sqrt(6 / (FAN_IN + FAN_OUT)))),
    ("xavier_uniform_", {"gain": 2.0}, uniform(2 * math.sqrt(6 / (FAN_IN + FAN_OUT)))),
    ("xavier_normal_", {"gain": 1.5}, stats.norm(0, 1.5 * math.sqrt(2 / (FAN_IN + FAN_OUT)))),
    ("kaiming_uniform_", {}, uniform(math.sqrt(6 / FAN_IN))),
    ("kaiming_uniform_", {"a": math.sqrt(5)}, uniform(1 / math.sqrt(FAN_IN))),  # nn.Linear's
    ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "tanh"},
     uniform(math.sqrt(3) * (5 / 3) / math.sqrt(FAN_OUT))),
    ("kaiming_normal_", {}, stats.norm(0, math.sqrt(2 / FAN_IN))),
    ("kaiming_normal_", {"a": 0.2}, stats.norm(0, leaky_gain(0.2) / math.sqrt(FAN_IN))),
    ("kaiming_normal_", {"a": 0.2, "mode": "fan_out"},
     stats.norm(0, leaky_gain(0.2) / math.sqrt(FAN_OUT))),
    ("kaiming_normal_", {"nonlinearity": "relu"}, stats.norm(0, math.sqrt(2 / FAN_IN))),
    ("constant_", {"val": 0.3}, 0.3),
    ("zeros_", {}, 0.0),
    ("ones_", {}, 1.0),
    ("orthogonal_", {}, "orthogonal"),
    ("orthogonal_", {"gain": 0.5}, "orthogonal"),
]
PARAMS = [pytest.param(name, kwargs, law, id=f"{name}{sorted(kwargs.items())}")
          for name, kwargs, law in CASES]
RANDOM = [p for p in PARAMS if isinstance(p.values[2], stats.distributions.rv_frozen)]


def test_every_function_declares_a_case():
    fills = {name for name in init.__all__ if name.endswith("_")}
    assert fills == {name for name, _, _ in CASES}
    assert init.calculate_gain is initializers.calculate_gain


def _filled(name, kwargs, shape=SHAPE, dtype="float64", seed=0):
    lucidnet.manual_seed(seed)
    with lucidnet.default_dtype(dtype):
        W = nn.Parameter(np.empty(shape, dtype=dtype))
    assert getattr(init, name)(W, **kwargs) is W  # in place, returns its argument
    return W.numpy()


@pytest.mark.parametrize(("name", "kwargs", "law"), RANDOM)
def test_sample_matches_the_documented_distribution(name, kwargs, law):
    W = _filled(name, kwargs).ravel()
    n, mean, var = W.size, law.mean(), law.var()
    mu4 = law.expect(lambda x: (x - mean) ** 4)
    assert abs(W.mean() - mean) < Z * math.sqrt(var / n)
    assert abs(W.var() - var) < Z * math.sqrt((mu4 - var**2) / n)
    lo, hi = law.support()
    assert lo <= W.min() and W.max() <= hi
    if np.isfinite(lo):
        assert W.min() < lo + 0.01 * (hi - lo) and W.max() > hi - 0.01 * (hi - lo)
    assert stats.kstest(W, law.cdf).pvalue > 1e-4


@pytest.mark.parametrize(("name", "kwargs", "law"), RANDOM)
def test_same_distribution_as_pytorch_for_the_same_layer(name, kwargs, law):
    """torch.nn.init on the (out, in) weight of the same layer: a two-sample KS test
    (20 000 draws: a fan read the wrong way round changes the scale by √2)."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    shape = (200, 100)
    theirs = torch.empty(shape[::-1], dtype=torch.float64)
    getattr(torch.nn.init, name)(theirs, **kwargs)
    ours = _filled(name, kwargs, shape).ravel()
    assert stats.ks_2samp(ours, theirs.numpy().ravel()).pvalue > 1e-4


@pytest.mark.parametrize(("name", "kwargs", "law"), [p for p in PARAMS if p not in RANDOM])
def test_constants_and_orthogonal(name, kwargs, law):
    W = _filled(name, kwargs)
    if law != "orthogonal":
        assert (W == law).all()
        return
    gain = kwargs.get("gain", 1.0)
    np.testing.assert_allclose(W.T @ W, gain**2 * np.eye(FAN_OUT), atol=1e-12)  # tall: QᵀQ = I
    wide = _filled(name, kwargs, SHAPE[::-1])
    np.testing.assert_allclose(wide @ wide.T, gain**2 * np.eye(FAN_OUT), atol=1e-12)
    W3 = _filled(name, kwargs, (4, 5, 6)).reshape(20, 6)  # 3 axes: (Π shape[:-1], shape[-1])
    np.testing.assert_allclose(W3.T @ W3, gain**2 * np.eye(6), atol=1e-12)


def test_orthogonal_is_haar_distributed():
    """The sign correction makes Q uniform on the orthogonal group: an entry of a 2×2 Q is
    cos θ or ±sin θ with θ uniform, so the (0, 0) entries have mean 0 and variance ½."""
    lucidnet.manual_seed(0)
    n = 4000
    first = np.array([_filled("orthogonal_", {}, (2, 2), seed=s)[0, 0] for s in range(n)])
    assert abs(first.mean()) < Z * math.sqrt(0.5 / n)
    assert abs(first.var() - 0.5) < Z * math.sqrt((3 / 8 - 1 / 4) / n)


@pytest.mark.parametrize(("name", "kwargs", "law"), PARAMS)
def test_float32_stays_float32_and_no_gradient_is_recorded(name, kwargs, law):
    W = nn.Parameter(np.empty((6, 4), dtype=np.float32))
    getattr(init, name)(W, **kwargs)
    assert W.dtype == np.float32 and W.grad is None and W.requires_grad
    assert np.isfinite(W.numpy()).all()


@pytest.mark.parametrize(("name", "kwargs", "law"), PARAMS)
def test_manual_seed_reproduces_bit_for_bit(name, kwargs, law):
    first, again = _filled(name, kwargs, (7, 5), seed=9), _filled(name, kwargs, (7, 5), seed=9)
    np.testing.assert_array_equal(first, again)
    if not isinstance(law, float):
        assert not np.array_equal(first, _filled(name, kwargs, (7, 5), seed=10))


@pytest.mark.parametrize("name", ["xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
                                  "kaiming_normal_", "orthogonal_"])
def test_fan_based_functions_refuse_one_axis_as_pytorch(name):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):
        getattr(torch.nn.init, name)(torch.empty(5))
    with pytest.raises(ValueError, match="2 or more axes"):
        getattr(init, name)(tensor(np.empty(5)))


def test_bad_arguments_are_named():
    W = tensor(np.empty((3, 4)))
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out'"):
        init.kaiming_normal_(W, mode="fan_avg")
    with pytest.raises(TypeError, match="fill a Tensor or Parameter, got ndarray"):
        init.zeros_(np.empty(3))
    with pytest.raises(ValueError, match="a < b"):
        init.trunc_normal_(W, a=1.0, b=-1.0)
    empty = tensor(np.empty((0, 3)))
    assert init.kaiming_uniform_(empty) is empty and init.kaiming_normal_(empty) is empty
