"""Loss modules: PyTorch's names, argument order and reductions, checked against PyTorch."""

from __future__ import annotations

import json

import numpy as np
import pytest

import lucidnet.functional as F
from lucidnet import nn, tensor
from lucidnet.diagnostics import gradcheck
from lucidnet.errors import LabelError, ShapeError
from lucidnet.nn import loss as loss_modules

REDUCTIONS = ("mean", "sum", "none")


def _inputs(kind, shape, rng):
    """(input, target, *extra) arrays for a module of ``kind`` on inputs of ``shape``."""
    if kind in ("MSELoss", "L1Loss"):
        return rng.normal(size=shape), rng.normal(size=shape)
    if kind == "BCELoss":
        return rng.uniform(0.02, 0.98, shape), rng.random(shape)
    if kind == "BCEWithLogitsLoss":
        # soft targets inside (0, 1), so that gradcheck may perturb them (0/1 labels are
        # compared with PyTorch in tests/functional/test_losses.py)
        return rng.normal(0, 3, shape), rng.uniform(0.05, 0.95, shape)
    if kind == "GaussianNLLLoss":
        return rng.normal(size=shape), rng.normal(size=shape), rng.uniform(0.2, 2, shape)
    axis = 1 if len(shape) >= 2 else 0
    target = rng.integers(0, shape[axis], shape[:axis] + shape[axis + 1 :])
    if kind == "NLLLoss":
        x = rng.normal(size=shape)
        return x - np.log(np.exp(x).sum(axis, keepdims=True)), target
    if kind == "CrossEntropyLoss":
        return rng.normal(0, 2, shape), target
    raise AssertionError(kind)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


CASES = [
    (kind, shape, reduction, {})
    for kind in ("MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "GaussianNLLLoss")
    for shape in [(5,), (4, 3), (2, 3, 4)]
    for reduction in REDUCTIONS
] + [
    (kind, shape, reduction, {})
    for kind in ("CrossEntropyLoss", "NLLLoss")
    for shape in [(3,), (5, 3), (2, 3, 4)]
    for reduction in REDUCTIONS
] + [
    ("BCEWithLogitsLoss", (4, 3), "mean", {"pos_weight": np.array([0.5, 2.0, 3.0])}),
    ("BCEWithLogitsLoss", (4, 3), "none", {"pos_weight": 4.0}),
    ("CrossEntropyLoss", (5, 3), "mean", {"label_smoothing": 0.1}),
    ("CrossEntropyLoss", (2, 3, 4), "none", {"label_smoothing": 0.2}),
    ("GaussianNLLLoss", (4, 3), "mean", {"full": True}),
]  # fmt: skip


def _id(case):
    kind, shape, reduction, params = case
    extra = "".join(f", {k}" for k in params)
    return f"{kind}[{shape}, {reduction}{extra}]"


def _pair(torch, kind, params):
    """(lucidnet module, torch module) with the same configuration."""
    torch_params = {
        k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in params.items()
    }
    if kind == "BCEWithLogitsLoss" and np.ndim(params.get("pos_weight", [])) == 0:
        torch_params["pos_weight"] = torch.tensor(params["pos_weight"], dtype=torch.float64)
    return getattr(nn, kind), getattr(torch.nn, kind), torch_params


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_matches_pytorch(case, torch):
    kind, shape, reduction, params = case
    ours, theirs, torch_params = _pair(torch, kind, params)
    rng = np.random.default_rng(0)
    arrays = _inputs(kind, shape, rng)
    floating = [a.dtype.kind == "f" for a in arrays]
    leaves = [tensor(a, requires_grad=f) for a, f in zip(arrays, floating)]
    loss = ours(reduction=reduction, **params)(*leaves)
    t_leaves = [torch.tensor(a, requires_grad=f) for a, f in zip(arrays, floating)]
    ref = theirs(reduction=reduction, **torch_params)(*t_leaves)
    assert loss.shape == tuple(ref.shape)
    dY = rng.standard_normal(loss.shape)
    loss.backward(dY)
    ref.backward(torch.tensor(dY))
    np.testing.assert_allclose(loss.numpy(), ref.detach().numpy(), rtol=1e-10, atol=0)
    for leaf, t_leaf in zip(leaves, t_leaves):
        if leaf.requires_grad:
            np.testing.assert_allclose(leaf.grad, t_leaf.grad.numpy(), rtol=1e-10, atol=0)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.15])
@pytest.mark.parametrize("shape", [(3,), (5, 3), (2, 3, 4)])
def test_cross_entropy_with_probability_targets_matches_pytorch(shape, label_smoothing, torch):
    rng = np.random.default_rng(1)
    axis = 1 if len(shape) >= 2 else 0
    o = rng.normal(0, 2, shape)
    e = np.exp(rng.normal(size=shape))
    y = e / e.sum(axis, keepdims=True)  # soft targets along the class axis
    ot, yt = tensor(o, requires_grad=True), tensor(y, requires_grad=True)
    loss = nn.CrossEntropyLoss(label_smoothing=label_smoothing)(ot, yt)
    loss.backward()
    o_ref, y_ref = torch.tensor(o, requires_grad=True), torch.tensor(y, requires_grad=True)
    ref = torch.nn.CrossEntropyLoss(label_smoothing=label_smoothing)(o_ref, y_ref)
    ref.backward()
    np.testing.assert_allclose(loss.item(), ref.item(), rtol=1e-10)
    np.testing.assert_allclose(ot.grad, o_ref.grad.numpy(), rtol=1e-10, atol=0)
    np.testing.assert_allclose(yt.grad, y_ref.grad.numpy(), rtol=1e-10, atol=0)


@pytest.mark.parametrize("var_shape", [(4,), (4, 1), ()])
def test_gaussian_nll_variance_shapes_match_pytorch(var_shape, torch):
    rng = np.random.default_rng(2)
    mu, y, var = rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), rng.uniform(0.2, 2, var_shape)
    leaves = [tensor(a, requires_grad=True) for a in (mu, y, var)]
    loss = nn.GaussianNLLLoss()(*leaves)
    loss.backward()
    t_leaves = [torch.tensor(a, requires_grad=True) for a in (mu, y, var)]
    t_var = t_leaves[2].expand(4, 3) if var_shape == () else t_leaves[2]  # torch wants a shape
    ref = torch.nn.GaussianNLLLoss()(t_leaves[0], t_leaves[1], t_var)
    ref.backward()
    np.testing.assert_allclose(loss.item(), ref.item(), rtol=1e-10)
    for leaf, t_leaf in zip(leaves, t_leaves):
        np.testing.assert_allclose(leaf.grad, t_leaf.grad.numpy(), rtol=1e-10, atol=0)


def test_gaussian_nll_clamps_the_variance_like_pytorch(torch):
    var = np.array([1e-9, 0.5])
    mu, y = np.array([0.3, 0.1]), np.zeros(2)
    v = tensor(var, requires_grad=True)
    nn.GaussianNLLLoss(eps=1e-6)(tensor(mu), tensor(y), v).backward()
    v_ref = torch.tensor(var, requires_grad=True)
    torch.nn.GaussianNLLLoss(eps=1e-6)(torch.tensor(mu), torch.tensor(y), v_ref).backward()
    np.testing.assert_allclose(v.grad, v_ref.grad.numpy(), rtol=1e-10)


def test_bce_with_logits_stays_finite_at_extreme_logits():
    o = tensor(np.array([1e4, -1e4, 1e4, -1e4], np.float32), requires_grad=True)
    loss = nn.BCEWithLogitsLoss(pos_weight=3.0, reduction="none")(o, np.array([0, 1, 1, 0.0]))
    np.testing.assert_array_equal(loss.numpy(), [1e4, 3e4, 0, 0])
    loss.sum().backward()
    np.testing.assert_array_equal(o.grad, [1, -3, 0, 0])
    assert loss.dtype == o.grad.dtype == np.float32


# -- Keras's and PyTorch's reductions ------------------------------------------------------------
def test_mean_coincides_with_keras_sum_and_none_differ_for_elementwise_losses():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    assert nn.MSELoss()(x, y).item() == pytest.approx(F.mean_squared_error(y, x).item(), rel=1e-15)
    keras_sum = F.mean_squared_error(y, x, reduction="sum").item()
    assert nn.MSELoss(reduction="sum")(x, y).item() == pytest.approx(3 * keras_sum, rel=1e-15)
    assert nn.MSELoss(reduction="none")(x, y).shape == (4, 3)
    assert F.mean_squared_error(y, x, reduction="none").shape == (4,)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_coincides_with_keras_for_every_reduction(reduction):
    rng = np.random.default_rng(4)
    o, labels = rng.normal(size=(2, 3, 4)), rng.integers(0, 3, (2, 4))
    ours = nn.CrossEntropyLoss(reduction=reduction)(o, labels).numpy()
    keras = F.sparse_categorical_crossentropy(labels, o, True, axis=1, reduction=reduction)
    np.testing.assert_allclose(ours, keras.numpy(), rtol=1e-15)
    nll = nn.NLLLoss(reduction=reduction)(F.log_softmax(o, axis=1), labels).numpy()
    np.testing.assert_allclose(nll, ours, rtol=1e-14)


# -- gradients and dtypes ----------------------------------------------------------------------
@pytest.mark.parametrize("case", [c for c in CASES if c[2] == "none"], ids=_id)
def test_gradcheck(case):
    kind, shape, reduction, params = case
    module = getattr(nn, kind)(reduction=reduction, **params)
    assert gradcheck(module, *_inputs(kind, shape, np.random.default_rng(5)))


@pytest.mark.parametrize("case", [c for c in CASES if c[2] == "mean"], ids=_id)
def test_float32_stays_float32(case):
    kind, shape, reduction, params = case
    arrays = _inputs(kind, shape, np.random.default_rng(6))
    leaves = [
        tensor(a.astype(np.float32), requires_grad=True) if a.dtype.kind == "f" else a
        for a in arrays
    ]
    loss = getattr(nn, kind)(**params)(*leaves)
    loss.backward()
    assert loss.dtype == np.float32
    assert all(x.grad.dtype == np.float32 for x in leaves if not isinstance(x, np.ndarray))


def test_every_module_is_tested():
    assert {c[0] for c in CASES} == set(loss_modules.__all__)


def test_repr_and_config_are_plain():
    module = nn.BCEWithLogitsLoss(pos_weight=np.array([1.0, 2.0]), reduction="sum")
    assert repr(module) == "BCEWithLogitsLoss(pos_weight=[1.0, 2.0], reduction='sum')"
    assert json.loads(json.dumps(module.get_config()))["pos_weight"] == [1.0, 2.0]
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss(reduction='mean', label_smoothing=0.0)"
    assert repr(nn.GaussianNLLLoss()) == "GaussianNLLLoss(full=False, eps=1e-06, reduction='mean')"


# -- errors ---------------------------------------------------------------------------------------
def test_bad_input_is_named():
    mismatch = r"MSELoss: target of shape \(4,\) does not match output of shape \(4, 1\)"
    with pytest.raises(ShapeError, match=mismatch):
        nn.MSELoss()(np.zeros((4, 1)), np.zeros(4))
    with pytest.raises(LabelError, match=r"BCELoss: output.*BCEWithLogitsLoss"):
        nn.BCELoss()(np.array([-1.0, 2.0]), np.array([0.0, 1.0]))
    with pytest.raises(LabelError, match=r"CrossEntropyLoss: class indices must be in \[0, 2\]"):
        nn.CrossEntropyLoss()(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ShapeError, match="floating targets are probabilities"):
        nn.CrossEntropyLoss()(np.zeros((2, 3)), np.array([0.0, 2.0]))
    with pytest.raises(LabelError, match="swapped"):
        nn.NLLLoss()(np.array([0, 1]), np.zeros((2, 3)))
    with pytest.raises(ShapeError, match="pos_weight of shape"):
        nn.BCEWithLogitsLoss(pos_weight=np.ones(4))(np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(ShapeError, match="output needs a class axis"):
        nn.CrossEntropyLoss()(np.float64(1.0), 0)
    with pytest.raises(ValueError, match="reduction"):
        nn.L1Loss(reduction="average")
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.CrossEntropyLoss(label_smoothing=-0.1)
    with pytest.raises(TypeError):
        nn.BCEWithLogitsLoss(None)  # keyword-only: a positional 'weight' would be silently lost
