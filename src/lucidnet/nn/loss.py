"""Loss modules with PyTorch's names, argument order and reductions: ``loss(output, target)``.

PyTorch calls the first argument ``input``; here it is ``output`` (the model's), since
``input`` shadows a builtin. Messages name ``output`` and ``target``.

Each calls one fused Function of :mod:`lucidnet.functional.losses`, where the forward,
the gradient and the likelihood behind it are written out.

PyTorch and Keras average differently. PyTorch's ``reduction='mean'`` is the mean over
all elements of the elementwise losses (CrossEntropyLoss, NLLLoss: over all samples, the
class axis being summed); 'none' returns the elementwise losses and 'sum' their sum.
Keras's functions (:mod:`lucidnet.functional`) average the last axis per sample first,
then over samples. They coincide for 'mean' everywhere (a mean of equal-sized row means
is the mean of all elements) and for every reduction of the cross-entropies; for the
elementwise losses on (N, D) Keras's 'none' gives (N,) row means where PyTorch's gives
(N, D), and Keras's 'sum' is PyTorch's divided by D.

Targets must have the output's shape (PyTorch broadcasts MSELoss and L1Loss with a
warning; here a mismatch is a ShapeError, since (N,) against (N, 1) silently gives an
(N, N) loss). Shape legend: N batch, C classes; (*) any further axes.
"""

from __future__ import annotations

from lucidnet import backend
from lucidnet.autograd import Tensor
from lucidnet.errors import ShapeError
from lucidnet.functional.losses import (
    AbsoluteError,
    BinaryCrossEntropy,
    GaussianNLL,
    NegativeLogLikelihood,
    SigmoidBinaryCrossEntropy,
    SoftmaxCrossEntropy,
    SparseSoftmaxCrossEntropy,
    SquaredError,
    as_class_indices,
    as_prediction,
    as_targets,
    as_variance,
    check_reduction,
    check_unit_interval,
    one_hot,
    smooth_labels,
)
from lucidnet.nn.module import Module

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "GaussianNLLLoss",
    "L1Loss",
    "MSELoss",
    "NLLLoss",
]

_NAMES = ("target", "output")  # how messages name (y_true, y_pred)


class _Loss(Module):
    """Base of the loss modules: holds ``reduction`` ('mean', 'sum' or 'none')."""

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        self.reduction = check_reduction(reduction, type(self).__name__)

    def _checked(self, output, target):
        """(output, target) checked: floating output, target of the output's shape and dtype."""
        output = as_prediction(output, self.label(), "output")
        return output, as_targets(target, output, self.label(), _NAMES, squeeze=False)

    def get_config(self) -> dict:
        return {"reduction": self.reduction}


class MSELoss(_Loss):
    """Squared error (ŷ − y)² per element, then reduced; gradient 2(ŷ − y)/n for 'mean'.

    Gaussian likelihood, fixed variance (see :class:`~lucidnet.functional.losses.SquaredError`).
    PyTorch's reductions: 'mean' over all elements (= Keras's per-sample-then-batch mean);
    'none' elementwise and 'sum' over all elements (Keras's: row means, sum of row means).
    Shape: output, target (*); 'none' gives (*).
    """

    def forward(self, output, target):
        output, target = self._checked(output, target)
        return SquaredError.apply(target, output, reduction=self.reduction, feature_mean=False)


class L1Loss(_Loss):
    """Absolute error |ŷ − y| per element, then reduced; gradient sign(ŷ − y)/n, 0 at ŷ = y.

    Laplace likelihood (see :class:`~lucidnet.functional.losses.AbsoluteError`).
    PyTorch's reductions: 'mean' over all elements (= Keras's per-sample-then-batch mean);
    'none' elementwise and 'sum' over all elements (Keras's: row means, sum of row means).
    Shape: output, target (*); 'none' gives (*).
    """

    def forward(self, output, target):
        output, target = self._checked(output, target)
        return AbsoluteError.apply(target, output, reduction=self.reduction, feature_mean=False)


class BCELoss(_Loss):
    """Binary cross-entropy −[y ln p + (1 − y) ln(1 − p)] on probabilities, per element.

    Bernoulli likelihood (see :class:`~lucidnet.functional.losses.BinaryCrossEntropy`).
    p = clip(output, 1e-7, 1 − 1e-7) as Keras, where PyTorch clamps each log at −100: the
    two agree for inputs in [1e-7, 1 − 1e-7]. Prefer :class:`BCEWithLogitsLoss` on logits
    (stable, gradient σ(o) − y).
    PyTorch's reductions: 'mean' over all elements (= Keras's per-sample-then-batch mean);
    'none' elementwise and 'sum' over all elements (Keras's: row means, sum of row means).
    Shape: output, target (*) with values in [0, 1]; 'none' gives (*).
    """

    def forward(self, output, target):
        output, target = self._checked(output, target)
        check_unit_interval(target, self.label(), "target")
        check_unit_interval(output, self.label(), "output", "; for logits use BCEWithLogitsLoss")
        return BinaryCrossEntropy.apply(
            target, output, reduction=self.reduction, feature_mean=False
        )


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits o: −[w·y ln σ(o) + (1 − y) ln(1 − σ(o))] per element.

    Stable fused form with gradient σ(o) − y, or σ(o)(1 + (w − 1)y) − w·y with
    ``pos_weight`` w (see :class:`~lucidnet.functional.losses.SigmoidBinaryCrossEntropy`).
    w > 1 weighs positives more (w = negatives/positives balances the classes); it
    broadcasts against the output (one per class: shape (C,)) and is a constant (no
    gradient).
    PyTorch's reductions: 'mean' over all elements (= Keras's per-sample-then-batch mean);
    'none' elementwise and 'sum' over all elements (Keras's: row means, sum of row means).
    Shape: output, target (*), targets in [0, 1]; 'none' gives (*).
    """

    def __init__(self, *, pos_weight=None, reduction: str = "mean"):
        super().__init__(reduction)
        self.pos_weight = pos_weight

    def forward(self, output, target):
        output, target = self._checked(output, target)
        check_unit_interval(target, self.label(), "target")
        w = self.pos_weight
        if w is not None:
            w = backend.xp.asarray(w.data if isinstance(w, Tensor) else w, dtype=output.dtype)
            try:
                fits = backend.xp.broadcast_shapes(w.shape, output.shape) == output.shape
            except ValueError:
                fits = False
            if not fits:
                raise ShapeError(
                    f"{self.label()}: pos_weight of shape {w.shape} does not broadcast over "
                    f"output of shape {output.shape}; expected ({output.shape[-1]},) or ()"
                )
        return SigmoidBinaryCrossEntropy.apply(
            target, output, pos_weight=w, reduction=self.reduction, feature_mean=False
        )

    def get_config(self) -> dict:
        w = self.pos_weight
        if w is not None:  # a list, so the config stays JSON
            w = backend.to_numpy(w.data if isinstance(w, Tensor) else backend.asarray(w))
            w = w.tolist()
        return {"pos_weight": w, **super().get_config()}


def _class_axis(output, who: str) -> int:
    """PyTorch's class axis: 1 for (N, C, *), 0 for an unbatched (C,)."""
    if output.ndim == 0:
        raise ShapeError(f"{who}: output needs a class axis, (N, C) or (C,), got a scalar")
    return 1 if output.ndim >= 2 else 0


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy on logits: l = −Σ_c y_c ln softmax(o)_c per sample, then reduced.

    Categorical likelihood; gradient softmax(o) − y (divided by N for 'mean'), computed
    fused (see :class:`~lucidnet.functional.losses.SparseSoftmaxCrossEntropy` and
    :class:`~lucidnet.functional.losses.SoftmaxCrossEntropy`). As PyTorch, the target's
    dtype decides: integers are class indices (N,) or (N, *); floats are probabilities
    of the output's shape. ``label_smoothing`` ls replaces y by (1 − ls)y + ls/C.
    PyTorch's 'mean' over samples (the classes summed) equals Keras's, and so do 'sum'
    and 'none': ``(sparse_)categorical_crossentropy(from_logits=True, axis=1)``.
    Not supported: ``weight``, ``ignore_index``.
    Shape: output (N, C) or (N, C, *) or (C,); 'none' gives (N,) or (N, *).
    """

    def __init__(self, *, reduction: str = "mean", label_smoothing: float = 0.0):
        super().__init__(reduction)
        if not 0 <= label_smoothing <= 1:
            raise ValueError(
                f"CrossEntropyLoss: label_smoothing must be in [0, 1], got {label_smoothing}"
            )
        self.label_smoothing = label_smoothing

    def forward(self, output, target):
        who = self.label()
        output = as_prediction(output, who, "output")
        axis = _class_axis(output, who)
        C = output.shape[axis]
        data = target.data if isinstance(target, Tensor) else backend.xp.asarray(target)
        if data.dtype.kind == "f":
            target = as_targets(
                target, output, who, _NAMES, squeeze=False,
                hint="; floating targets are probabilities (class indices need integers)",
            )
        else:
            indices = as_class_indices(data, output, axis, who, _NAMES)
            if not self.label_smoothing:
                return SparseSoftmaxCrossEntropy.apply(
                    indices, output, axis=axis, reduction=self.reduction
                )
            target = one_hot(indices, C, axis, output.dtype)
        target = smooth_labels(target, self.label_smoothing, C, who)
        return SoftmaxCrossEntropy.apply(target, output, axis=axis, reduction=self.reduction)

    def get_config(self) -> dict:
        return {**super().get_config(), "label_smoothing": self.label_smoothing}


class NLLLoss(_Loss):
    """Negative log-likelihood l = −z_y of log-probabilities z (e.g. ``log_softmax``).

    Gradient −onehot(y) (divided by N for 'mean'); LogSoftmax followed by NLLLoss equals
    :class:`CrossEntropyLoss` (see :class:`~lucidnet.functional.losses.NegativeLogLikelihood`).
    PyTorch's 'mean' over samples equals Keras's, as do 'sum' and 'none'.
    Not supported: ``weight``, ``ignore_index``.
    Shape: output (N, C) or (N, C, *) or (C,), target (N,) or (N, *) integers in
    [0, C − 1]; 'none' gives (N,) or (N, *).
    """

    def forward(self, output, target):
        who = self.label()
        output = as_prediction(output, who, "output")
        axis = _class_axis(output, who)
        indices = as_class_indices(target, output, axis, who, _NAMES)
        return NegativeLogLikelihood.apply(indices, output, axis=axis, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood ½(ln v + (ŷ − y)²/v) per element, v = max(var, eps).

    The model predicts a mean (output) and a variance (var): heteroscedastic regression;
    ``full`` adds ½ ln 2π. Gradients (ŷ − y)/v and ½(1/v − (ŷ − y)²/v²), the clamp not
    differentiated (as PyTorch; see :class:`~lucidnet.functional.losses.GaussianNLL`).
    Called as ``loss(output, target, var)``; Keras-order twin:
    :func:`~lucidnet.functional.gaussian_nll`.
    PyTorch's reductions: 'mean' over all elements (= Keras's per-sample-then-batch mean);
    'none' elementwise and 'sum' over all elements (Keras's: row means, sum of row means).
    Shape: output, target (N, *); var as output, or one fewer axis (one per sample), or
    broadcastable, or a number; 'none' gives (N, *).
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
        super().__init__(reduction)
        self.full, self.eps = full, eps

    def forward(self, output, target, var):
        output, target = self._checked(output, target)
        var = as_variance(var, output, self.label(), pred_name="output")
        return GaussianNLL.apply(
            target, output, var, full=self.full, eps=self.eps,
            reduction=self.reduction, feature_mean=False,
        )

    def get_config(self) -> dict:
        return {"full": self.full, "eps": self.eps, **super().get_config()}
