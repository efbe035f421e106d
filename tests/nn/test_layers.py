"""Layers and containers: a declared case per registered layer, gradients against central
differences, PyTorch as a second oracle, the Module API and errors that name the layer.

The mathematics of each activation is checked in tests/functional/test_activations.py and
each activation module against its function in test_activation_modules.py; here every
entry of ``nn.LAYERS`` (activations included) gets the layer contract: a declared input
domain, a float64 gradient check through the module and its parameters, float32 kept
float32, and a state round trip.
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pytest
import scipy.sparse as scipy_sparse  # a dependency of lucidnet

import lucidnet
from lucidnet import nn, tensor
from lucidnet.diagnostics import gradcheck, numerical_gradient
from lucidnet.errors import ShapeError
from lucidnet.nn import LAYERS
from lucidnet.nn import layers as core_layers


# -- helpers ------------------------------------------------------------------------
def away_from_kinks(rng, shape):
    """Values with 0.2 ≤ |x| ≤ 2.5: clear of the kinks at 0 (ReLU, Abs, step, PReLU, …)
    and at ±3 (hard sigmoid), so central differences are valid."""
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 2.5, shape)


def module_gradcheck(module, x, call=None, seed=None):
    """Check the gradients of ``call(module, x)`` w.r.t. x and every parameter of
    ``module`` against central differences, in float64.

    The input goes through :func:`lucidnet.diagnostics.gradcheck`; each parameter is
    perturbed in place with :func:`~lucidnet.diagnostics.numerical_gradient` on the same
    scalar Σ f ⊙ V. ``seed`` reseeds lucidnet before each forward (a fixed dropout mask).
    """
    call = call or (lambda m, h: m(h))

    def run(h):
        if seed is not None:
            lucidnet.manual_seed(seed)
        return call(module, h)

    assert gradcheck(run, x)
    if not any(True for _ in module.parameters()):
        return
    module.zero_grad()
    out = run(tensor(x))
    V = np.random.default_rng(1).standard_normal(out.shape)
    (out * tensor(V)).sum().backward()
    for name, p in module.named_parameters():
        assert p.dtype == np.float64 and p.data.flags.c_contiguous, name
        analytic = np.zeros(p.shape) if p.grad is None else p.grad
        numeric = numerical_gradient(lambda: float((run(tensor(x)).numpy() * V).sum()), p.data)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7, err_msg=name)


def assert_matches_torch(ours, theirs):
    """Relative error ≤ 1e-10 (per element, with an absolute floor of 1e-10·max|theirs|)."""
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    ours = np.asarray(ours.numpy() if isinstance(ours, lucidnet.Tensor) else ours)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    scale = max(float(np.abs(theirs).max(initial=0.0)), 1e-300)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10 * scale)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def f64(build):
    """``build()`` with float64 parameters and buffers."""
    with lucidnet.default_dtype("float64"):
        return build()


def loop(modules, x):
    """Applies a ModuleList's layers in turn (it has no forward of its own)."""
    for m in modules:
        x = m(x)
    return x


# -- one declared case per registered layer -----------------------------------------
@dataclass
class Case:
    """How to test a layer: a factory, the input shape and domain, what comes out."""

    make: Callable[[], nn.Module]
    shape: tuple
    out_shape: tuple
    domain: Callable = away_from_kinks
    call: Callable | None = None  # how to apply it, when not module(x)
    seed: int | None = None  # reseed before each forward (random layers)
    prepare: Callable | None = field(default=None)  # put it in the state to check


def _bn_eval(m):
    m.running_mean[...] = [0.5, -1.0, 0.2, 2.0]
    m.running_var[...] = [0.3, 2.0, 1.5, 0.7]
    m.weight.data[...] = [1.5, -0.5, 2.0, 0.8]
    m.bias.data[...] = [0.1, 0.2, -0.3, 0.0]
    m.eval()


CASES = {
    "Linear": [
        Case(lambda: nn.Linear(4, 3), (5, 4), (5, 3)),
        Case(lambda: nn.Linear(4, 3, bias=False), (5, 4), (5, 3)),
        Case(lambda: nn.Linear(4, 3), (2, 5, 4), (2, 5, 3)),
    ],
    "Flatten": [
        Case(lambda: nn.Flatten(), (2, 3, 4), (2, 12)),
        Case(lambda: nn.Flatten(0, 1), (2, 3, 4), (6, 4)),
    ],
    "Dropout": [Case(lambda: nn.Dropout(0.4), (6, 5), (6, 5), seed=3)],
    "BatchNorm1d": [
        Case(lambda: nn.BatchNorm1d(4), (6, 4), (6, 4)),
        Case(lambda: nn.BatchNorm1d(4), (6, 4), (6, 4), prepare=_bn_eval),
        Case(lambda: nn.BatchNorm1d(4, affine=False), (6, 4), (6, 4)),
    ],
    "Normalization": [
        Case(lambda: nn.Normalization(4, mean=[0.5, -1.0, 0.2, 2.0],
                                      variance=[0.3, 2.0, 1.5, 0.8]), (6, 4), (6, 4)),
        Case(lambda: nn.Normalization(mean=3.0, variance=2.0, invert=True), (2, 5, 4), (2, 5, 4)),
    ],
    "Sequential": [
        Case(lambda: nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2)), (3, 4), (3, 2)),
        Case(lambda: nn.Sequential(nn.Linear(4, 5), nn.BatchNorm1d(5), nn.Dropout(0.3),
                                   nn.PReLU(5), nn.Maxout(5, 2, 3)), (6, 4), (6, 2), seed=5),
    ],
    "ModuleList": [
        Case(lambda: nn.ModuleList([nn.Linear(4, 3), nn.Sigmoid()]), (3, 4), (3, 3), call=loop),
    ],
    "Maxout": [Case(lambda: nn.Maxout(4, 3, 2), (5, 4), (5, 3))],
    "PReLU": [
        Case(lambda: nn.PReLU(), (5, 3), (5, 3)),
        Case(lambda: nn.PReLU(3, init=0.1), (5, 3), (5, 3)),
    ],
    "Activation": [Case(lambda: nn.Activation("elu"), (4, 3), (4, 3))],
    "Softmax": [Case(lambda: nn.Softmax(), (4, 3), (4, 3))],
    "LogSoftmax": [Case(lambda: nn.LogSoftmax(dim=0), (4, 3), (4, 3))],
    "LeakyReLU": [Case(lambda: nn.LeakyReLU(0.2), (4, 3), (4, 3))],
    "ELU": [Case(lambda: nn.ELU(2.0), (4, 3), (4, 3))],
    "GELU": [Case(lambda: nn.GELU("tanh"), (4, 3), (4, 3))],
    "SiLU": [Case(lambda: nn.SiLU(2.0), (4, 3), (4, 3))],
    "Softplus": [Case(lambda: nn.Softplus(2.0, 3.0), (4, 3), (4, 3))],
} | {
    name: [Case(getattr(nn, name), (4, 3), (4, 3))]
    for name in ("Abs", "BinaryStep", "Hardsigmoid", "Identity", "ReLU", "SELU", "Sigmoid",
                 "Tanh")
}

ALL_CASES = [pytest.param(case, id=f"{name}-{i}")
             for name, cases in CASES.items() for i, case in enumerate(cases)]


def nn_layer_names():
    """The layers lucidnet registers, but the Keras facade's 'keras.*' entries (tested in
    tests/keras) and the classes other test files register for themselves."""
    return [name for name in LAYERS.names() if not name.startswith("keras.")
            and LAYERS.resolve(name).__module__.startswith("lucidnet.")]


def test_every_registered_layer_declares_a_case():
    missing = sorted(set(nn_layer_names()) - set(CASES))
    assert not missing, f"layers without a declared test case (input domain): {missing}"
    stale = sorted(set(CASES) - set(nn_layer_names()))
    assert not stale, f"test cases for names no longer registered: {stale}"
    for name, cases in CASES.items():
        assert all(type(case.make()) is LAYERS.resolve(name) for case in cases), name


def _built(case, dtype="float64"):
    with lucidnet.default_dtype(dtype):
        module = case.make()
    if case.prepare is not None:
        case.prepare(module)
    return module


def _apply(case, module, x):
    if case.seed is not None:
        lucidnet.manual_seed(case.seed)
    return (case.call or (lambda m, h: m(h)))(module, x)


@pytest.mark.parametrize("case", ALL_CASES)
def test_gradcheck(case):
    module = _built(case)
    x = case.domain(np.random.default_rng(0), case.shape)
    module_gradcheck(module, x, case.call, case.seed)


@pytest.mark.parametrize("case", ALL_CASES)
def test_output_shape_and_float32_stays_float32(case):
    module = _built(case, "float32")
    x = tensor(case.domain(np.random.default_rng(0), case.shape).astype(np.float32),
               requires_grad=True)
    y = _apply(case, module, x)
    assert y.shape == case.out_shape and y.dtype == np.float32
    y.sum().backward()
    assert x.grad is None or x.grad.dtype == np.float32
    for name, p in module.named_parameters():
        assert p.dtype == np.float32 and (p.grad is None or p.grad.dtype == np.float32), name
    for name, b in module.named_buffers():
        assert b.dtype in (np.float32, np.int64), name


@pytest.mark.parametrize("case", ALL_CASES)
def test_a_float64_numpy_batch_feeds_a_float32_layer_in_float32(case):
    """A layer holding float32 parameters computes in float32 whatever the batch's dtype
    (NumPy's default float64 included), as Keras; parameter-free layers keep the
    input's dtype."""
    module = _built(case, "float32")
    x = case.domain(np.random.default_rng(0), case.shape)
    holds_floats = any(True for _ in module.parameters()) or any(
        b.dtype.kind == "f" for _, b in module.named_buffers())
    assert _apply(case, module, x).dtype == (np.float32 if holds_floats else np.float64)


@pytest.mark.parametrize("case", ALL_CASES)
def test_state_dict_round_trip(case):
    lucidnet.manual_seed(0)
    source = _built(case)
    x = case.domain(np.random.default_rng(2), case.shape)
    if source.training:
        _apply(case, source, tensor(x))  # moves BatchNorm's running statistics
    lucidnet.manual_seed(1)
    target = _built(case)
    target.load_state_dict(source.state_dict())
    for (n1, a), (n2, b) in zip(source.state_dict().items(), target.state_dict().items()):
        assert n1 == n2 and a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    source.eval(), target.eval()
    np.testing.assert_array_equal(_apply(case, source, tensor(x)).numpy(),
                                  _apply(case, target, tensor(x)).numpy())


@pytest.mark.parametrize("name", [n for n in core_layers.__all__ if n[0].isupper()])
def test_config_rebuilds_the_core_layers(name):
    for case in CASES[name]:
        layer = case.make()
        config = json.loads(json.dumps(layer.get_config()))
        rebuilt = LAYERS.get(LAYERS.name_of(layer), **config)
        assert type(rebuilt) is type(layer) and repr(rebuilt) == repr(layer)


# -- Linear -------------------------------------------------------------------------
def test_linear_is_x_w_plus_b_in_the_lectures_layout():
    layer = f64(lambda: nn.Linear(3, 2))
    assert layer.weight.shape == (3, 2) and layer.bias.shape == (2,)
    x = np.random.default_rng(0).normal(size=(4, 3))
    np.testing.assert_allclose(layer(x).numpy(), x @ layer.weight.numpy() + layer.bias.numpy(),
                               rtol=1e-14)
    assert [n for n, _ in nn.Linear(3, 2, bias=False).named_parameters()] == ["weight"]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (4,)])
def test_linear_matches_pytorch(torch, bias, shape):
    rng = np.random.default_rng(0)
    x, dY = rng.normal(size=shape), rng.normal(size=shape[:-1] + (3,))
    layer = f64(lambda: nn.Linear(4, 3, bias=bias))
    ref = torch.nn.Linear(4, 3, bias=bias, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(layer.weight.numpy().T))  # PyTorch stores Wᵀ
        if bias:
            ref.bias.copy_(torch.tensor(layer.bias.numpy()))
    xt, x_ref = tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, y_ref = layer(xt), ref(x_ref)
    y.backward(dY)
    y_ref.backward(torch.tensor(dY))
    assert_matches_torch(y, y_ref)
    assert_matches_torch(xt.grad, x_ref.grad)
    assert_matches_torch(layer.weight.grad, ref.weight.grad.T)
    if bias:
        assert_matches_torch(layer.bias.grad, ref.bias.grad)


def test_linear_casts_a_float64_input_differentiably():
    """A float32 layer computes in float32; the float64 input still gets a float64 gradient."""
    layer = nn.Linear(3, 2)
    x = tensor(np.random.default_rng(0).normal(size=(4, 3)), requires_grad=True)
    y = layer(x)
    y.backward(np.ones((4, 2), dtype=np.float32))
    assert y.dtype == np.float32 and layer.weight.grad.dtype == np.float32
    assert x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad, np.ones((4, 2)) @ layer.weight.numpy().T, rtol=1e-6)


def test_linear_init_is_pytorchs_distribution():
    """W, b ~ U(−1/√D, 1/√D): the bounds, and mean and variance within 5 standard errors."""
    lucidnet.manual_seed(0)
    layer = f64(lambda: nn.Linear(400, 500))
    bound = 1 / math.sqrt(400)
    for p in (layer.weight.numpy(), layer.bias.numpy()):
        assert np.abs(p).max() <= bound
        n, var = p.size, bound**2 / 3
        assert abs(p.mean()) < 5 * math.sqrt(var / n)
        assert abs(p.var() - var) < 5 * math.sqrt((bound**4 / 5 - var**2) / n)


@pytest.mark.parametrize("fmt", ["csr_matrix", "csr_array"])
def test_linear_on_sparse_csr_input_equals_dense(fmt):
    rng = np.random.default_rng(3)
    dense = rng.normal(size=(6, 8)) * (rng.random((6, 8)) < 0.3)
    X = getattr(scipy_sparse, fmt)(dense)
    dY = rng.normal(size=(6, 3))
    layer = f64(lambda: nn.Linear(8, 3))
    grads = []
    for x in (X, tensor(dense)):
        layer.zero_grad()
        y = layer(x)
        y.backward(dY)
        grads.append((y.numpy(), layer.weight.grad.copy(), layer.bias.grad.copy()))
    for sparse_result, dense_result in zip(*grads):
        assert isinstance(sparse_result, np.ndarray)
        np.testing.assert_allclose(sparse_result, dense_result, rtol=1e-13, atol=1e-14)


def test_linear_sparse_input_gradcheck_of_the_parameters():
    rng = np.random.default_rng(4)
    X = scipy_sparse.csr_matrix(rng.normal(size=(5, 6)) * (rng.random((5, 6)) < 0.4))
    layer = f64(lambda: nn.Linear(6, 2))
    V = rng.normal(size=(5, 2))
    layer(X).backward(V)
    for name, p in layer.named_parameters():
        numeric = numerical_gradient(lambda: float((layer(X).numpy() * V).sum()), p.data)
        np.testing.assert_allclose(p.grad, numeric, rtol=1e-5, atol=1e-7, err_msg=name)


def test_linear_sparse_float64_input_feeds_a_float32_model():
    X = scipy_sparse.csr_matrix(np.eye(4, 6))
    layer = nn.Linear(6, 2)
    y = layer(X)
    y.sum().backward()
    assert y.dtype == np.float32 and layer.weight.grad.dtype == np.float32


def test_linear_wrong_feature_count_names_the_layer_and_both_shapes():
    layer = nn.Linear(10, 3, name="hidden_1")
    message = r"Linear 'hidden_1' expects inputs with 10 features, got shape \(32, 784\)"
    with pytest.raises(ShapeError, match=message):
        layer(np.ones((32, 784), dtype=np.float32))
    with pytest.raises(ShapeError, match=r"^Linear expects inputs with 10 features, got shape \(2, 4\)"):
        nn.Linear(10, 3)(scipy_sparse.csr_matrix(np.ones((2, 4))))
    with pytest.raises(ShapeError, match=r"got shape \(\)"):
        nn.Linear(10, 3)(np.float32(1.0))
    with pytest.raises(ValueError, match="Linear: in_features must be a positive integer"):
        nn.Linear(0, 3)
    with pytest.raises(TypeError, match="bias must be True or False"):
        nn.Linear(2, 3, bias=None)


def test_linear_takes_an_initializer_by_name():
    layer = f64(lambda: nn.Linear(3, 4, weight_init="ones", bias_init="zeros"))
    np.testing.assert_array_equal(layer.weight.numpy(), np.ones((3, 4)))
    np.testing.assert_array_equal(layer.bias.numpy(), np.zeros(4))


# -- Flatten ------------------------------------------------------------------------
@pytest.mark.parametrize(("start", "end"), [(1, -1), (0, -1), (0, 1), (1, 2), (-2, -1), (2, 2)])
def test_flatten_matches_pytorch(torch, start, end):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 3, 4, 5))
    xt, x_ref = tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, y_ref = nn.Flatten(start, end)(xt), torch.nn.Flatten(start, end)(x_ref)
    dY = rng.normal(size=tuple(y_ref.shape))
    y.backward(dY)
    y_ref.backward(torch.tensor(dY))
    assert_matches_torch(y, y_ref)
    assert_matches_torch(xt.grad, x_ref.grad)


def test_flatten_bad_axes_are_named():
    with pytest.raises(ShapeError, match=r"Flatten\(start_dim=3, end_dim=-1\).*\(2, 3\)"):
        nn.Flatten(3)(np.ones((2, 3)))
    with pytest.raises(ShapeError, match="start_dim comes after end_dim"):
        nn.Flatten(2, 1)(np.ones((2, 3, 4)))


# -- Dropout ------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_is_inverted_and_preserves_the_mean(p):
    """Kept units are scaled by 1/(1 − p), so E[Y] = X; the fraction dropped is p.
    Both within 5 standard errors over 200 000 units."""
    lucidnet.manual_seed(0)
    n = 200_000
    y = nn.Dropout(p)(np.ones(n)).numpy()
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1 / (1 - p), rtol=1e-15)
    assert abs((~kept).mean() - p) < 5 * math.sqrt(p * (1 - p) / n)
    assert abs(y.mean() - 1) < 5 * math.sqrt(p / (1 - p) / n)


def test_dropout_gradient_uses_the_same_mask():
    lucidnet.manual_seed(1)
    x = tensor(np.random.default_rng(0).normal(size=(50, 40)), requires_grad=True)
    y = nn.Dropout(0.3)(x)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, (y.numpy() != 0) / 0.7)


def test_dropout_is_the_identity_in_eval_and_for_p_0():
    x = tensor(np.random.default_rng(0).normal(size=(4, 5)))
    layer = nn.Dropout(0.5).eval()
    np.testing.assert_array_equal(layer(x).numpy(), x.numpy())
    np.testing.assert_array_equal(nn.Dropout(0.0)(x).numpy(), x.numpy())
    assert layer.train().training


def test_dropout_mask_is_reproducible_by_seed():
    outputs = []
    for _ in range(2):
        lucidnet.manual_seed(42)
        outputs.append(nn.Dropout(0.5)(np.ones((30, 30), dtype=np.float32)).numpy())
    np.testing.assert_array_equal(*outputs)
    assert outputs[0].dtype == np.float32


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5, True, "0.5"])
def test_dropout_probability_is_checked(p):
    with pytest.raises(ValueError, match="Dropout: p is the probability"):
        nn.Dropout(p)


# -- BatchNorm1d ---------------------------------------------------------------------
def _torch_bn(torch, ours, **kwargs):
    ref = torch.nn.BatchNorm1d(ours.num_features, dtype=torch.float64, **kwargs)
    if ours.affine:
        with torch.no_grad():
            ref.weight.copy_(torch.tensor(ours.weight.numpy()))
            ref.bias.copy_(torch.tensor(ours.bias.numpy()))
    return ref


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
@pytest.mark.parametrize("affine", [True, False])
def test_batchnorm_matches_pytorch_in_training_and_evaluation(torch, momentum, affine):
    """Batch statistics, running-statistic updates (momentum, the cumulative average for
    None, unbiased running variance) over several batches, then evaluation."""
    rng = np.random.default_rng(6)
    kwargs = {"momentum": momentum, "affine": affine, "eps": 1e-3}
    layer = f64(lambda: nn.BatchNorm1d(3, **kwargs))
    if affine:
        layer.weight.data[...] = rng.normal(size=3)
        layer.bias.data[...] = rng.normal(size=3)
    ref = _torch_bn(torch, layer, **kwargs)
    for step, mode in enumerate(["train"] * 3 + ["eval"]):
        layer.train(mode == "train"), ref.train(mode == "train")
        x = rng.normal(2.0, 3.0, (8, 3))
        dY = rng.normal(size=(8, 3))
        layer.zero_grad(), ref.zero_grad()
        xt, x_ref = tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, y_ref = layer(xt), ref(x_ref)
        y.backward(dY)
        y_ref.backward(torch.tensor(dY))
        assert_matches_torch(y, y_ref)
        assert_matches_torch(xt.grad, x_ref.grad)
        if affine:
            assert_matches_torch(layer.weight.grad, ref.weight.grad)
            assert_matches_torch(layer.bias.grad, ref.bias.grad)
        assert_matches_torch(layer.running_mean, ref.running_mean)
        assert_matches_torch(layer.running_var, ref.running_var)
        assert int(layer.num_batches_tracked) == int(ref.num_batches_tracked) == min(step + 1, 3)


def test_batchnorm_without_running_stats_matches_pytorch(torch):
    rng = np.random.default_rng(7)
    layer = f64(lambda: nn.BatchNorm1d(4, track_running_stats=False))
    ref = _torch_bn(torch, layer, track_running_stats=False)
    layer.eval(), ref.eval()  # batch statistics even in evaluation
    x = rng.normal(size=(5, 4))
    assert_matches_torch(layer(x), ref(torch.tensor(x)))
    assert [n for n, _ in layer.named_buffers()] == []


def test_batchnorm_training_output_is_normalized():
    x = np.random.default_rng(8).normal(5.0, 4.0, (64, 3))
    y = f64(lambda: nn.BatchNorm1d(3, eps=1e-12))(x).numpy()
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=0), 1, rtol=1e-10)


def test_batchnorm_running_stats_are_buffers_not_parameters():
    layer = nn.BatchNorm1d(3)
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    assert [n for n, _ in layer.named_buffers()] == [
        "running_mean", "running_var", "num_batches_tracked"]
    layer(np.random.default_rng(0).normal(size=(4, 3)))
    assert int(layer.num_batches_tracked) == 1
    layer.reset_parameters()
    assert int(layer.num_batches_tracked) == 0
    np.testing.assert_array_equal(layer.running_var, np.ones(3, dtype=np.float32))


def test_batchnorm_bad_input_is_named():
    with pytest.raises(ShapeError, match=r"BatchNorm1d expects inputs with 3 features, got shape \(4, 2\)"):
        nn.BatchNorm1d(3)(np.ones((4, 2)))
    with pytest.raises(ShapeError, match=r"BatchNorm1d expects inputs of shape \(N, 3\)"):
        nn.BatchNorm1d(3)(np.ones((4, 3, 2)))
    with pytest.raises(ShapeError, match="more than 1 sample"):
        nn.BatchNorm1d(3)(np.ones((1, 3)))
    nn.BatchNorm1d(3).eval()(np.ones((1, 3)))  # running statistics: one sample is fine
    with pytest.raises(ValueError, match="momentum must be in"):
        nn.BatchNorm1d(3, momentum=1.5)


# -- PReLU and Maxout (their PyTorch comparison is in test_activation_modules.py) ----
def test_prelu_slope_gradient_collects_only_negative_inputs():
    layer = f64(lambda: nn.PReLU(2, init=0.3))
    x = np.array([[-2.0, 1.0], [-1.0, -3.0], [4.0, -0.5]])
    layer(x).sum().backward()
    np.testing.assert_array_equal(layer.weight.grad, [-3.0, -3.5])


# -- the Module API -------------------------------------------------------------------
def _model():
    return nn.Sequential(OrderedDict([
        ("hidden", nn.Linear(4, 5)),
        ("norm", nn.BatchNorm1d(5)),
        ("act", nn.ReLU()),
        ("drop", nn.Dropout(0.5)),
        ("out", nn.Sequential(nn.Linear(5, 3), nn.PReLU())),
    ]))


def test_parameters_and_named_parameters_walk_the_tree_in_order():
    model = _model()
    names = [n for n, _ in model.named_parameters()]
    assert names == ["hidden.weight", "hidden.bias", "norm.weight", "norm.bias",
                     "out.0.weight", "out.0.bias", "out.1.weight"]
    assert [id(p) for p in model.parameters()] == [id(p) for _, p in model.named_parameters()]
    assert all(p.requires_grad for p in model.parameters())
    assert model.num_parameters() == 4 * 5 + 5 + 5 + 5 + 5 * 3 + 3 + 1
    assert [n for n, _ in model.named_modules()] == [
        "", "hidden", "norm", "act", "drop", "out", "out.0", "out.1"]


def test_a_shared_layer_is_counted_once():
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    model(np.ones((2, 3), dtype=np.float32)).sum().backward()
    assert shared.weight.grad is not None


def test_train_and_eval_reach_every_descendant():
    model = _model()
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    x = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)
    np.testing.assert_array_equal(model(x).numpy(), model(x).numpy())  # deterministic
    model.out.train()
    assert model.out[1].training and not model.drop.training and not model.training
    model.train()
    assert all(m.training for m in model.modules())


def test_gradients_accumulate_and_zero_grad_forgets_them():
    model = f64(_model)
    x = np.random.default_rng(0).normal(size=(6, 4))
    lucidnet.manual_seed(0)
    model(x).sum().backward()
    first = {n: p.grad.copy() for n, p in model.named_parameters()}
    lucidnet.manual_seed(0)
    model(x).sum().backward()
    for n, p in model.named_parameters():
        np.testing.assert_allclose(p.grad, 2 * first[n], rtol=1e-12, err_msg=n)
    model.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_state_dict_is_a_copy_and_loads_into_a_fresh_model():
    lucidnet.manual_seed(0)
    model = _model()
    model(np.random.default_rng(0).normal(size=(6, 4)))  # running statistics move
    state = model.state_dict()
    assert list(state) == [
        "hidden.weight", "hidden.bias", "norm.weight", "norm.bias", "out.0.weight",
        "out.0.bias", "out.1.weight", "norm.running_mean", "norm.running_var",
        "norm.num_batches_tracked"]
    assert all(isinstance(v, np.ndarray) for v in state.values())
    state["hidden.weight"][...] = 0  # a copy: the model is untouched
    assert model.hidden.weight.numpy().any()
    state = model.state_dict()

    lucidnet.manual_seed(1)
    fresh = _model()
    fresh.load_state_dict(state)
    for (name, a), b in zip(state.items(), fresh.state_dict().values()):
        np.testing.assert_array_equal(a, b, err_msg=name)
    x = np.random.default_rng(1).normal(size=(3, 4)).astype(np.float32)
    model.eval(), fresh.eval()
    np.testing.assert_array_equal(model(x).numpy(), fresh(x).numpy())


def test_load_state_dict_checks_names_and_shapes():
    model = _model()
    state = model.state_dict()
    del state["norm.running_mean"]
    with pytest.raises(KeyError, match=r"missing \['norm.running_mean'\]"):
        model.load_state_dict(state)
    model.load_state_dict(state, strict=False)
    state = model.state_dict()
    state["extra"] = np.zeros(1)
    with pytest.raises(KeyError, match=r"unexpected \['extra'\]"):
        model.load_state_dict(state)
    state = model.state_dict()
    state["hidden.weight"] = np.zeros((5, 4))
    with pytest.raises(ShapeError, match=r"'hidden.weight' has shape \(4, 5\), state gives \(5, 4\)"):
        model.load_state_dict(state)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("hidden.bias", np.array([True, False, True, True, False]), "holds float32, state gives bool"),
    ("hidden.bias", np.ones(5, dtype=complex), "holds float32, state gives complex128"),
    ("norm.num_batches_tracked", np.array(2.7), "holds int64, state gives float64"),
])
def test_load_state_dict_checks_dtype_kinds_and_changes_nothing_on_error(name, value, message):
    model = _model()
    before = model.state_dict()
    state = {n: v + 1 for n, v in before.items()}  # every entry new, one of them bad
    state[name] = value
    with pytest.raises(TypeError, match=f"'{name}' {message}"):
        model.load_state_dict(state)
    for (n, a), b in zip(before.items(), model.state_dict().values()):
        np.testing.assert_array_equal(a, b, err_msg=n)


def test_load_state_dict_takes_integers_into_floats_and_float64_into_float32():
    model = nn.Linear(2, 3)
    model.load_state_dict({"weight": np.arange(6).reshape(2, 3), "bias": np.ones(3)})
    assert model.weight.dtype == np.float32
    np.testing.assert_array_equal(model.weight.numpy(), np.arange(6).reshape(2, 3))


def test_repr_shows_the_structure():
    assert repr(_model()) == (
        "Sequential(\n"
        "  (hidden): Linear(in_features=4, out_features=5, bias=True)\n"
        "  (norm): BatchNorm1d(5, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)\n"
        "  (act): ReLU()\n"
        "  (drop): Dropout(p=0.5)\n"
        "  (out): Sequential(\n"
        "    (0): Linear(in_features=5, out_features=3, bias=True)\n"
        "    (1): PReLU(num_parameters=1, init=0.25)\n"
        "  )\n"
        ")"
    )
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(nn.Linear(2, 3, bias=False, name="out")) == (
        "Linear(in_features=2, out_features=3, bias=False, name='out')")


def test_sequential_indexing_and_editing():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    model = nn.Sequential(a, b, c)
    assert len(model) == 3 and model[0] is a and model[-1] is c and list(model) == [a, b, c]
    head = model[:2]
    assert isinstance(head, nn.Sequential) and list(head) == [a, b]
    del model[1]
    assert [n for n, _ in model.named_modules()][1:] == ["0", "1"] and model[1] is c
    model.insert(1, nn.Tanh())
    assert repr(model[1]) == "Tanh()" and len(model) == 3
    with pytest.raises(TypeError, match="wrap a function in nn.Activation"):
        nn.Sequential(nn.Linear(2, 2), np.tanh)
    with pytest.raises(IndexError, match="out of range"):
        model[3]


def test_sequential_with_the_wrong_input_names_the_first_layer():
    model = nn.Sequential(nn.Linear(4, 3, name="hidden"), nn.ReLU())
    with pytest.raises(ShapeError, match=r"Linear 'hidden' expects inputs with 4 features"):
        model(np.ones((2, 5), dtype=np.float32))
