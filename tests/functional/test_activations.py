"""Every registered activation: gradients, kinks, dtypes, extremes, references, course facts.

The registry drives the tests: each entry of ``ACTIVATIONS`` is gradient-checked on the
cases below (one plain case per shape unless listed in SPECIAL) and compared with
PyTorch (TORCH) or with a hand-written NumPy reference (NUMPY_REFERENCE). A new entry
without a domain, facts, a reference or a kink value fails here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest

import lucidnet.functional as F
from lucidnet import activations, tensor
from lucidnet.activations import Facts
from lucidnet.autograd import Tensor
from lucidnet.diagnostics import gradcheck
from lucidnet.errors import ShapeError
from lucidnet.registry import ACTIVATIONS

NAMES = ACTIVATIONS.names()
SHAPES = [(), (5,), (4, 3)]
KINK_GAP = 1e-3  # sampled points closer than this to a kink are pushed this far away


@dataclass
class Case:
    """One call of registry entry ``name``: x of ``shape``, further tensor inputs of
    shapes ``extra`` (sampled in (0.05, 0.5)), keyword arguments ``params``."""

    name: str
    shape: tuple
    params: dict = field(default_factory=dict)
    extra: tuple = ()
    torch: bool = True  # whether PyTorch's function accepts this case

    def __str__(self):
        params = (f"{k}={v}" for k, v in self.params.items())
        return f"{self.name}[{', '.join([str(self.shape), *map(str, self.extra), *params])}]"

    def call(self, x, *extra):
        return ACTIVATIONS.resolve(self.name)(x, *extra, **self.params)

    def inputs(self, rng, dtype=np.float64):
        """x sampled in the entry's domain, away from its kinks, and the extra inputs."""
        meta = ACTIVATIONS.meta(self.name)
        lo, hi = meta["domain"]
        if self.name == "maxout":  # distinct values (hi − lo)/n apart: no near-tie within ε
            n = int(np.prod(self.shape))
            x = lo + (hi - lo) * (rng.permutation(n) + 0.5) / n
            x = x.reshape(self.shape)
        else:
            x = rng.uniform(lo, hi, self.shape)
        for k in meta.get("kinks", ()):
            x = np.where(np.abs(x - k) < KINK_GAP, np.where(x >= k, k + KINK_GAP, k - KINK_GAP), x)
        extra = [rng.uniform(0.05, 0.5, s) for s in self.extra]
        return [np.asarray(a, dtype=dtype) for a in (x, *extra)]


SPECIAL = {
    "prelu": [
        Case("prelu", (), extra=((1,),)),
        Case("prelu", (5,), extra=((1,),)),
        Case("prelu", (4, 3), extra=((3,),)),
        Case("prelu", (4, 3), extra=((1,),)),
        Case("prelu", (4, 3), extra=((),), torch=False),
        Case("prelu", (2, 4, 3), extra=((4, 3),), torch=False),
    ],
    "maxout": [
        Case("maxout", (6,), {"pieces": 3}),
        Case("maxout", (4, 6), {"pieces": 3}),
        Case("maxout", (4, 6), {"pieces": 2}),
        Case("maxout", (2, 3, 4), {"pieces": 4}),
        Case("maxout", (4, 6), {"pieces": 1}),
    ],
    **{
        name: [
            Case(name, (5,)),
            Case(name, (4, 3)),
            Case(name, (4, 3), {"axis": 0}),
            Case(name, (2, 3, 4), {"axis": 1}),
        ]
        for name in ("softmax", "log_softmax")
    },
}
PARAMETER_VARIANTS = [
    Case("linear", (4, 3), {"a": -1.5}),
    Case("leaky_relu", (4, 3), {"negative_slope": 0.2}),
    Case("elu", (4, 3), {"alpha": 2.0}),
    Case("gelu", (4, 3), {"approximate": "tanh"}),
    Case("silu", (4, 3), {"beta": 2.0}),
    Case("softplus", (4, 3), {"beta": 2.0}),
    Case("softplus", (4, 3), {"beta": 0.5, "threshold": 1.0}),
]


def cases_of(name):
    default = [Case(name, shape) for shape in SHAPES]
    return SPECIAL.get(name, default) + [c for c in PARAMETER_VARIANTS if c.name == name]


CASES = [case for name in NAMES for case in cases_of(name)]


def torch_table():
    """Registry name → the PyTorch function with the same arguments (float64 tensors)."""
    torch = pytest.importorskip("torch")
    TF = torch.nn.functional
    return {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        # not TF.hardsigmoid: its float64 backward multiplies by float32(1/6) (error 3e-8)
        "hard_sigmoid": lambda x: TF.relu6(x + 3) / 6,
        "relu": torch.relu,
        "leaky_relu": lambda x, negative_slope=0.01: TF.leaky_relu(x, negative_slope),
        "prelu": TF.prelu,
        "abs": torch.abs,
        "elu": lambda x, alpha=1.0: TF.elu(x, alpha),
        "selu": TF.selu,
        "gelu": lambda x, approximate="none": TF.gelu(x, approximate=approximate),
        "silu": lambda x, beta=1.0: TF.silu(x) if beta == 1 else x * torch.sigmoid(beta * x),
        "softplus": lambda x, beta=1.0, threshold=20.0: TF.softplus(x, beta, threshold),
        "exponential": torch.exp,
        "softmax": lambda x, axis=-1: torch.softmax(x, dim=axis),
        "log_softmax": lambda x, axis=-1: torch.log_softmax(x, dim=axis),
    }


def _maxout_reference(x, dY, pieces):
    groups = x.reshape(*x.shape[:-1], -1, pieces)
    winner = groups.argmax(axis=-1)
    onehot = np.arange(pieces) == winner[..., None]
    return groups.max(axis=-1), (onehot * dY[..., None]).reshape(x.shape)


NUMPY_REFERENCE = {
    # name → (x, dY, params) ↦ (y, dx), written without lucidnet
    "binary_step": lambda x, dY: (np.where(x >= 0, 1.0, 0.0), np.zeros_like(x)),
    "linear": lambda x, dY, a=1.0: (a * x, a * dY),
    "maxout": lambda x, dY, pieces: _maxout_reference(x, dY, pieces),
}
TORCH_NAMES = {
    "sigmoid", "tanh", "hard_sigmoid", "relu", "leaky_relu", "prelu", "abs", "elu", "selu",
    "gelu", "silu", "softplus", "exponential", "softmax", "log_softmax",
}  # fmt: skip


def _forward_backward(case, arrays, dY):
    leaves = [tensor(a, requires_grad=True) for a in arrays]
    y = case.call(*leaves)
    y.backward(dY)
    return y.numpy(), [leaf.grad for leaf in leaves]


# -- what every entry declares ----------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_entry_declares_domain_kinks_and_facts(name):
    meta = ACTIVATIONS.meta(name)
    lo, hi = meta["domain"]
    assert lo < hi
    assert all(lo < k < hi for k in meta.get("kinks", ())), "a kink outside the domain"
    assert isinstance(meta["facts"], Facts)
    assert activations.info(name) is meta["facts"]
    thresholds = {"saturation_point", "dead_below"}
    assert all(isinstance(v, (str, bool)) and v != ""
               for k, v in vars(meta["facts"]).items() if k not in thresholds)
    assert all(v is None or isinstance(v, float) for k, v in vars(meta["facts"]).items()
               if k in thresholds)


@pytest.mark.parametrize("name", [n for n in NAMES if not ACTIVATIONS.meta(n).get("requires")])
def test_the_saturation_point_and_dead_region_are_where_the_derivative_says(name):
    """Beyond the saturation point the derivative is at most a fifth of its largest value
    (σ': 0.045 of 0.25); at and below ``dead_below`` it is exactly 0, just above it not."""
    facts = activations.info(name)

    def derivative(values):
        x = Tensor(np.array(values, dtype=np.float64), requires_grad=True)
        ACTIVATIONS.resolve(name)(x).sum().backward()
        return x.grad

    if facts.saturation_point is not None:
        p = facts.saturation_point
        peak = derivative(np.linspace(-p, p, 601)).max()
        assert (derivative([-p - 1e-9, p + 1e-9, -2 * p, 3 * p]) <= peak / 5).all()
    if facts.dead_below is not None:
        d = facts.dead_below
        np.testing.assert_array_equal(derivative([d, d - 1, d - 100]), 0.0)
        assert derivative([d + 1e-6])[0] > 0


@pytest.mark.parametrize("name", NAMES)
def test_entry_has_a_reference(name):
    assert (name in TORCH_NAMES) != (name in NUMPY_REFERENCE), (
        f"{name!r} needs exactly one reference: a PyTorch function or a NumPy one"
    )
    assert not ACTIVATIONS.meta(name).get("requires") or name in SPECIAL, (
        f"{name!r} requires {ACTIVATIONS.meta(name)['requires']}: add its cases to SPECIAL"
    )


def test_torch_table_matches_the_names():
    assert set(torch_table()) == TORCH_NAMES


def test_aliases_and_get():
    assert activations.get(None) is F.identity
    assert activations.get("linear") is activations.get("identity") is F.identity
    assert activations.get("swish") is activations.get("silu") is F.silu is F.swish
    assert activations.get("abs") is F.absolute
    assert activations.info("swish") is activations.info("silu")
    assert set(NAMES) <= set(activations.names(aliases=True))
    assert {"identity", "swish"} <= set(activations.names(aliases=True)) - set(NAMES)


# -- gradients ------------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradcheck(case):
    rng = np.random.default_rng(0)
    assert gradcheck(case.call, *case.inputs(rng))


KINK_DERIVATIVE = {
    # (name, kink) → (value, derivative) there; the conventions the docstrings state
    ("binary_step", 0.0): (1.0, 0.0),
    ("relu", 0.0): (0.0, 0.0),
    ("leaky_relu", 0.0): (0.0, 0.01),
    ("prelu", 0.0): (0.0, 0.3),  # α, with α = 0.3 below
    ("abs", 0.0): (0.0, 0.0),
    ("elu", 0.0): (0.0, 1.0),  # α
    ("selu", 0.0): (0.0, 1.0507009873554805 * 1.6732632423543772),  # λα
    ("hard_sigmoid", -3.0): (0.0, 0.0),
    ("hard_sigmoid", 3.0): (1.0, 0.0),
}
KINKS = [(name, k) for name in NAMES for k in ACTIVATIONS.meta(name).get("kinks", ())]


@pytest.mark.parametrize(("name", "kink"), KINKS)
def test_value_and_derivative_at_kink(name, kink):
    x = tensor(np.array([kink]), requires_grad=True)
    extra = [np.array([0.3])] if name == "prelu" else []
    y = ACTIVATIONS.resolve(name)(x, *extra)
    y.backward(np.ones(1))
    assert (y.item(), x.grad.item()) == pytest.approx(KINK_DERIVATIVE[name, kink], rel=1e-15)


def test_kink_conventions_with_parameters():
    x = tensor(np.zeros(1), requires_grad=True)
    F.elu(x, alpha=2.0).backward(np.ones(1))
    assert x.grad.item() == 2.0
    x.grad = None
    F.leaky_relu(x, negative_slope=0.2).backward(np.ones(1))
    assert x.grad.item() == 0.2


def test_maxout_ties_share_the_gradient():
    x = tensor(np.array([[2.0, 2.0, -1.0, 5.0, 5.0, 5.0]]), requires_grad=True)
    F.maxout(x, 3).backward(np.array([[1.0, 3.0]]))
    np.testing.assert_array_equal(x.grad, [[0.5, 0.5, 0.0, 1.0, 1.0, 1.0]])


# -- dtypes -------------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=str)
def test_float32_stays_float32(case):
    arrays = case.inputs(np.random.default_rng(1), dtype=np.float32)
    leaves = [tensor(a, requires_grad=True) for a in arrays]
    y = case.call(*leaves)
    assert y.dtype == np.float32
    y.sum().backward()
    assert all(leaf.grad.dtype == np.float32 for leaf in leaves)


@pytest.mark.parametrize(
    ("fn", "param"),
    [
        (F.leaky_relu, "negative_slope"),
        (F.elu, "alpha"),
        (F.silu, "beta"),
        (F.softplus, "beta"),
        (F.identity, "a"),
    ],
)
def test_float64_scalar_parameter_does_not_upcast(fn, param):
    x = tensor(np.linspace(-2, 2, 5, dtype=np.float32), requires_grad=True)
    y = fn(x, **{param: np.float64(0.5)})
    y.sum().backward()
    assert y.dtype == x.grad.dtype == np.float32


def test_numbers_and_integers_become_the_default_float():
    assert F.sigmoid(0.0).dtype == np.float32
    assert F.tanh(np.arange(3)).dtype == np.float32
    assert F.softmax([1, 2, 3]).dtype == np.float32
    assert F.relu(np.arange(-2, 2)).dtype == np.arange(1).dtype  # relu keeps integers


# -- extremes -------------------------------------------------------------------------------
OVERFLOWS = {"exponential"}  # e^{1e4} is infinite by definition


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(set(NAMES) - OVERFLOWS))
def test_extreme_inputs_give_finite_outputs_and_gradients(name, dtype):
    x = np.array([[-1e4, 1e4, -1e4, 0.5, 1e4, -1e4], [1e4, 1e4, -1e4, -1e4, 0.0, 1e4]], dtype)
    params = {"prelu": (np.array([0.25], dtype),), "maxout": (3,)}.get(name, ())
    xt = tensor(x, requires_grad=True)
    y = ACTIVATIONS.resolve(name)(xt, *params)
    y.backward(np.random.default_rng(0).standard_normal(y.shape))
    assert np.isfinite(y.numpy()).all() and np.isfinite(xt.grad).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(set(NAMES) - OVERFLOWS - {"log_softmax"}) + ["gelu_tanh"])
def test_gradients_stay_finite_up_to_the_largest_float(name, dtype):
    """gelu(approximate='tanh') had a NaN gradient for |x| ≥ 1e20 in float32, where x²
    overflows and multiplies a saturated sech² of 0 (log_softmax is left out: the true
    value of −3e38 − 3e38 is not a float)."""
    big = np.finfo(dtype).max / 1.2
    x = np.array([-1e20, 1e20, -big, big, 0.5], dtype)
    params = {"prelu": (np.array([0.25], dtype),), "maxout": (1,)}.get(name, ())
    fn = ACTIVATIONS.resolve("gelu" if name == "gelu_tanh" else name)
    xt = tensor(x, requires_grad=True)
    with np.errstate(over="ignore"):
        y = fn(xt, *params, **({"approximate": "tanh"} if name == "gelu_tanh" else {}))
        y.backward(np.ones(y.shape, dtype))
    assert np.isfinite(y.numpy()).all() and np.isfinite(xt.grad).all()
    if name.startswith("gelu"):
        np.testing.assert_array_equal(xt.grad[:4], [0, 1, 0, 1])


def test_extreme_values_are_right():
    big = np.array([-1e4, 1e4])
    np.testing.assert_array_equal(F.sigmoid(big).numpy(), [0.0, 1.0])
    np.testing.assert_array_equal(F.tanh(big).numpy(), [-1.0, 1.0])
    np.testing.assert_array_equal(F.softplus(big).numpy(), [0.0, 1e4])
    np.testing.assert_array_equal(F.softmax(big).numpy(), [0.0, 1.0])
    np.testing.assert_array_equal(F.log_softmax(big).numpy(), [-2e4, 0.0])


@pytest.mark.parametrize("fn,scale", [(F.elu, 1.0), (F.selu, 1.0507009873554805)])
def test_elu_derivative_keeps_float32_precision_far_left(fn, scale):
    alpha = 1.0 if fn is F.elu else 1.6732632423543772
    x = tensor(np.array([-5.0, -17.0, -25.0], np.float32), requires_grad=True)
    fn(x).sum().backward()
    np.testing.assert_allclose(x.grad, scale * alpha * np.exp(x.data.astype(np.float64)),
                               rtol=1e-6)


# -- references -----------------------------------------------------------------------------
TORCH_CASES = [c for c in CASES if c.name in TORCH_NAMES and c.torch]


@pytest.mark.parametrize("case", TORCH_CASES, ids=str)
def test_matches_pytorch(case):
    torch = pytest.importorskip("torch")
    reference = torch_table()[case.name]
    rng = np.random.default_rng(2)
    arrays = case.inputs(rng)
    dY = rng.standard_normal(case.call(*arrays).shape)
    y, grads = _forward_backward(case, arrays, dY)
    leaves = [torch.tensor(a, requires_grad=True) for a in arrays]
    y_ref = reference(*leaves, **case.params)
    y_ref.backward(torch.tensor(dY))
    np.testing.assert_allclose(y, y_ref.detach().numpy(), rtol=1e-10, atol=0)
    for grad, leaf in zip(grads, leaves):
        np.testing.assert_allclose(grad, leaf.grad.numpy(), rtol=1e-10, atol=0)


NUMPY_CASES = [c for c in CASES if c.name in NUMPY_REFERENCE]


@pytest.mark.parametrize("case", NUMPY_CASES, ids=str)
def test_matches_numpy_reference(case):
    rng = np.random.default_rng(3)
    (x,) = case.inputs(rng)
    dY = rng.standard_normal(case.call(x).shape)
    y, (dx,) = _forward_backward(case, [x], dY)
    y_ref, dx_ref = NUMPY_REFERENCE[case.name](x, dY, **case.params)
    np.testing.assert_allclose(y, y_ref, rtol=1e-15, atol=0)
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-15, atol=0)


# -- the course's facts ------------------------------------------------------------------------
def _derivative(fn, x):
    xt = tensor(x, requires_grad=True)
    fn(xt).backward(np.ones_like(x))
    return xt.grad


def test_tanh_is_a_rescaled_sigmoid():
    x = np.linspace(-10, 10, 201)
    np.testing.assert_allclose(
        F.tanh(x).numpy(), 2 * F.sigmoid(2 * x).numpy() - 1, rtol=0, atol=1e-15
    )


def test_sigmoid_derivative_vanishes_outside_minus_3_3():
    outside = np.concatenate([np.linspace(-20, -3, 50), np.linspace(3, 20, 50)])
    inside = np.linspace(-2.75, 2.75, 51)
    assert (_derivative(F.sigmoid, outside) < 0.05).all()
    assert (_derivative(F.sigmoid, inside) > 0.05).all()
    assert _derivative(F.sigmoid, np.array([0.0]))[0] == 0.25


def test_abs_derivative_is_the_sign():
    x = np.array([-2.0, -1e-9, 0.0, 1e-9, 3.0])
    np.testing.assert_array_equal(_derivative(F.absolute, x), [-1.0, -1.0, 0.0, 1.0, 1.0])
    np.testing.assert_array_equal(F.absolute(x).numpy(), np.abs(x))


def test_softplus_derivative_is_the_sigmoid():
    x = np.linspace(-15, 15, 61)
    np.testing.assert_allclose(_derivative(F.softplus, x), F.sigmoid(x).numpy(), rtol=1e-15)


def test_softmax_rows_sum_to_one_and_ignore_a_constant():
    x = np.random.default_rng(4).normal(0, 3, (6, 5))
    y = F.softmax(x).numpy()
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(F.softmax(x + 1000.0).numpy(), y, rtol=1e-12)
    np.testing.assert_allclose(F.softmax(x, axis=0).numpy().sum(axis=0), 1.0, rtol=1e-15)


def test_log_softmax_is_log_of_softmax():
    x = np.random.default_rng(5).normal(0, 3, (6, 5))
    np.testing.assert_allclose(
        F.log_softmax(x).numpy(), np.log(F.softmax(x).numpy()), rtol=1e-13
    )


def test_gelu_tanh_approximation_is_within_5e_4():
    x = np.linspace(-6, 6, 2001)
    gap = np.abs(F.gelu(x).numpy() - F.gelu(x, approximate="tanh").numpy())
    assert 4e-4 < gap.max() < 5e-4


def test_swish_with_large_beta_approaches_relu():
    x = np.linspace(-3, 3, 61)
    np.testing.assert_allclose(F.silu(x, beta=100.0).numpy(), F.relu(x).numpy(), atol=3e-3)


# -- errors -------------------------------------------------------------------------------
def test_bad_arguments_are_named():
    x = np.ones((2, 6))
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(x, approximate="fast")
    with pytest.raises(ShapeError, match=r"pieces=4.*\(2, 6\)"):
        F.maxout(x, 4)
    with pytest.raises(ValueError, match="pieces"):
        F.maxout(x, 0)
    with pytest.raises(ShapeError, match=r"alpha of shape \(4,\)"):
        F.prelu(x, Tensor(np.ones(4)))
    with pytest.raises(ValueError, match="beta"):
        F.softplus(x, beta=0)


@pytest.mark.parametrize("case", [c for c in CASES if not c.extra], ids=str)
def test_the_entrys_function_is_what_the_layers_fuse_bit_for_bit(case):
    """The registry's ``function`` (what nn.Activation, Keras layers and the Chain run),
    built with the case's arguments, computes the registered function's output and
    gradient exactly: a new activation fuses from every door once it is registered."""
    from lucidnet.activations import Spec

    x, = case.inputs(np.random.default_rng(0))
    spec = Spec(case.name, dict(case.params))
    fn = spec.function()
    out = fn.forward(x.copy())
    dY = np.random.default_rng(1).standard_normal(out.shape)
    dx, = fn.gradients(dY, (True,))
    t = tensor(x, requires_grad=True)
    y = spec(t)
    (y * tensor(dY)).sum().backward()
    np.testing.assert_array_equal(out, y.numpy())
    np.testing.assert_array_equal(dx, t.grad)
