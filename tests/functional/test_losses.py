"""Every registered loss: gradients, reductions, dtypes, extremes, PyTorch, course facts, errors.

The registry drives the tests: each entry of ``LOSSES`` is gradient-checked (w.r.t. y_pred,
dense y_true and further inputs) for each of its modes (probabilities, and logits where it
declares ``logits_domain``), each reduction and several shapes, from the metadata it
declares (``targets``, ``domain``, ``kinks``, ``requires``); it is compared with PyTorch
(TORCH below). An entry without metadata or a reference fails here.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np
import pytest

import lucidnet.functional as F
from lucidnet import losses, tensor
from lucidnet.autograd import Tensor
from lucidnet.diagnostics import gradcheck
from lucidnet.errors import LabelError, ShapeError, UnknownNameError
from lucidnet.functional.losses import SparseSoftmaxCrossEntropy
from lucidnet.registry import LOSSES

NAMES = LOSSES.names()
REDUCTIONS = ("mean", "sum", "none")
KINK_GAP = 0.05  # residuals ŷ − y closer than this to a kink are pushed this far away
CATEGORICAL = ("probabilities", "class_index")


def _categorical(name):
    return LOSSES.meta(name)["targets"] in CATEGORICAL


def _modes(name):
    return (False, True) if "logits_domain" in LOSSES.meta(name) else (False,)


@dataclass
class Case:
    """One call of registry entry ``name`` on y_pred of ``shape``; ``params`` go to the
    call, ``extra_shapes`` are the shapes of the ``requires`` inputs (default: shape)."""

    name: str
    shape: tuple
    from_logits: bool = False
    reduction: str = "mean"
    params: dict = field(default_factory=dict)
    extra_shapes: tuple | None = None

    def __str__(self):
        parts = [str(self.shape), self.reduction, *(f"{k}={v}" for k, v in self.params.items())]
        if self.from_logits:
            parts.append("logits")
        if self.extra_shapes is not None:
            parts.append(f"extra={self.extra_shapes}")
        return f"{self.name}[{', '.join(parts)}]"

    @property
    def axis(self):
        return self.params.get("axis", -1) % len(self.shape) if self.shape else -1

    def kwargs(self):
        kwargs = dict(self.params, reduction=self.reduction)
        if self.from_logits:
            kwargs["from_logits"] = True
        return kwargs

    def call(self, y_true, y_pred, *extra):
        return LOSSES.resolve(self.name)(y_true, y_pred, *extra, **self.kwargs())

    def inputs(self, rng, dtype=np.float64):
        """(y_true, y_pred, *extra): valid targets, y_pred in the declared domain away from
        the kinks, extra inputs in their declared ranges."""
        meta = LOSSES.meta(self.name)
        lo, hi = meta["logits_domain" if self.from_logits else "domain"]
        y_pred = rng.uniform(lo, hi, self.shape)
        y_true = _targets(meta["targets"], self.shape, self.axis, rng)
        for k in meta.get("kinks", ()):
            r = y_pred - y_true - k
            pushed = y_true + k + np.where(r >= 0, KINK_GAP, -KINK_GAP)
            y_pred = np.where(np.abs(r) < KINK_GAP, pushed, y_pred)
        requires = meta.get("requires", {})
        shapes = self.extra_shapes or (self.shape,) * len(requires)
        extra = [rng.uniform(a, b, s) for (a, b), s in zip(requires.values(), shapes)]
        cast = [np.asarray(a, dtype) for a in (y_pred, *extra)]
        if meta["targets"] != "class_index":
            y_true = np.asarray(y_true, dtype)
        return (y_true, *cast)


def _targets(kind, shape, axis, rng):
    if kind == "real":
        return rng.uniform(-2, 2, shape)
    if kind == "binary":  # 0/1 labels and soft labels mixed
        return np.where(rng.random(shape) < 0.5, rng.integers(0, 2, shape), rng.random(shape))
    if kind == "probabilities":
        y = rng.dirichlet(np.ones(shape[axis]), shape[:axis] + shape[axis + 1 :])
        # contiguous: gradcheck perturbs a reshape(-1) view, which a strided array is not
        return np.ascontiguousarray(np.moveaxis(y, -1, axis))
    if kind == "class_index":
        return rng.integers(0, shape[axis], shape[:axis] + shape[axis + 1 :])
    raise AssertionError(f"unknown targets {kind!r}")


ELEMENTWISE_SHAPES = [(), (5,), (4, 3), (2, 3, 4)]
CATEGORICAL_SHAPES = [(3,), (5, 3), (2, 3, 4)]
SPECIAL = {
    "gaussian_nll": [  # one variance per sample, one per column, one for all (broadcast)
        Case("gaussian_nll", (4, 3), extra_shapes=((4,),)),
        Case("gaussian_nll", (4, 3), extra_shapes=((4, 1),)),
        Case("gaussian_nll", (4, 3), extra_shapes=((3,),), reduction="none"),
        Case("gaussian_nll", (4, 3), extra_shapes=((),), reduction="sum"),
        Case("gaussian_nll", (4, 3), params={"full": True}),
    ],
}
AXIS_CASES = {"categorical_crossentropy", "sparse_categorical_crossentropy"}


def cases_of(name):
    shapes = CATEGORICAL_SHAPES if _categorical(name) else ELEMENTWISE_SHAPES
    cases = [
        Case(name, shape, from_logits, reduction)
        for from_logits in _modes(name)
        for shape in shapes
        for reduction in REDUCTIONS
    ]
    if name in AXIS_CASES:
        cases += [Case(name, (3, 5), m, "none", {"axis": 0}) for m in _modes(name)]
        cases += [Case(name, (2, 3, 4), m, "mean", {"axis": 1}) for m in _modes(name)]
    return cases + SPECIAL.get(name, [])


CASES = [case for name in NAMES for case in cases_of(name)]


# -- what every entry declares ----------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_entry_declares_what_the_tests_need(name):
    meta = LOSSES.meta(name)
    assert meta.get("targets") in losses.TARGETS, f"{name!r} declares no valid 'targets'"
    for key in ("domain", "logits_domain"):
        if key in meta or key == "domain":
            lo, hi = meta[key]
            assert lo < hi
    if meta["targets"] in CATEGORICAL and "logits_domain" not in meta:
        pytest.fail(f"{name!r}: a categorical loss must accept logits")
    assert all(lo < hi for lo, hi in meta.get("requires", {}).values())
    assert name in TORCH, f"{name!r} has no PyTorch reference"


def test_torch_table_matches_the_names():
    assert set(TORCH) == set(NAMES)


def test_aliases_and_get():
    assert losses.get("mse") is losses.get("MSE") is F.mean_squared_error
    assert losses.get("mae") is F.mean_absolute_error
    assert losses.get("bce") is losses.get("BCE") is F.binary_crossentropy
    assert losses.get(None) is None
    assert losses.get(F.gaussian_nll) is F.gaussian_nll
    assert {"mse", "mae", "bce"} <= set(losses.names(aliases=True)) - set(losses.names())
    assert set(losses.names()) == set(NAMES) == {
        "mean_squared_error", "mean_absolute_error", "binary_crossentropy",
        "categorical_crossentropy", "sparse_categorical_crossentropy", "gaussian_nll",
    }  # fmt: skip


def test_get_binds_options():
    y, o = np.array([1.0, 0.0]), np.array([3.0, -1.0])
    bound = losses.get("binary_crossentropy", from_logits=True)
    assert isinstance(bound, functools.partial) and bound.keywords == {"from_logits": True}
    expected = F.binary_crossentropy(y, o, from_logits=True).item()
    assert bound(y, o).item() == expected
    config = {"class_name": "binary_crossentropy", "config": {"from_logits": True}}
    assert losses.get(config)(y, o).item() == expected
    assert losses.get({"class_name": "function", "config": "mse"}) is F.mean_squared_error
    with pytest.raises(TypeError, match="from_logit"):
        losses.get("mse", from_logit=True)
    with pytest.raises(UnknownNameError, match="mean_squared_error"):
        losses.get("mean_square_error")


# -- gradients -----------------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradcheck(case):
    y_true, *rest = case.inputs(np.random.default_rng(0))
    if LOSSES.meta(case.name)["targets"] == "binary":
        # 0/1 labels sit on the edge of [0, 1], where y_true cannot be perturbed: check
        # y_pred with them held fixed, then every input with soft labels inside (0, 1)
        assert gradcheck(lambda *xs: case.call(y_true, *xs), *rest)
        y_true = np.clip(y_true, 0.05, 0.95)
    assert gradcheck(case.call, y_true, *rest)


@pytest.mark.parametrize("case", [c for c in CASES if c.reduction == "none"], ids=str)
def test_none_gives_one_loss_per_sample_and_mean_sum_reduce_it(case):
    arrays = case.inputs(np.random.default_rng(1))
    per_sample = case.call(*arrays).numpy()
    shape = case.shape
    if _categorical(case.name):
        expected = shape[: case.axis] + shape[case.axis + 1 :]
    else:
        expected = shape[:-1] if len(shape) >= 2 else shape
    assert per_sample.shape == expected
    for reduction, reduce in (("mean", np.mean), ("sum", np.sum)):
        value = LOSSES.resolve(case.name)(*arrays, **dict(case.kwargs(), reduction=reduction))
        np.testing.assert_allclose(value.numpy(), reduce(per_sample), rtol=1e-13)


def test_mean_of_an_elementwise_loss_is_the_mean_of_all_elements():
    rng = np.random.default_rng(2)
    y, p = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    assert F.mean_squared_error(y, p).item() == pytest.approx(((p - y) ** 2).mean(), rel=1e-15)
    assert F.mean_squared_error(y, p, reduction="sum").item() == pytest.approx(
        ((p - y) ** 2).mean(axis=-1).sum(), rel=1e-15
    )
    assert F.mean_squared_error(y, p, reduction="sum_over_batch_size").item() == pytest.approx(
        F.mean_squared_error(y, p).item(), rel=1e-15
    )
    assert F.mean_squared_error(y, p, reduction=None).shape == (4,)


def test_mae_gradient_at_the_kink_is_zero():
    p = tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    F.mean_absolute_error(np.array([1.0, 0.0, 4.0]), p, reduction="sum").backward()
    np.testing.assert_array_equal(p.grad, [0.0, 1.0, -1.0])


def test_probabilities_are_clipped_at_keras_epsilon():
    p = tensor(np.array([0.0, 1.0, 0.5]), requires_grad=True)
    loss = F.binary_crossentropy(np.array([1.0, 0.0, 1.0]), p, reduction="none")
    np.testing.assert_allclose(loss.numpy(), [-math.log(1e-7), -math.log(1e-7), math.log(2)])
    loss.sum().backward()
    np.testing.assert_array_equal(p.grad[:2], [0.0, 0.0])  # outside [ε, 1 − ε]: no gradient
    q = F.categorical_crossentropy(np.eye(3)[:1], np.array([[0.0, 0.5, 0.5]]))
    assert q.item() == pytest.approx(-math.log(1e-7), rel=1e-12)


def test_categorical_probabilities_are_normalized_per_row():
    y = np.array([[0.0, 1.0, 0.0], [0.2, 0.3, 0.5]])
    scores = np.array([[1.0, 2.0, 1.0], [4.0, 4.0, 2.0]])
    expected = -(y * np.log(scores / scores.sum(-1, keepdims=True))).sum(-1)
    got = F.categorical_crossentropy(y, scores, reduction="none").numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-15)
    sparse = F.sparse_categorical_crossentropy([1, 2], scores, reduction="none").numpy()
    np.testing.assert_allclose(sparse, [-np.log(0.5), -np.log(0.2)], rtol=1e-15)


def test_targets_of_shape_n_against_predictions_n_1_as_keras():
    y, p = np.array([1.0, 0.0, 1.0]), np.array([[0.2], [0.4], [0.9]])
    assert F.mean_squared_error(y, p, reduction="none").shape == (3,)
    assert F.mean_squared_error(y, p).item() == pytest.approx(((p[:, 0] - y) ** 2).mean())
    assert F.binary_crossentropy(y[:, None], p[:, 0], reduction="none").shape == (3,)
    logits = np.array([[1.0, 2.0], [0.5, -1.0], [0.0, 0.0]])
    np.testing.assert_array_equal(
        F.sparse_categorical_crossentropy(np.array([[1], [0], [1]]), logits, True).numpy(),
        F.sparse_categorical_crossentropy(np.array([1, 0, 1]), logits, True).numpy(),
    )


def test_label_smoothing_mixes_targets_with_uniform():
    rng = np.random.default_rng(3)
    y, o = rng.integers(0, 2, (4, 3)).astype(float), rng.normal(size=(4, 3))
    np.testing.assert_allclose(
        F.binary_crossentropy(y, o, True, label_smoothing=0.2).item(),
        F.binary_crossentropy(0.8 * y + 0.1, o, True).item(),
        rtol=1e-15,
    )
    Y = np.eye(3)[[0, 2, 1, 1]]
    np.testing.assert_allclose(
        F.categorical_crossentropy(Y, o, True, label_smoothing=0.3).item(),
        F.categorical_crossentropy(0.7 * Y + 0.1, o, True).item(),
        rtol=1e-15,
    )


# -- dtypes ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", [c for c in CASES if c.reduction == "mean"], ids=str)
def test_float32_stays_float32(case):
    y_true, *rest = case.inputs(np.random.default_rng(4), dtype=np.float32)
    leaves = [tensor(a, requires_grad=True) for a in rest]
    if y_true.dtype.kind == "f":
        y_true = tensor(y_true, requires_grad=True)
        leaves.append(y_true)
    loss = case.call(y_true, *leaves[: len(rest)])
    assert loss.dtype == np.float32
    loss.backward()
    assert all(leaf.grad.dtype == np.float32 for leaf in leaves)


def test_float64_targets_take_the_prediction_dtype():
    p = tensor(np.array([[0.3, 0.7]], np.float32))
    for name in ("mse", "categorical_crossentropy", "binary_crossentropy"):
        assert losses.get(name)(np.array([[0.0, 1.0]]), p).dtype == np.float32
    assert F.binary_crossentropy([[0, 1]], p).dtype == np.float32  # integer labels
    assert F.sparse_categorical_crossentropy([1], p).dtype == np.float32


# -- extremes -------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", [n for n in NAMES if "logits_domain" in LOSSES.meta(n)])
def test_extreme_logits_give_finite_losses_and_gradients(name, dtype):
    o = np.array([[-1e4, 1e4, -1e4], [1e4, 1e4, -1e4], [0.5, -1e4, 1e4]], dtype)
    y = _targets(LOSSES.meta(name)["targets"], o.shape, 1, np.random.default_rng(5))
    y_true = y if y.dtype.kind == "i" else tensor(np.asarray(y, dtype), requires_grad=True)
    ot = tensor(o, requires_grad=True)
    loss = LOSSES.resolve(name)(y_true, ot, from_logits=True, reduction="none")
    loss.backward(np.ones(loss.shape, dtype))
    assert np.isfinite(loss.numpy()).all() and np.isfinite(ot.grad).all()
    if isinstance(y_true, Tensor):
        assert np.isfinite(y_true.grad).all()


def test_extreme_logit_values_are_right():
    o = np.array([1e4, -1e4, 1e4, -1e4])
    bce = F.binary_crossentropy(np.array([0.0, 1.0, 1.0, 0.0]), o, True, reduction="none")
    np.testing.assert_array_equal(bce.numpy(), [1e4, 1e4, 0.0, 0.0])
    cce = F.categorical_crossentropy(np.array([[0.0, 1.0]]), np.array([[1e4, -1e4]]), True)
    assert cce.item() == 2e4
    scce = F.sparse_categorical_crossentropy([1], np.array([[1e4, -1e4]]), True)
    assert scce.item() == 2e4


# -- non-negative, minimal at perfect predictions ------------------------------------------------
# all but gaussian_nll, the NLL of a density, which exceeds 1 for small variances
NONNEGATIVE = [c for c in CASES if c.reduction == "none" and c.name != "gaussian_nll"]


@pytest.mark.parametrize("case", NONNEGATIVE, ids=str)
def test_losses_are_nonnegative(case):
    assert (case.call(*case.inputs(np.random.default_rng(6))).numpy() >= 0).all()


def test_gaussian_nll_is_negative_for_a_tight_good_fit():
    assert F.gaussian_nll([0.0], [0.0], 0.01).item() == pytest.approx(0.5 * math.log(0.01))


def _grad_at(name, y_true, y_pred, *extra, **kwargs):
    p = tensor(y_pred, requires_grad=True)
    loss = LOSSES.resolve(name)(y_true, p, *extra, **kwargs)
    loss.backward()
    return loss.item(), p.grad


@pytest.mark.parametrize("name", ["mean_squared_error", "mean_absolute_error"])
def test_regression_losses_are_zero_at_perfect_predictions(name):
    y = np.random.default_rng(7).normal(size=(4, 3))
    assert _grad_at(name, y, y.copy())[0] == 0.0


def test_minimal_at_perfect_predictions():
    rng = np.random.default_rng(8)
    soft = rng.uniform(0.1, 0.9, (4, 3))
    for from_logits, pred in ((False, soft), (True, np.log(soft / (1 - soft)))):
        loss, grad = _grad_at("binary_crossentropy", soft, pred, from_logits=from_logits)
        np.testing.assert_allclose(grad, 0, atol=1e-15)
        entropy = -(soft * np.log(soft) + (1 - soft) * np.log(1 - soft)).mean()
        assert loss == pytest.approx(entropy, rel=1e-12)  # the minimum, the targets' entropy
    Y = rng.dirichlet(np.ones(3), 4)
    for from_logits, pred in ((False, Y), (True, np.log(Y) + 5.0)):
        _, grad = _grad_at("categorical_crossentropy", Y, pred, from_logits=from_logits)
        np.testing.assert_allclose(grad, 0, atol=1e-15)
    labels = np.array([0.0, 1.0, 1.0])
    confident = 50 * (2 * labels - 1)
    assert _grad_at("binary_crossentropy", labels, confident, from_logits=True)[0] < 1e-21
    assert _grad_at("sparse_categorical_crossentropy", [0, 2], np.eye(3)[[0, 2]])[0] < 1.1e-7
    _, grad = _grad_at("gaussian_nll", [1.0, 2.0], np.array([1.0, 2.0]), 0.5)
    np.testing.assert_array_equal(grad, [0.0, 0.0])


# -- PyTorch ------------------------------------------------------------------------------------
def _torch_class_first(x, axis):
    """Move the class axis to 1 (PyTorch's), or keep an unbatched (C,)."""
    return x.movedim(axis, 1) if x.ndim >= 2 else x


def _torch_bce(torch, y, p, from_logits):
    TF = torch.nn.functional
    if from_logits:
        return TF.binary_cross_entropy_with_logits(p, y, reduction="none")
    # torch clamps ln at −100, lucidnet clips p to [1e-7, 1 − 1e-7]: same in the domain
    return TF.binary_cross_entropy(p, y, reduction="none")


def _torch_cce(torch, y, p, from_logits, axis=-1):
    TF = torch.nn.functional
    axis = axis % p.ndim
    if from_logits:
        p, y = _torch_class_first(p, axis), _torch_class_first(y, axis)
        return TF.cross_entropy(p, y, reduction="none")
    # Keras's row normalization, which no torch loss does: written with torch's autograd
    return -(y * torch.log(p / p.sum(axis, keepdim=True))).sum(axis)


def _torch_sparse(torch, y, p, from_logits, axis=-1):
    TF = torch.nn.functional
    axis = axis % p.ndim
    logp = torch.log_softmax(p, axis) if from_logits else torch.log(p / p.sum(axis, keepdim=True))
    return TF.nll_loss(_torch_class_first(logp, axis), y, reduction="none")


TORCH = {
    # name → (torch, y_true, y_pred, from_logits, *extra, **params) ↦ per-element or
    # per-sample losses, which the test reduces Keras's way
    "mean_squared_error": lambda t, y, p, fl: t.nn.functional.mse_loss(p, y, reduction="none"),
    "mean_absolute_error": lambda t, y, p, fl: t.nn.functional.l1_loss(p, y, reduction="none"),
    "binary_crossentropy": _torch_bce,
    "categorical_crossentropy": _torch_cce,
    "sparse_categorical_crossentropy": _torch_sparse,
    "gaussian_nll": lambda t, y, p, fl, var, full=False: t.nn.functional.gaussian_nll_loss(
        p, y, var, full=full, reduction="none"
    ),
}


def _keras_reduce(values, reduction, elementwise):
    if elementwise and values.ndim >= 2:
        values = values.mean(-1)
    return {"mean": values.mean, "sum": values.sum, "none": lambda: values}[reduction]()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_matches_pytorch(case):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    arrays = case.inputs(rng)
    dY = rng.standard_normal(case.call(*arrays).shape)
    leaves = [tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    loss = case.call(*leaves)
    loss.backward(dY)

    t_leaves = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    extra = t_leaves[2:]
    if case.name == "gaussian_nll" and extra[0].shape != case.shape[:-1]:
        extra = [extra[0].expand(case.shape)]  # torch takes fewer broadcast shapes
    values = TORCH[case.name](torch, *t_leaves[:2], case.from_logits, *extra, **case.params)
    ref = _keras_reduce(values, case.reduction, not _categorical(case.name))
    ref.backward(torch.tensor(dY))
    np.testing.assert_allclose(loss.numpy(), ref.detach().numpy(), rtol=1e-10, atol=0)
    for leaf, t_leaf in zip(leaves, t_leaves):
        if leaf.requires_grad and t_leaf.grad is not None:
            np.testing.assert_allclose(leaf.grad, t_leaf.grad.numpy(), rtol=1e-10, atol=0)


# -- fused against unfused (the teaching versions) ------------------------------------------------
def test_fused_softmax_crossentropy_equals_the_composed_one():
    rng = np.random.default_rng(10)
    o, Y = rng.normal(0, 2, (5, 4)), rng.dirichlet(np.ones(4), 5)
    fused, composed = tensor(o, requires_grad=True), tensor(o, requires_grad=True)
    F.categorical_crossentropy(Y, fused, from_logits=True).backward()
    (-(Y * F.softmax(composed).log()).sum(axis=-1)).mean().backward()
    np.testing.assert_allclose(fused.grad, composed.grad, rtol=1e-12)


def test_fused_sigmoid_bce_equals_the_composed_one():
    rng = np.random.default_rng(11)
    o, y = rng.normal(0, 2, (5, 3)), rng.integers(0, 2, (5, 3)).astype(float)
    fused, composed = tensor(o, requires_grad=True), tensor(o, requires_grad=True)
    loss = F.binary_crossentropy(y, fused, from_logits=True)
    loss.backward()
    s = F.sigmoid(composed)
    reference = (-(y * s.log() + (1 - y) * (1 - s).log())).mean()
    reference.backward()
    assert loss.item() == pytest.approx(reference.item(), rel=1e-12)
    np.testing.assert_allclose(fused.grad, composed.grad, rtol=1e-10)


# -- the course's facts ----------------------------------------------------------------------------
def test_sigmoid_output_gradients_at_5_6_mse_vs_bce():
    """At o = 5.6 with y = 0: σ(o) ≈ 0.9963 is confidently wrong.

    MSE, l = (σ(o) − y)²: dl/do = 2(σ(o) − y)·σ(o)(1 − σ(o)) = 0.0073: σ' kills the signal;
    BCE, l = −ln(1 − σ(o)): dl/do = σ(o) − y = 0.9963: the gradient is the error itself.
    """
    s = 1 / (1 + math.exp(-5.6))
    for loss, expected in (
        (lambda o: F.mean_squared_error([0.0], F.sigmoid(o)), 2 * s * s * (1 - s)),
        (lambda o: F.binary_crossentropy([0.0], F.sigmoid(o)), s),
        (lambda o: F.binary_crossentropy([0.0], o, from_logits=True), s),
    ):
        o = tensor(np.array([5.6]), requires_grad=True)
        loss(o).backward()
        assert o.grad[0] == pytest.approx(expected, rel=1e-9)
    assert round(2 * s * s * (1 - s), 4) == 0.0073
    assert round(s, 4) == 0.9963


def test_softmax_crossentropy_gradient_is_softmax_minus_targets_over_n():
    rng = np.random.default_rng(12)
    o = rng.normal(0, 3, (6, 4))
    labels = rng.integers(0, 4, 6)
    Y = np.eye(4)[labels]
    p = np.exp(o - o.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    for loss in (
        lambda x: F.categorical_crossentropy(Y, x, from_logits=True),
        lambda x: F.sparse_categorical_crossentropy(labels, x, from_logits=True),
    ):
        x = tensor(o, requires_grad=True)
        loss(x).backward()
        np.testing.assert_allclose(x.grad, (p - Y) / 6, rtol=1e-12, atol=1e-17)


def _softmax_minus_onehot(o, labels, axis):
    """softmax(o) − onehot(labels) along ``axis``, written out in NumPy."""
    p = np.exp(o - o.max(axis, keepdims=True))
    p /= p.sum(axis, keepdims=True)
    onehot = np.moveaxis(np.eye(o.shape[axis])[labels], -1, axis)
    return p - onehot


@pytest.mark.parametrize("shape, axis", [((6, 4), -1), ((5, 3, 2), 1), ((4,), 0)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_sparse_softmax_crossentropy_gradient_on_every_class_axis(shape, axis, reduction):
    """The gradient formed in place on the saved softmax, for any class axis."""
    rng = np.random.default_rng(13)
    o = rng.normal(0, 3, shape)
    a = axis % len(shape)
    labels = rng.integers(0, shape[a], shape[:a] + shape[a + 1:])
    x = tensor(o, requires_grad=True)
    loss = F.sparse_categorical_crossentropy(labels, x, from_logits=True, axis=axis,
                                             reduction=reduction)
    W = rng.uniform(0.5, 2.0, loss.shape)
    (loss * W).sum().backward()
    n = labels.size if reduction == "mean" else 1
    W = np.expand_dims(W, a) if W.ndim else W
    expected = W * _softmax_minus_onehot(o, labels, axis) / n
    np.testing.assert_allclose(x.grad, expected, rtol=1e-12, atol=1e-17)


def test_sparse_softmax_crossentropy_backward_twice_through_one_graph():
    """The first backward turns the saved softmax into the gradient; a second one
    through the same graph must not read the overwritten array."""
    rng = np.random.default_rng(14)
    o, labels = rng.normal(0, 2, (5, 3)), rng.integers(0, 3, 5)
    x = tensor(o, requires_grad=True)
    loss = F.sparse_categorical_crossentropy(labels, x, from_logits=True)
    loss.backward()
    once = x.grad.copy()
    loss.backward()
    np.testing.assert_array_equal(x.grad, 2 * once)
    np.testing.assert_allclose(once, _softmax_minus_onehot(o, labels, -1) / 5, rtol=1e-12)


def test_sparse_crossentropy_backward_uses_the_labels_of_its_forward():
    """The backward indexes with the labels; changing the caller's array in between
    must not move the gradient (the labels are copied when checked)."""
    for from_logits in (True, False):
        labels = np.array([0, 1, 2])
        x = tensor(np.full((3, 3), 0.5), requires_grad=True)
        loss = F.sparse_categorical_crossentropy(labels, x, from_logits=from_logits)
        labels[:] = [2, 2, -1]
        loss.backward()
        assert (np.argmin(x.grad, axis=1) == [0, 1, 2]).all()


def test_sparse_softmax_crossentropy_keeps_a_wider_upstream_gradient():
    """dY of a wider dtype than the logits: the product is promoted, as W·(p − onehot)."""
    o, labels = np.array([[1.0, 2.0, 0.5]], np.float32), np.array([1])
    fn = SparseSoftmaxCrossEntropy(axis=1, reduction="sum")
    fn.forward(labels, o)
    _, d_o = fn.backward(np.float64(0.1))
    assert d_o.dtype == np.float64
    np.testing.assert_allclose(d_o, 0.1 * _softmax_minus_onehot(o.astype(np.float64), labels, -1),
                               rtol=1e-6)


@pytest.mark.parametrize("axis", [-1, 1])
def test_sparse_probability_crossentropy_gradient(axis):
    """dl/dŷ_j = (q_y − δ_jy)/(s p_y), written once per row and once at the target."""
    rng = np.random.default_rng(15)
    y_hat = rng.uniform(0.1, 1.0, (4, 3, 5))
    C = y_hat.shape[axis]
    labels = rng.integers(0, C, (4, 5) if axis == 1 else (4, 3))
    x = tensor(y_hat, requires_grad=True)
    F.sparse_categorical_crossentropy(labels, x, axis=axis, reduction="sum").backward()
    s = y_hat.sum(axis, keepdims=True)
    onehot = np.moveaxis(np.eye(C)[labels], -1, axis)
    q_y = (y_hat * onehot).sum(axis, keepdims=True) / s
    np.testing.assert_allclose(x.grad, (q_y - onehot) / (s * q_y), rtol=1e-12)


# -- errors -------------------------------------------------------------------------------------
def test_wrong_shapes_name_both():
    with pytest.raises(ShapeError, match=r"y_true of shape \(4, 3\).*y_pred of shape \(4, 2\)"):
        F.mean_squared_error(np.zeros((4, 3)), np.zeros((4, 2)))
    with pytest.raises(ShapeError, match="sparse_categorical_crossentropy"):
        F.categorical_crossentropy(np.array([0, 2, 1]), np.ones((3, 4)))
    with pytest.raises(ShapeError, match=r"\(3,\).*categorical_crossentropy"):
        F.sparse_categorical_crossentropy(np.eye(3), np.ones((3, 3)))
    with pytest.raises(ShapeError, match="class axis"):
        F.categorical_crossentropy(0.5, 0.5)


def test_class_indices_are_checked():
    p = np.full((2, 3), 1 / 3)
    with pytest.raises(LabelError, match=r"\[0, 2\] for 3 classes.*\[0, 3\]"):
        F.sparse_categorical_crossentropy([0, 3], p)
    with pytest.raises(LabelError, match=r"\[0, 2\].*\[-1, 1\]"):
        F.sparse_categorical_crossentropy([-1, 1], p, from_logits=True)
    with pytest.raises(LabelError, match="non-integer 1.5"):
        F.sparse_categorical_crossentropy([0.0, 1.5], p)
    assert F.sparse_categorical_crossentropy([0.0, 2.0], p).item() == pytest.approx(math.log(3))


def test_probabilities_outside_0_1_suggest_from_logits():
    with pytest.raises(LabelError, match=r"y_pred.*\[-0.5, 2\].*from_logits=True"):
        F.binary_crossentropy([0.0, 1.0], [-0.5, 2.0])
    with pytest.raises(LabelError, match=r"y_true.*\[-1, 1\]"):
        F.binary_crossentropy([-1.0, 1.0], [0.5, 0.5])
    logits = [[-1.0, 2.0, 0.5], [0.3, 0.1, 0.2]]  # a Linear output: scores, not probabilities
    with pytest.raises(LabelError, match=r"y_pred.*\[0, ∞\).*\[-1, 2\].*from_logits=True"):
        F.sparse_categorical_crossentropy([0, 1], logits)
    with pytest.raises(LabelError, match=r"y_pred.*\[-1, 2\].*from_logits=True"):
        F.categorical_crossentropy([[1.0, 0, 0], [0, 1.0, 0]], logits)


def test_integer_predictions_are_refused():
    with pytest.raises(LabelError, match="y_pred must hold floating.*swapped"):
        F.sparse_categorical_crossentropy(np.ones((2, 3)), np.array([0, 2]))
    with pytest.raises(LabelError, match="int"):
        F.mean_squared_error([1.0], np.array([1]))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none'"):
        F.mean_squared_error([1.0], [1.0], reduction="avg")
    with pytest.raises(ValueError, match="var must be ≥ 0"):
        F.gaussian_nll([1.0], [1.0], -1.0)
    with pytest.raises(ShapeError, match=r"var of shape \(2,\).*\(4, 3\)"):
        F.gaussian_nll(np.zeros((4, 3)), np.zeros((4, 3)), np.ones(2))
    with pytest.raises(ValueError, match="label_smoothing"):
        F.categorical_crossentropy(np.eye(2), np.eye(2), label_smoothing=1.5)
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        F.categorical_crossentropy(np.eye(2), np.eye(2), axis=2)
