"""Metrics that are ratios of totals over the epoch, not means over samples: precision,
recall and F1 from confusion counts, R² from running moments. Registered in :data:`~lucidnet.training.metrics.METRICS`.
"""

from __future__ import annotations

import numpy

from lucidnet import backend, losses
from lucidnet.errors import LabelError
from lucidnet.training.metrics import (
    METRICS,
    Metric,
    align,
    as_array,
    class_indices,
    looks_one_hot,
    weights_of,
)


# -- precision, recall, F1 -------------------------------------------------------------
class _Confusion(Metric):
    """Weighted true positives, false positives and false negatives per class.

    ``average``: 'binary' (one output, positive class 1, ŷ > threshold), 'macro'
    (the mean over classes of the per-class value; multiclass: predicted class =
    argmax ŷ, averaged over the classes seen in targets or predictions, as
    scikit-learn; multi-label (a binary cross-entropy loss over C outputs): each output
    thresholded, averaged over all C), or None to choose on the first batch from the
    output's width. A class with a zero denominator scores 0 (scikit-learn's
    zero_division=0).
    """

    def __init__(self, name: str | None = None, average: str | None = None,
                 threshold: float | None = None):
        if average not in (None, "binary", "macro"):
            raise ValueError(
                f"{type(self).__name__} average must be 'binary' or 'macro', got {average!r}"
            )
        self.average, self.threshold = average, threshold
        self.resolved, self.multilabel = None, False
        super().__init__(name)

    def reset_state(self) -> None:
        self.tp = self.fp = self.fn = None

    def _resolve(self, y_true, y_pred) -> None:
        units = y_pred.shape[-1] if y_pred.ndim > 1 else 1
        if self.average == "binary" and units > 1:
            raise ValueError(f"metric {self.name!r}: average='binary' needs one output, "
                             f"got {units}; use average='macro'")
        self.resolved = self.average or ("binary" if units == 1 else "macro")
        self.multilabel = units > 1 and (losses.targets(self.loss) == "binary" or (
            y_true.shape == y_pred.shape and not looks_one_hot(y_true, units)))
        if self.resolved == "binary":
            kind = "binary (positive class 1)"
        elif units == 1:
            kind = "macro over the 2 classes"
        elif self.multilabel:
            kind = f"macro over {units} labels (multi-label)"
        else:
            kind = f"macro over the classes (of {units}) seen"
        self.note = f"{self.name!r} is {kind}"

    def _threshold(self):
        if self.threshold is not None:
            return self.threshold
        return 0.0 if self.from_logits else 0.5

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        xp = backend.xp
        y_true, y_pred = as_array(y_true), as_array(y_pred)
        if self.note is None:
            self._resolve(y_true, y_pred)
        n = y_pred.shape[0]
        w = None if sample_weight is None else weights_of(sample_weight, n)
        units = y_pred.shape[-1] if y_pred.ndim > 1 else 1
        if units == 1 or self.multilabel:
            true, pred = align(y_true, y_pred, self.name)
            true, pred = (true > 0.5).reshape(n, -1), (pred > self._threshold()).reshape(n, -1)
            if units == 1 and self.resolved == "macro":  # both classes of a binary problem
                true, pred = xp.concatenate([~true, true], 1), xp.concatenate([~pred, pred], 1)
            ww = xp.ones((n, 1), dtype=y_pred.dtype) if w is None else w[:, None]
            tp = (ww * (true & pred)).sum(axis=0)
            fp = (ww * (~true & pred)).sum(axis=0)
            fn = (ww * (true & ~pred)).sum(axis=0)
        else:
            if y_true.shape == y_pred.shape:
                labels = y_true.argmax(axis=-1)
            else:
                labels = class_indices(y_true, self.name)
            if labels.size and (labels.min() < 0 or labels.max() >= units):
                raise LabelError(f"metric {self.name!r}: class indices must lie in [0, {units}), "
                                 f"got {int(labels.min())}..{int(labels.max())}")
            pred = y_pred.argmax(axis=-1)
            hit = labels == pred
            hits = labels[hit]
            tp = xp.bincount(hits, None if w is None else w[hit], minlength=units)
            fp = xp.bincount(pred, w, minlength=units) - tp
            fn = xp.bincount(labels, w, minlength=units) - tp
        tp, fp, fn = (backend.to_numpy(a).astype(numpy.float64) for a in (tp, fp, fn))
        if self.tp is None:
            self.tp, self.fp, self.fn = tp, fp, fn
        else:
            self.tp += tp
            self.fp += fp
            self.fn += fn

    def per_class(self, tp, fp, fn):
        raise NotImplementedError(f"{type(self).__name__} defines no per_class")

    def result(self) -> float:
        if self.tp is None:
            return 0.0
        values = self.per_class(self.tp, self.fp, self.fn)
        if self.resolved == "binary":
            return float(values[-1])
        # multi-label: every label counts; multiclass: the classes seen (scikit-learn)
        seen = (self.tp + self.fp + self.fn) > 0
        if self.multilabel:
            seen[:] = True
        return float(values[seen].mean()) if seen.any() else 0.0


def _ratio(numerator, denominator):
    """numerator / denominator, 0 where the denominator is 0."""
    out = numpy.zeros_like(numerator)
    return numpy.divide(numerator, denominator, out=out, where=denominator > 0)


@METRICS.register("precision", "Precision")
class Precision(_Confusion):
    """Precision TP / (TP + FP): of the predicted positives, the share that are."""

    default_name = "precision"

    def per_class(self, tp, fp, fn):
        return _ratio(tp, tp + fp)


@METRICS.register("recall", "Recall")
class Recall(_Confusion):
    """Recall TP / (TP + FN): of the actual positives, the share found."""

    default_name = "recall"

    def per_class(self, tp, fp, fn):
        return _ratio(tp, tp + fn)


@METRICS.register("f1_score", "F1Score")
class F1Score(_Confusion):
    """F1 = 2TP / (2TP + FP + FN), the harmonic mean of precision and recall.

    Macro F1 is the mean of the per-class F1 (scikit-learn's), not the F1 of the
    macro precision and recall.
    """

    default_name = "f1_score"

    def per_class(self, tp, fp, fn):
        return _ratio(2 * tp, 2 * tp + fp + fn)


# -- R² ----------------------------------------------------------------------------------
@METRICS.register("r2_score", "R2Score")
class R2Score(Metric):
    """Coefficient of determination R² = 1 − Σw(y − ŷ)² / Σw(y − ȳ)², per output, averaged.

    Running weighted means and sums of squares are merged batch by batch (Chan et
    al.), so no Σy² − (Σy)²/N cancellation. As scikit-learn: constant targets give 1
    for a perfect prediction and 0 otherwise. Range (−∞, 1]; 0 is predicting ȳ.
    """

    default_name = "r2_score"

    def reset_state(self) -> None:
        self.weight = 0.0
        self.mean = self.m2 = self.residual = 0.0

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred = align(as_array(y_true), as_array(y_pred), self.name)
        n = y_true.shape[0]
        y_true, y_pred = y_true.reshape(n, -1), y_pred.reshape(n, -1)
        xp = backend.xp
        if sample_weight is None:
            w = xp.ones((n, 1), dtype=y_pred.dtype)
        else:
            w = weights_of(sample_weight, n)[:, None]
        w_b = float(w.sum())
        if w_b == 0:
            return
        mean_b = (w * y_true).sum(axis=0) / w_b
        m2_b = (w * (y_true - mean_b) ** 2).sum(axis=0)
        res_b = (w * (y_true - y_pred) ** 2).sum(axis=0)
        mean_b, m2_b, res_b = (backend.to_numpy(a).astype(numpy.float64)
                               for a in (mean_b, m2_b, res_b))
        total = self.weight + w_b
        delta = mean_b - self.mean
        self.m2 = self.m2 + m2_b + delta**2 * self.weight * w_b / total
        self.mean = self.mean + delta * w_b / total
        self.residual = self.residual + res_b
        self.weight = total

    def result(self) -> float:
        if not self.weight:
            return 0.0
        ss_res, ss_tot = numpy.atleast_1d(self.residual), numpy.atleast_1d(self.m2)
        constant = ss_tot == 0
        r2 = 1 - ss_res / numpy.where(constant, 1, ss_tot)
        r2 = numpy.where(constant, numpy.where(ss_res == 0, 1.0, 0.0), r2)
        return float(r2.mean())
