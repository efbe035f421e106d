"""Loss functions: each the negative log-likelihood of a noise model, forward and backward fused.

Notation: y is the target (``y_true``), ŷ the prediction (``y_pred``), o a logit (ŷ = σ(o) or
softmax(o)), E the per-element loss, l a sample's loss, L the returned loss, dY = dL/dL_out.
Keras's names and argument order ``(y_true, y_pred)``; each function is registered under
its Keras name (``lucidnet.losses.get('mse')``).

Samples and reductions (Keras's). For an elementwise loss (MSE, MAE, BCE, Gaussian NLL) a
sample is one row: l = mean over the last axis of E, so (N, D) gives N losses and (N, T, D)
gives N·T; a 1-D y_pred (N,) holds one output per sample (as Keras's ``fit``, which expands
(N,) targets to (N, 1)). For a categorical loss a sample is one distribution along ``axis``,
whose classes are summed. Then ``reduction`` = 'mean' (default) gives the mean of the l
(for elementwise losses: the mean of all elements), 'sum' their sum, 'none' the l
themselves. Keras's 'sum_over_batch_size' and None are accepted for 'mean' and 'none'.

Likelihoods (minimizing the loss = maximizing the likelihood of the targets), and the
gradient of one term w.r.t. ŷ, or w.r.t. the logit o where the loss takes logits:

===============================  =========================================  ============
loss                             model of y given the prediction             gradient
===============================  =========================================  ============
mean_squared_error               Gaussian, mean ŷ, fixed variance            2(ŷ − y)
mean_absolute_error              Laplace, location ŷ, fixed scale            sign(ŷ − y)
gaussian_nll                     Gaussian, mean ŷ, predicted variance v      (ŷ − y)/v
binary_crossentropy              Bernoulli, P(y = 1) = ŷ = σ(o)              σ(o) − y
categorical_crossentropy         categorical, P(class c) = softmax(o)_c      softmax(o) − y
sparse_categorical_crossentropy  categorical, y a class index                softmax(o) − 1_y
===============================  =========================================  ============

Each loss is one Function whose backward returns dL/dŷ (and dL/dy for dense targets: soft
labels and regression targets may be learned too). With ``from_logits=True`` the loss takes
o and its gradient is the fused σ(o) − y or softmax(o) − y, computed directly: stable for
|o| up to 1e4, and one pass instead of three. Probabilities (``from_logits=False``) are
clipped to [ε, 1 − ε], ε = 1e-7, as Keras.

y_true may be a Tensor, an array or a list; float targets take y_pred's dtype, so float32
stays float32. Shapes: N batch, D outputs, C classes.

>>> from lucidnet import tensor, functional as F
>>> F.binary_crossentropy([1., 0.], tensor([0.9, 0.2]))   # (−ln 0.9 − ln 0.8)/2
tensor(0.1643)
"""

from __future__ import annotations

import math

from lucidnet import backend
from lucidnet.autograd import Function, Tensor
from lucidnet.errors import LabelError, ShapeError
from lucidnet.functional.activations import _logistic
from lucidnet.registry import LOSSES

__all__ = [
    "binary_crossentropy",
    "categorical_crossentropy",
    "gaussian_nll",
    "mean_absolute_error",
    "mean_squared_error",
    "sparse_categorical_crossentropy",
]

EPSILON = 1e-7
"""Probabilities are clipped to [EPSILON, 1 − EPSILON] (Keras's ``backend.epsilon()``)."""


# -- reductions --------------------------------------------------------------------------
def check_reduction(reduction, who: str) -> str:
    """'mean', 'sum' or 'none' (Keras's 'sum_over_batch_size' → 'mean', None → 'none')."""
    reduction = {"sum_over_batch_size": "mean", None: "none"}.get(reduction, reduction)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{who}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return reduction


def _reduce(E, reduction: str, feature_mean: bool):
    """The loss from the per-element (or per-sample) values E.

    ``feature_mean``: a sample is a row of E (Keras), so 'none' and 'sum' first average
    the last axis; otherwise every element of E is a sample (PyTorch). 'mean' is the mean
    of all elements either way (a mean of equal-sized row means is the overall mean).
    """
    xp = backend.xp
    if reduction == "mean":
        if backend.name == "numpy" and E.dtype.kind == "f" and E.dtype.itemsize >= 4 and E.size:
            # E.mean() without its Python wrapper: the same pairwise sum, divided by n
            return xp.asarray(xp.add.reduce(E, axis=None) / E.size)
        return xp.asarray(E.mean())
    if feature_mean and E.ndim >= 2:
        E = E.mean(axis=-1)
    return xp.asarray(E.sum()) if reduction == "sum" else E


def _spread(dY, shape: tuple, reduction: str, feature_mean: bool):
    """dL/dE for every element of E (of ``shape``): the backward of :func:`_reduce`.

    Broadcastable against E: dY/size for 'mean'; dY (divided by D for row means) else.
    """
    if reduction == "mean":
        return dY / max(math.prod(shape), 1)
    if not (feature_mean and len(shape) >= 2):
        return dY
    if reduction == "none":
        dY = dY[..., None]
    return dY / shape[-1]


def _along(W, axis: int):
    """Per-sample weights W (the class axis removed) broadcastable against (…, C, …)."""
    return backend.xp.expand_dims(W, axis) if W.ndim else W


# -- checks at the boundary (shared with lucidnet.nn.loss) -------------------------------
def as_prediction(y_pred, who: str, name: str = "y_pred") -> Tensor:
    """``y_pred`` as a floating Tensor, or a LabelError (integers are labels, not predictions)."""
    if not isinstance(y_pred, Tensor):
        y_pred = Tensor(y_pred)
    if y_pred.dtype.kind != "f":
        raise LabelError(
            f"{who}: {name} must hold floating predictions, got dtype {y_pred.dtype}; "
            f"were the arguments swapped? (Keras losses take (y_true, y_pred), "
            f"PyTorch's (input, target))"
        )
    return y_pred


def as_targets(
    y_true, y_pred: Tensor, who: str, names=("y_true", "y_pred"), squeeze=True, hint=""
):
    """Dense targets of y_pred's shape and dtype: a Tensor (which may take a gradient) or
    an array. ``squeeze``: accept (N,) against (N, 1) and the reverse, as Keras;
    ``hint`` ends the message of a shape mismatch."""
    xp = backend.xp
    if not isinstance(y_true, Tensor):
        y_true = xp.asarray(y_true)
    if y_true.dtype.kind not in "biuf":
        raise LabelError(f"{who}: {names[0]} must be numeric, got dtype {y_true.dtype}")
    shape, target = tuple(y_pred.shape), tuple(y_true.shape)
    trailing_one = (target + (1,) == shape) or (shape + (1,) == target)
    if target != shape and not (squeeze and trailing_one):
        raise ShapeError(
            f"{who}: {names[0]} of shape {target} does not match {names[1]} of shape {shape}"
            + hint
        )
    if target != shape:
        y_true = y_true.reshape(shape)
    return y_true.astype(y_pred.dtype) if y_true.dtype != y_pred.dtype else y_true


def as_class_indices(y_true, y_pred: Tensor, axis: int, who: str, names=("y_true", "y_pred")):
    """Integer class indices for y_pred's class ``axis``: an intp array of y_pred's shape
    without that axis (a size-1 axis in its place is accepted, Keras's (N, 1))."""
    xp = backend.xp
    y = xp.asarray(y_true.data if isinstance(y_true, Tensor) else y_true)
    shape = tuple(y_pred.shape)
    expected = shape[:axis] + shape[axis + 1 :]
    if tuple(y.shape) == shape[:axis] + (1,) + shape[axis + 1 :]:
        y = y.reshape(expected)
    if tuple(y.shape) != expected:
        raise ShapeError(
            f"{who}: {names[0]} of shape {tuple(y.shape)} does not match {names[1]} of shape "
            f"{shape}: class indices need shape {expected} (one index per sample)"
            + ("; for one-hot targets use categorical_crossentropy" if y.shape == shape else "")
        )
    C = shape[axis]
    if y.dtype.kind == "f":
        if y.size and not bool((y == xp.floor(y)).all()):
            bad = y[y != xp.floor(y)].reshape(-1)[0]
            raise LabelError(
                f"{who}: {names[0]} must be integer class indices in [0, {C - 1}], "
                f"got the non-integer {float(bad)}"
            )
    elif y.dtype.kind not in "biu":
        raise LabelError(f"{who}: {names[0]} must be integer class indices, got dtype {y.dtype}")
    if y.size and (int(y.min()) < 0 or int(y.max()) >= C):
        raise LabelError(
            f"{who}: class indices must be in [0, {C - 1}] for {C} classes, got values in "
            f"[{int(y.min())}, {int(y.max())}]"
        )
    # a copy, always: the backward indexes with it, whatever the caller does to y meanwhile
    return y.astype(xp.intp)


def check_unit_interval(x, who: str, name: str, hint: str = "", upper: bool = True) -> None:
    """LabelError unless every element of ``x`` (a Tensor or array) lies in [0, 1]
    (in [0, ∞) when not ``upper``: scores that are normalized per row)."""
    data = x.data if isinstance(x, Tensor) else x
    if data.size:
        lo, hi = float(data.min()), float(data.max())
        if lo < 0 or (upper and hi > 1):
            interval = "[0, 1]" if upper else "[0, ∞)"
            raise LabelError(
                f"{who}: {name} must lie in {interval}, got values in [{lo:g}, {hi:g}]{hint}"
            )


def check_distributions(y, axis: int, who: str) -> None:
    """LabelError unless every row of ``y`` along ``axis`` is a distribution: entries in
    [0, 1] that sum to 1 (to 10⁻³: one-hot, smoothed or soft labels)."""
    check_unit_interval(y, who, "y_true (targets)")
    data = y.data if isinstance(y, Tensor) else y
    if data.size:
        sums = data.sum(axis=axis)
        lo, hi = float(sums.min()), float(sums.max())
        if lo < 1 - 1e-3 or hi > 1 + 1e-3:
            raise LabelError(f"{who}: each row of y_true must sum to 1 (one-hot or a "
                             f"distribution), got sums in [{lo:g}, {hi:g}]; for several "
                             "labels per sample use binary_crossentropy")


def _scores_or_logits(fused, plain, from_logits: bool, who: str, y_true, y_pred, **options):
    """The fused logits Function, or the plain one after checking that y_pred holds
    non-negative scores (normalized per row): a Linear's logits would be read wrongly."""
    if from_logits:
        return fused.apply(y_true, y_pred, **options)
    check_unit_interval(y_pred, who, "y_pred (probabilities)", "; pass from_logits=True for logits",
                        upper=False)
    return plain.apply(y_true, y_pred, **options)


def class_index(y, axis: int) -> tuple:
    """The index that picks each sample's class: ``o[class_index(y, axis)]`` has y's shape
    and holds o's entry at class y along ``axis`` (for (N, C) and axis 1: ``o[arange(N), y]``).

    An advanced index of y and one ``arange`` per other axis: one gather instead of a
    one-hot product; also the place where a backward subtracts 1 in place.
    """
    xp, n = backend.xp, y.ndim
    axis %= n + 1  # an axis of o, which has one more than y
    if n == 1 and axis == 1:
        return xp.arange(y.shape[0]), y
    grids = [xp.arange(m).reshape((1,) * i + (m,) + (1,) * (n - i - 1))
             for i, m in enumerate(y.shape)]
    grids.insert(axis, y)
    return tuple(grids)


def one_hot(indices, C: int, axis: int, dtype):
    """Class indices → one-hot rows along ``axis`` (C classes) of ``dtype``."""
    xp = backend.xp
    classes = xp.arange(C).reshape((C,) + (1,) * (indices.ndim - axis))
    return (classes == xp.expand_dims(indices, axis)).astype(dtype)


def _class_axis(axis: int, ndim: int, who: str) -> int:
    if ndim == 0:
        raise ShapeError(f"{who}: y_pred needs a class axis, got a scalar")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{who}: axis {axis} is out of range for y_pred of {ndim} dimensions")
    return axis % ndim


# -- regression ---------------------------------------------------------------------------
class SquaredError(Function):
    """E = (ŷ − y)²;  dE/dŷ = 2(ŷ − y),  dE/dy = −2(ŷ − y); then reduced (see the module).

    The negative log-likelihood of y ~ N(ŷ, σ²) with σ fixed, up to the factor 1/(2σ²)
    and a constant: minimizing it is maximum likelihood under Gaussian noise.
    """

    def __init__(self, reduction="mean", feature_mean=True):
        self.reduction, self.feature_mean = reduction, feature_mean

    def forward(self, y, y_hat):
        self.diff = y_hat - y
        return _reduce(self.diff * self.diff, self.reduction, self.feature_mean)

    def backward(self, dY):
        W = _spread(dY, self.diff.shape, self.reduction, self.feature_mean)
        d_hat = 2 * W * self.diff
        return (-d_hat if self.needs_grad[0] else None), d_hat


@LOSSES.register("mean_squared_error", "mse", "MSE", targets="real", domain=(-3.0, 3.0))
def mean_squared_error(y_true, y_pred, reduction="mean"):
    """Mean squared error: l = mean over the last axis of (ŷ − y)² (see :class:`SquaredError`).

    Gaussian noise of fixed variance; gradient 2(ŷ − y)/n for n averaged elements.
    Shape: y, ŷ (N,) or (N, *, D); 'none' gives (N,) or (N, *).

    >>> from lucidnet import tensor
    >>> mean_squared_error([[0., 1.]], tensor([[1., 3.]]))   # (1 + 4)/2
    tensor(2.5)
    """
    who = "mean_squared_error"
    y_pred = as_prediction(y_pred, who)
    y_true = as_targets(y_true, y_pred, who)
    return SquaredError.apply(y_true, y_pred, reduction=check_reduction(reduction, who))


class AbsoluteError(Function):
    """E = |ŷ − y|;  dE/dŷ = sign(ŷ − y), 0 at ŷ = y (as PyTorch);  dE/dy = −sign(ŷ − y).

    The negative log-likelihood of y ~ Laplace(ŷ, b), b fixed, up to 1/b and a constant:
    its minimizer is the median (the squared error's, the mean), so outliers weigh less.
    """

    def __init__(self, reduction="mean", feature_mean=True):
        self.reduction, self.feature_mean = reduction, feature_mean

    def forward(self, y, y_hat):
        xp = backend.xp
        diff = y_hat - y
        self.sign = xp.sign(diff)
        return _reduce(xp.abs(diff), self.reduction, self.feature_mean)

    def backward(self, dY):
        W = _spread(dY, self.sign.shape, self.reduction, self.feature_mean)
        d_hat = W * self.sign
        return (-d_hat if self.needs_grad[0] else None), d_hat


@LOSSES.register(
    "mean_absolute_error", "mae", "MAE", targets="real", domain=(-3.0, 3.0), kinks=(0.0,)
)
def mean_absolute_error(y_true, y_pred, reduction="mean"):
    """Mean absolute error: l = mean over the last axis of |ŷ − y| (see :class:`AbsoluteError`).

    Laplace noise; gradient sign(ŷ − y)/n, 0 where ŷ = y (the kink, at ŷ − y = 0).
    Shape: y, ŷ (N,) or (N, *, D); 'none' gives (N,) or (N, *).
    """
    who = "mean_absolute_error"
    y_pred = as_prediction(y_pred, who)
    y_true = as_targets(y_true, y_pred, who)
    return AbsoluteError.apply(y_true, y_pred, reduction=check_reduction(reduction, who))


class GaussianNLL(Function):
    """E = ½(ln v + (ŷ − y)²/v) [+ ½ ln 2π], v = max(var, eps);
    dE/dŷ = (ŷ − y)/v,  dE/dy = −(ŷ − y)/v,  dE/dvar = ½(1/v − (ŷ − y)²/v²).

    −ln N(y; ŷ, var): the mean and the variance are both predicted (heteroscedastic
    regression). As PyTorch, the clamp at eps is not differentiated: where var < eps
    the gradient is the one at v = eps, passed to var unchanged.
    """

    def __init__(self, full=False, eps=1e-6, reduction="mean", feature_mean=True):
        self.full, self.eps = full, eps
        self.reduction, self.feature_mean = reduction, feature_mean

    def forward(self, y, y_hat, var):
        xp = backend.xp
        self.diff = y_hat - y
        self.v = xp.maximum(var, self.eps)
        E = 0.5 * (xp.log(self.v) + self.diff * self.diff / self.v)
        if self.full:
            E = E + 0.5 * math.log(2 * math.pi)
        return _reduce(E, self.reduction, self.feature_mean)

    def backward(self, dY):
        W = _spread(dY, self.diff.shape, self.reduction, self.feature_mean)
        z = self.diff / self.v  # (ŷ − y)/v
        d_hat = W * z
        d_var = 0.5 * W * (1 - z * z * self.v) / self.v if self.needs_grad[2] else None
        return (-d_hat if self.needs_grad[0] else None), d_hat, d_var


def as_variance(var, y_pred: Tensor, who: str, name: str = "var", pred_name: str = "y_pred"):
    """``var`` checked (≥ 0, shape) and broadcastable against y_pred: a number, y_pred's
    shape, that shape without its last axis (one variance per sample), or any shape that
    broadcasts to y_pred's without enlarging it."""
    xp = backend.xp
    if not isinstance(var, Tensor):
        var = xp.asarray(var, dtype=y_pred.dtype)
    elif var.dtype != y_pred.dtype:
        var = var.astype(y_pred.dtype)
    data = var.data if isinstance(var, Tensor) else var
    if data.size and float(data.min()) < 0:
        raise ValueError(f"{who}: {name} must be ≥ 0, got a minimum of {float(data.min()):g}")
    shape = tuple(y_pred.shape)
    if y_pred.ndim and tuple(var.shape) == shape[:-1]:
        return var.reshape(shape[:-1] + (1,))
    try:
        fits = xp.broadcast_shapes(tuple(var.shape), shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(
            f"{who}: {name} of shape {tuple(var.shape)} does not fit {pred_name} of shape "
            f"{shape}; expected {shape}, {shape[:-1]}, a shape that broadcasts to it, or a number"
        )
    return var


@LOSSES.register("gaussian_nll", targets="real", domain=(-3.0, 3.0), requires={"var": (0.2, 2.0)})
def gaussian_nll(y_true, y_pred, var, full=False, eps=1e-6, reduction="mean"):
    """Gaussian negative log-likelihood with a predicted variance (see :class:`GaussianNLL`).

    l = mean over the last axis of ½(ln v + (ŷ − y)²/v), v = max(var, eps), plus ½ ln 2π
    when ``full``; gradients (ŷ − y)/v for ŷ and ½(1/v − (ŷ − y)²/v²) for var, over n
    averaged elements. Arguments in Keras's order (y_true, y_pred, var); PyTorch's
    ``gaussian_nll_loss(input, target, var)`` is ``gaussian_nll(target, input, var)``
    (and :class:`lucidnet.nn.GaussianNLLLoss` keeps PyTorch's order and semantics).
    Shape: y, ŷ (N,) or (N, *, D); var as y, or (N, *) (one per sample), or a number.
    """
    who = "gaussian_nll"
    y_pred = as_prediction(y_pred, who)
    y_true = as_targets(y_true, y_pred, who)
    var = as_variance(var, y_pred, who)
    return GaussianNLL.apply(
        y_true, y_pred, var, full=full, eps=eps, reduction=check_reduction(reduction, who)
    )


# -- binary ---------------------------------------------------------------------------------
class BinaryCrossEntropy(Function):
    """E = −[y ln p + (1 − y) ln(1 − p)], p = clip(ŷ, ε, 1 − ε), ε = 1e-7 (Keras);
    dE/dŷ = (p − y)/(p(1 − p)) where ε ≤ ŷ ≤ 1 − ε, else 0;  dE/dy = ln(1 − p) − ln p.

    The negative log-likelihood of y ~ Bernoulli(ŷ). The clip keeps ln finite. After
    ŷ = σ(o) the chain rule multiplies by σ'(o) = ŷ(1 − ŷ), leaving ŷ − y, until the clip:
    for |o| ≳ 16 the gradient is 0 even for a wrong prediction. The fused
    :class:`SigmoidBinaryCrossEntropy` on logits has no clip.
    """

    def __init__(self, reduction="mean", feature_mean=True):
        self.reduction, self.feature_mean = reduction, feature_mean

    def forward(self, y, y_hat):
        xp, dt = backend.xp, y_hat.dtype.type
        lo, hi = dt(EPSILON), dt(1 - EPSILON)
        self.y, self.p = y, xp.clip(y_hat, lo, hi)
        self.inside = (y_hat >= lo) & (y_hat <= hi)
        self.log_p, self.log_q = xp.log(self.p), xp.log1p(-self.p)
        E = -(y * self.log_p + (1 - y) * self.log_q)
        return _reduce(E, self.reduction, self.feature_mean)

    def backward(self, dY):
        W = _spread(dY, self.p.shape, self.reduction, self.feature_mean)
        p = self.p
        d_hat = W * backend.xp.where(self.inside, (p - self.y) / (p * (1 - p)), 0)
        d_y = W * (self.log_q - self.log_p) if self.needs_grad[0] else None
        return d_y, d_hat


class SigmoidBinaryCrossEntropy(Function):
    """E = −[w·y ln σ(o) + (1 − y) ln(1 − σ(o))] from the logit o, w = pos_weight (1 if none);
    dE/do = σ(o)(1 + (w − 1)y) − w·y, which is σ(o) − y for w = 1;
    dE/dy = −o + (w − 1) softplus(−o).

    Computed as max(o, 0) − o·y + ln(1 + e^{−|o|}) (w = 1), or (1 − y)o + (1 + (w − 1)y)
    softplus(−o): no exponent is positive and ln's argument is in [1, 2], so finite for
    |o| = 1e4, where σ(o) rounds to 0 or 1 and ln(1 − σ(o)) would be −∞. The fused
    gradient σ(o) − y never vanishes for a wrong confident prediction.
    """

    def __init__(self, pos_weight=None, reduction="mean", feature_mean=True):
        self.w = pos_weight
        self.reduction, self.feature_mean = reduction, feature_mean

    def forward(self, y, o):
        xp = backend.xp
        self.y, self.o = y, o
        self.s = _logistic(o)
        log1p_exp = xp.log1p(xp.exp(-xp.abs(o)))  # ln(1 + e^{−|o|}) ∈ [0, ln 2]
        if self.w is None:
            E = xp.maximum(o, 0) - o * y + log1p_exp
        else:
            self.softplus_neg = xp.maximum(-o, 0) + log1p_exp  # softplus(−o) = −ln σ(o)
            E = (1 - y) * o + (1 + (self.w - 1) * y) * self.softplus_neg
        return _reduce(E, self.reduction, self.feature_mean)

    def backward(self, dY):
        W = _spread(dY, self.s.shape, self.reduction, self.feature_mean)
        if self.w is None:
            d_o = W * (self.s - self.y)
            d_y = -W * self.o if self.needs_grad[0] else None
        else:
            d_o = W * (self.s * (1 + (self.w - 1) * self.y) - self.w * self.y)
            d_y = W * ((self.w - 1) * self.softplus_neg - self.o) if self.needs_grad[0] else None
        return d_y, d_o


def smooth_labels(y, label_smoothing: float, classes: int, who: str):
    """Targets pulled toward uniform: y(1 − ls) + ls/classes (a Tensor stays differentiable)."""
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"{who}: label_smoothing must be in [0, 1], got {label_smoothing}")
    if not label_smoothing:
        return y
    return y * (1 - label_smoothing) + label_smoothing / classes


@LOSSES.register(
    "binary_crossentropy",
    "bce",
    "BCE",
    targets="binary",
    domain=(0.02, 0.98),
    logits_domain=(-6.0, 6.0),
)
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, reduction="mean"):
    """Binary cross-entropy: l = mean over the last axis of −[y ln ŷ + (1 − y) ln(1 − ŷ)].

    Bernoulli likelihood, y ∈ [0, 1] (0/1 labels or soft ones). ``from_logits=False``:
    ŷ are probabilities, clipped to [1e-7, 1 − 1e-7] as Keras, gradient
    (ŷ − y)/(ŷ(1 − ŷ)) (:class:`BinaryCrossEntropy`); ``from_logits=True``: ŷ = o are
    logits and the stable fused form with gradient σ(o) − y is used
    (:class:`SigmoidBinaryCrossEntropy`); both divided by n averaged elements.
    ``label_smoothing`` ls replaces y by y(1 − ls) + ls/2.
    Shape: y, ŷ (N,) or (N, *, D); 'none' gives (N,) or (N, *).

    >>> from lucidnet import tensor
    >>> binary_crossentropy([1.], tensor([5.6]), from_logits=True)   # ln(1 + e^{−5.6})
    tensor(0.0037)
    """
    who = "binary_crossentropy"
    y_pred = as_prediction(y_pred, who)
    y_true = as_targets(y_true, y_pred, who)
    check_unit_interval(y_true, who, "y_true (targets)")
    reduction = check_reduction(reduction, who)
    y_true = smooth_labels(y_true, label_smoothing, 2, who)
    if from_logits:
        return SigmoidBinaryCrossEntropy.apply(y_true, y_pred, reduction=reduction)
    check_unit_interval(y_pred, who, "y_pred (probabilities)", "; pass from_logits=True for logits")
    return BinaryCrossEntropy.apply(y_true, y_pred, reduction=reduction)


# -- categorical: dense targets ---------------------------------------------------------------
class CategoricalCrossEntropy(Function):
    """l = −Σ_c y_c ln p_c, p = clip(ŷ/Σ_c ŷ_c, ε, 1 − ε) along ``axis`` (Keras: each row is
    normalized by its sum, then clipped); with q = ŷ/s, s = Σ_c ŷ_c, g_c = −y_c/p_c where
    q_c is not clipped (else 0):  dl/dŷ_j = (g_j − Σ_c g_c q_c)/s;  dl/dy_c = −ln p_c.

    For rows that already sum to 1, dl/dŷ_c = 1 − y_c/ŷ_c when Σy = 1. The division by s
    makes scores that do not sum to 1 a distribution instead of a wrong loss.
    """

    def __init__(self, axis=-1, reduction="mean"):
        self.axis, self.reduction = axis, reduction

    def forward(self, y, y_hat):
        xp, dt, axis = backend.xp, y_hat.dtype.type, self.axis
        lo, hi = dt(EPSILON), dt(1 - EPSILON)
        self.s = y_hat.sum(axis=axis, keepdims=True)
        self.q = y_hat / self.s
        self.inside = (self.q >= lo) & (self.q <= hi)
        self.y, self.p = y, xp.clip(self.q, lo, hi)
        self.log_p = xp.log(self.p)
        L = -(y * self.log_p).sum(axis=axis)
        self.L_shape = L.shape
        return _reduce(L, self.reduction, False)

    def backward(self, dY):
        xp, axis = backend.xp, self.axis
        W = _along(_spread(dY, self.L_shape, self.reduction, False), axis)
        g = xp.where(self.inside, -self.y / self.p, 0)
        g_q = (g * self.q).sum(axis=axis, keepdims=True)
        if all(a.dtype == g.dtype for a in (g_q, W, self.s)):
            g -= g_q  # W (g − Σ g q)/s in place on the fresh g: the same operations
            g *= W
            g /= self.s
            d_hat = g
        else:
            d_hat = W * (g - g_q) / self.s
        d_y = -W * self.log_p if self.needs_grad[0] else None
        return d_y, d_hat


class SoftmaxCrossEntropy(Function):
    """l = −Σ_c y_c ln softmax(o)_c from the logits o along ``axis``;
    dl/do = softmax(o)·Σ_c y_c − y  (= softmax(o) − y for targets summing to 1);
    dl/dy_c = −ln softmax(o)_c.

    ln softmax(o) = (o − m) − ln Σ_c e^{o_c − m}, m = max_c o_c: every exponent ≤ 0 and the
    sum ≥ 1, so no overflow and no ln 0, even at |o| = 1e4 where softmax(o) underflows to 0;
    the fused gradient needs only softmax(o), never 1/softmax(o).
    """

    def __init__(self, axis=-1, reduction="mean"):
        self.axis, self.reduction = axis, reduction

    def forward(self, y, o):
        xp, axis = backend.xp, self.axis
        z = o - o.max(axis=axis, keepdims=True)
        z -= xp.log(xp.exp(z).sum(axis=axis, keepdims=True))  # in place: z is fresh
        self.log_p, self.y = z, y
        L = -(y * self.log_p).sum(axis=axis)
        self.L_shape = L.shape
        return _reduce(L, self.reduction, False)

    def backward(self, dY):
        xp, axis = backend.xp, self.axis
        W = _along(_spread(dY, self.L_shape, self.reduction, False), axis)
        p, y = xp.exp(self.log_p), self.y
        y_sum = y.sum(axis=axis, keepdims=True)
        if y.shape == p.shape and all(a.dtype == p.dtype for a in (y, y_sum, W)):
            p *= y_sum  # W (p Σy − y) in place on the fresh p: the same operations
            p -= y
            p *= W
            d_o = p
        else:
            d_o = W * (p * y_sum - y)
        d_y = -W * self.log_p if self.needs_grad[0] else None
        return d_y, d_o


@LOSSES.register(
    "categorical_crossentropy",
    targets="probabilities",
    domain=(0.05, 1.0),
    logits_domain=(-5.0, 5.0),
)
def categorical_crossentropy(
    y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1, reduction="mean"
):
    """Categorical cross-entropy: l = −Σ_c y_c ln ŷ_c over the class ``axis``.

    Categorical likelihood; y one-hot or soft (rows summing to 1). ``from_logits=False``:
    ŷ are probabilities, each row divided by its sum and clipped to [1e-7, 1 − 1e-7] as
    Keras (:class:`CategoricalCrossEntropy`); ``from_logits=True``: ŷ = o are logits and the
    fused gradient softmax(o) − y is computed directly (:class:`SoftmaxCrossEntropy`).
    ``label_smoothing`` ls replaces y by y(1 − ls) + ls/C. Shape: y, ŷ (N, C) or
    (N, *, C) (class axis ``axis``); 'none' gives (N,) or (N, *).

    >>> from lucidnet import tensor
    >>> categorical_crossentropy([[0., 1.]], tensor([[0.25, 0.75]]))   # −ln 0.75
    tensor(0.2877)
    """
    who = "categorical_crossentropy"
    y_pred = as_prediction(y_pred, who)
    axis = _class_axis(axis, y_pred.ndim, who)
    y_true = as_targets(
        y_true, y_pred, who, squeeze=False,
        hint="; for class indices use sparse_categorical_crossentropy",
    )
    reduction = check_reduction(reduction, who)
    check_distributions(y_true, axis, who)
    y_true = smooth_labels(y_true, label_smoothing, y_pred.shape[axis], who)
    return _scores_or_logits(SoftmaxCrossEntropy, CategoricalCrossEntropy, from_logits, who,
                             y_true, y_pred, axis=axis, reduction=reduction)


# -- categorical: class indices -----------------------------------------------------------------
class SparseCategoricalCrossEntropy(Function):
    """l = −ln p_y, p = clip(ŷ/s, ε, 1 − ε), s = Σ_c ŷ_c along ``axis`` (as Keras), y the
    class index;  dl/dŷ_j = (1/s)(q_y − δ_jy)/p_y with q = ŷ/s where q_y is not clipped
    (else 0) — for an unclipped row summing to 1: 1 − δ_jy/ŷ_y.

    The gradient is one value per row off the target class and another at it, so the
    backward computes both per row and writes them once, without a one-hot matrix.
    """

    def __init__(self, axis=-1, reduction="mean"):
        self.axis, self.reduction = axis, reduction

    def forward(self, y, y_hat):
        xp, dt, axis = backend.xp, y_hat.dtype.type, self.axis
        lo, hi = dt(EPSILON), dt(1 - EPSILON)
        self.y, self.shape = y, y_hat.shape
        self.index = class_index(y, axis)
        self.s = y_hat.sum(axis=axis, keepdims=True)
        self.q_y = y_hat[self.index].reshape(self.s.shape) / self.s
        self.p_y = xp.minimum(xp.maximum(self.q_y, lo), hi)  # clip, without its wrapper
        self.inside = self.p_y == self.q_y  # lo ≤ q_y ≤ hi (NaN: not inside)
        E = xp.log(self.p_y).squeeze(axis)
        return _reduce(xp.negative(E, out=E), self.reduction, False)

    def backward(self, dY):
        xp, axis = backend.xp, self.axis
        W = _along(_spread(dY, self.y.shape, self.reduction, False), axis)
        g = xp.where(self.inside, -1 / self.p_y, 0)  # dl/dq_y
        # W g (δ_jy − q_y)/s, evaluated as before with the one-hot entries 0 and 1 of g's dtype
        Wg, zero, one = W * g, g.dtype.type(0), g.dtype.type(1)
        off, on = Wg * (zero - self.q_y) / self.s, Wg * (one - self.q_y) / self.s
        d_hat = xp.empty(self.shape, dtype=off.dtype)  # off, on: (…, 1, …) per row
        d_hat[...] = off
        d_hat[self.index] = on.reshape(self.y.shape)
        return None, d_hat


class SparseSoftmaxCrossEntropy(Function):
    """l = −ln softmax(o)_y = ln Σ_c e^{o_c} − o_y from the logits o, y the class index;
    dl/do = softmax(o) − onehot(y).

    Stable as :class:`SoftmaxCrossEntropy` (shift by the max: finite at |o| = 1e4).
    No one-hot matrix is built: the forward picks o_y with an index
    (``z[arange(N), y]``), and the backward turns the saved softmax into the gradient in
    place (subtract 1 at the targets, multiply by dY/N).
    """

    def __init__(self, axis=-1, reduction="mean"):
        self.axis, self.reduction = axis, reduction

    def _softmax(self, o):
        """softmax(o) along the class axis, and z_y = o_y − max_c o_c (the picked logits)."""
        xp, axis = backend.xp, self.axis
        z = o - o.max(axis=axis, keepdims=True)
        picked = z[self.index]
        p = xp.exp(z, out=z)  # z itself is needed no more
        total = p.sum(axis=axis, keepdims=True)
        p /= total
        return p, total, picked

    def forward(self, y, o):
        self.y, self.o = y, o
        self.index = class_index(y, self.axis)
        self.p, total, picked = self._softmax(o)
        E = backend.xp.log(total).squeeze(self.axis)
        E -= picked
        return _reduce(E, self.reduction, False)

    def backward(self, dY):
        W = _along(_spread(dY, self.y.shape, self.reduction, False), self.axis)
        # The first backward consumes the saved softmax; another one through the same
        # graph computes it again from the logits.
        p, self.p = self.p, None
        if p is None:
            p = self._softmax(self.o)[0]
        if getattr(W, "dtype", None) != p.dtype:  # W (p − onehot) would be promoted
            onehot = one_hot(self.y, p.shape[self.axis], self.axis, p.dtype)
            return None, W * (p - onehot)
        p[self.index] -= 1
        p *= W
        return None, p


@LOSSES.register(
    "sparse_categorical_crossentropy",
    targets="class_index",
    domain=(0.05, 1.0),
    logits_domain=(-5.0, 5.0),
)
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1, reduction="mean"):
    """Categorical cross-entropy with class-index targets: l = −ln ŷ_y.

    Equals :func:`categorical_crossentropy` with one-hot targets, without building them.
    ``from_logits=False``: probabilities (row-normalized and clipped to [1e-7, 1 − 1e-7],
    Keras) (:class:`SparseCategoricalCrossEntropy`); ``from_logits=True``: logits, fused
    gradient softmax(o) − onehot(y) (:class:`SparseSoftmaxCrossEntropy`). y: integers in
    [0, C − 1] (floats with integer values are accepted, as Keras). Shape: ŷ (N, C) or
    (N, *, C), y (N,) or (N, *) (or (N, 1), Keras); 'none' gives (N,) or (N, *).
    """
    who = "sparse_categorical_crossentropy"
    y_pred = as_prediction(y_pred, who)
    axis = _class_axis(axis, y_pred.ndim, who)
    y_true = as_class_indices(y_true, y_pred, axis, who)
    reduction = check_reduction(reduction, who)
    return _scores_or_logits(SparseSoftmaxCrossEntropy, SparseCategoricalCrossEntropy,
                             from_logits, who, y_true, y_pred, axis=axis, reduction=reduction)


class NegativeLogLikelihood(Function):
    """l = −z_y from log-probabilities z along ``axis``, y the class index;
    dl/dz = −onehot(y). With z = log_softmax(o) this is the cross-entropy (PyTorch's
    ``nll_loss``; used by :class:`lucidnet.nn.NLLLoss`)."""

    def __init__(self, axis=-1, reduction="mean"):
        self.axis, self.reduction = axis, reduction

    def forward(self, y, z):
        xp = backend.xp
        self.y, self.C, self.dtype = y, z.shape[self.axis], z.dtype
        picked = xp.take_along_axis(z, xp.expand_dims(y, self.axis), self.axis)
        return _reduce(-picked.squeeze(self.axis), self.reduction, False)

    def backward(self, dY):
        W = _along(_spread(dY, self.y.shape, self.reduction, False), self.axis)
        return None, -W * one_hot(self.y, self.C, self.axis, self.dtype)
