"""Metrics: Keras's stateful metrics, accumulated over batches, under Keras's names.

A metric sums what it needs over the batches of an epoch (``update_state``), gives
the value so far (``result``) and starts again (``reset_state``). Shape legend:
N batch, C classes (or outputs). Targets may be class indices (N,) or (N, 1) or
one-hot / multi-hot (N, C); predictions are (N,), (N, 1) or (N, C).

``'accuracy'`` (alias ``'acc'``) is not one formula but three, and which one applies
depends on the problem: :class:`AutoAccuracy` picks binary, categorical or
sparse-categorical accuracy from the loss when the loss says (as Keras does), from
the shapes of targets and outputs otherwise, records its choice in ``resolved`` and
``note``, and warns when loss and targets disagree (one-hot targets with a sparse
loss; one-hot targets with binary cross-entropy, where binary accuracy over C outputs
scores (C − 1)/C for predicting all zeros).

Sums are taken in the predictions' dtype per batch and accumulated in Python floats.
Precision, recall, F1 and R² live in :mod:`~lucidnet.training.ratio_metrics`.
"""

from __future__ import annotations

import copy
import warnings

from lucidnet import backend, losses
from lucidnet.autograd import Tensor
from lucidnet.errors import ShapeError
from lucidnet.registry import Registry

METRICS = Registry("metric")
"""Every metric class by its Keras names (``'accuracy'``, ``'mae'``, ``'f1_score'``...)."""

def as_array(x):
    return x.data if isinstance(x, Tensor) else backend.xp.asarray(x)


def align(y_true, y_pred, metric: str):
    """Targets and predictions of the same rank: a trailing axis of 1 is dropped."""
    if y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        y_pred = y_pred[..., 0]
    elif y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if y_true.shape != y_pred.shape:
        raise ShapeError(
            f"metric {metric!r}: targets of shape {tuple(y_true.shape)} do not match "
            f"predictions of shape {tuple(y_pred.shape)}"
        )
    return y_true, y_pred


def _per_sample(values):
    """Per-sample values: the mean over every axis after the first."""
    return values.reshape(values.shape[0], -1).mean(axis=1) if values.ndim > 1 else values


def class_indices(y_true, metric: str):
    """Class indices (N,) from (N,) or (N, 1) targets."""
    if y_true.ndim == 2 and y_true.shape[1] == 1:
        y_true = y_true[:, 0]
    if y_true.ndim != 1:
        raise ShapeError(
            f"metric {metric!r} expects class indices (N,), got shape {tuple(y_true.shape)}"
        )
    return y_true.astype(backend.xp.int64, copy=False)


def weights_of(sample_weight, n: int):
    w = as_array(sample_weight).reshape(-1)
    if w.shape[0] != n:
        raise ShapeError(f"sample_weight has {w.shape[0]} values for {n} samples")
    return w


# -- per-sample functions (Keras's metric functions) ---------------------------------
def binary_accuracy(y_true, y_pred, threshold: float = 0.5):
    """1 where (ŷ > threshold) equals y, else 0; mean over outputs. (N, *) → (N,)."""
    y_true, y_pred = align(as_array(y_true), as_array(y_pred), "binary_accuracy")
    return _per_sample(y_true == (y_pred > threshold))


def categorical_accuracy(y_true, y_pred):
    """1 where argmax ŷ equals argmax y (one-hot targets). (N, C) → (N,)."""
    y_true, y_pred = as_array(y_true), as_array(y_pred)
    if y_true.shape != y_pred.shape:
        raise ShapeError(
            f"categorical_accuracy expects one-hot targets of the predictions' shape "
            f"{tuple(y_pred.shape)}, got {tuple(y_true.shape)}"
        )
    return y_true.argmax(axis=-1) == y_pred.argmax(axis=-1)


def sparse_categorical_accuracy(y_true, y_pred):
    """1 where argmax ŷ equals the class index y. y (N,) or (N, 1), ŷ (N, C) → (N,)."""
    labels = class_indices(as_array(y_true), "sparse_categorical_accuracy")
    return labels == as_array(y_pred).argmax(axis=-1)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k: int = 5):
    """1 where the true class is among the k highest scores. (N,), (N, C) → (N,).

    Ties as Keras (in_top_k): the true class counts as in the top k when fewer than k
    classes score strictly higher.
    """
    y_pred = as_array(y_pred)
    labels = class_indices(as_array(y_true), "sparse_top_k_categorical_accuracy")
    score = y_pred[backend.xp.arange(y_pred.shape[0]), labels]
    return (y_pred > score[:, None]).sum(axis=-1) < k


def top_k_categorical_accuracy(y_true, y_pred, k: int = 5):
    """1 where the true class (argmax of one-hot y) is among the k highest scores."""
    return sparse_top_k_categorical_accuracy(as_array(y_true).argmax(axis=-1), y_pred, k)


def mean_absolute_error(y_true, y_pred):
    """Mean over outputs of |y − ŷ|. (N, *) → (N,)."""
    y_true, y_pred = align(as_array(y_true), as_array(y_pred), "mean_absolute_error")
    return _per_sample(abs(y_true - y_pred))


def mean_squared_error(y_true, y_pred):
    """Mean over outputs of (y − ŷ)². (N, *) → (N,)."""
    y_true, y_pred = align(as_array(y_true), as_array(y_pred), "mean_squared_error")
    return _per_sample((y_true - y_pred) ** 2)


# -- stateful metrics ----------------------------------------------------------------
class Metric:
    """Base of the stateful metrics: ``update_state``, ``result``, ``reset_state``.

    ``direction`` is 'up' when larger is better (EarlyStopping's mode='auto' reads
    it). ``configure(loss, from_logits)`` tells the metric which loss trains the
    output it watches; the engine calls it before the first batch.
    """

    direction = "up"
    default_name = "metric"

    def __init__(self, name: str | None = None):
        self.name = name or self.default_name
        self.loss, self.from_logits = None, False
        self.note = None
        self.reset_state()

    def configure(self, loss: str | None = None, from_logits: bool = False) -> None:
        self.loss, self.from_logits = loss, from_logits

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        raise NotImplementedError(f"{type(self).__name__} defines no update_state")

    def result(self) -> float:
        raise NotImplementedError(f"{type(self).__name__} defines no result")

    def reset_state(self) -> None:
        raise NotImplementedError(f"{type(self).__name__} defines no reset_state")

    def __call__(self, y_true, y_pred, sample_weight=None) -> float:
        """Update with one batch and return the value so far (Keras's ``metric(y, ŷ)``)."""
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def fresh(self) -> Metric:
        """A copy of this metric with empty state (one per output of a multi-output model)."""
        twin = copy.deepcopy(self)
        twin.reset_state()
        return twin

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r})"


class MeanMetricWrapper(Metric):
    """The weighted mean over samples of a per-sample function: Σ wᵢ fᵢ / Σ wᵢ.

    ``fn(y_true, y_pred, **kwargs)`` returns one value per sample (N,); a plain
    Python function given as a metric is wrapped in this class.
    """

    direction = "up"

    def __init__(self, fn, name: str | None = None, direction: str | None = None, **kwargs):
        self.fn, self.kwargs = fn, kwargs
        if direction is not None:
            self.direction = direction
        super().__init__(name or getattr(fn, "__name__", "metric"))

    def reset_state(self) -> None:
        self.total, self.count = 0.0, 0.0

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        values = as_array(self.fn(y_true, y_pred, **self.kwargs))
        values = _per_sample(values.reshape(-1) if values.ndim == 0 else values)
        if sample_weight is None:
            self.total += float(values.sum())
            self.count += values.shape[0]
        else:
            w = weights_of(sample_weight, values.shape[0])
            self.total += float((values * w).sum())
            self.count += float(w.sum())

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0


@METRICS.register("binary_accuracy", "BinaryAccuracy")
class BinaryAccuracy(MeanMetricWrapper):
    """Fraction of outputs on the right side of ``threshold`` (0.5 for probabilities).

    Keras compares logits with 0.5 as well; here a metric told that its loss takes
    logits (``from_logits=True``) compares with 0, the logit of probability 0.5.
    """

    def __init__(self, name: str = "binary_accuracy", threshold: float | None = None):
        self.threshold = threshold
        super().__init__(binary_accuracy, name, threshold=0.5 if threshold is None else threshold)

    def configure(self, loss=None, from_logits=False) -> None:
        super().configure(loss, from_logits)
        if self.threshold is None:
            self.kwargs["threshold"] = 0.0 if from_logits else 0.5


@METRICS.register("categorical_accuracy", "CategoricalAccuracy")
class CategoricalAccuracy(MeanMetricWrapper):
    """Fraction of samples whose highest score is the one-hot target's class."""

    def __init__(self, name: str = "categorical_accuracy"):
        super().__init__(categorical_accuracy, name)


@METRICS.register("sparse_categorical_accuracy", "SparseCategoricalAccuracy")
class SparseCategoricalAccuracy(MeanMetricWrapper):
    """Fraction of samples whose highest score is the target class index."""

    def __init__(self, name: str = "sparse_categorical_accuracy"):
        super().__init__(sparse_categorical_accuracy, name)


@METRICS.register("top_k_categorical_accuracy", "TopKCategoricalAccuracy")
class TopKCategoricalAccuracy(MeanMetricWrapper):
    """Fraction of samples whose one-hot class is among the k highest scores (k = 5)."""

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy"):
        super().__init__(top_k_categorical_accuracy, name, k=k)


@METRICS.register("sparse_top_k_categorical_accuracy", "SparseTopKCategoricalAccuracy")
class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """Fraction of samples whose class index is among the k highest scores (k = 5)."""

    def __init__(self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy"):
        super().__init__(sparse_top_k_categorical_accuracy, name, k=k)


@METRICS.register("mean_absolute_error", "mae", "MeanAbsoluteError")
class MeanAbsoluteError(MeanMetricWrapper):
    """Mean over samples and outputs of |y − ŷ|."""

    direction = "down"

    def __init__(self, name: str = "mean_absolute_error"):
        super().__init__(mean_absolute_error, name)


@METRICS.register("mean_squared_error", "mse", "MeanSquaredError")
class MeanSquaredError(MeanMetricWrapper):
    """Mean over samples and outputs of (y − ŷ)²."""

    direction = "down"

    def __init__(self, name: str = "mean_squared_error"):
        super().__init__(mean_squared_error, name)


# -- accuracy that resolves itself ----------------------------------------------------
def looks_one_hot(y_true, units: int) -> bool:
    """(N, C) targets with C = units > 1 whose rows are 0/1 with a single 1."""
    if y_true.ndim != 2 or y_true.shape[1] != units or units < 2:
        return False
    return bool(((y_true == 0) | (y_true == 1)).all() and (y_true.sum(axis=1) == 1).all())


def _looks_sparse(y_true, y_pred) -> bool:
    """Class indices for (N, C) outputs: rank lower than ŷ's, or a last axis of 1."""
    units = y_pred.shape[-1] if y_pred.ndim > 1 else 1
    return units > 1 and (y_true.ndim < y_pred.ndim or y_true.shape[-1] == 1)


def resolve_accuracy(y_true, y_pred, loss: str | None = None) -> tuple[str, str, str | None]:
    """Which accuracy ``'accuracy'`` means: (metric name, note, warning or None).

    With a binary cross-entropy loss: binary accuracy; sparse categorical
    cross-entropy: sparse categorical; categorical cross-entropy: categorical. With any
    other loss, from the shapes as Keras 3 does: one output → binary; targets of lower
    rank or a last axis of 1 → sparse categorical; otherwise categorical. When the
    targets contradict the loss, the targets decide and the warning says why.
    """
    y_true, y_pred = as_array(y_true), as_array(y_pred)
    units = y_pred.shape[-1] if y_pred.ndim > 1 else 1
    one_hot, sparse = looks_one_hot(y_true, units), _looks_sparse(y_true, y_pred)
    warning, kind = None, losses.targets(loss)
    if kind == "binary":
        name, why = "binary_accuracy", f"the loss is {loss}"
        if one_hot:
            chance = (units - 1) / units
            warning = (
                f"targets are one-hot over {units} classes but the loss is {loss}: "
                f"'accuracy' becomes binary_accuracy averaged over the {units} outputs, which "
                f"scores {chance:.0%} for predicting all zeros; for one class per sample use "
                "softmax with categorical_crossentropy"
            )
    elif kind == "class_index" and one_hot:
        name, why = "categorical_accuracy", "the targets are one-hot"
        warning = (
            f"targets are one-hot (N, {units}) but the loss is {loss}, which expects class "
            "indices: use categorical_crossentropy, or pass y.argmax(axis=1) as targets"
        )
    elif kind == "class_index":
        name, why = "sparse_categorical_accuracy", f"the loss is {loss}"
    elif kind == "probabilities" and sparse:
        name, why = "sparse_categorical_accuracy", "the targets are class indices"
        warning = (
            f"targets are class indices but the loss is {loss}, which expects one-hot "
            "targets: use sparse_categorical_crossentropy, or one-hot encode y"
        )
    elif kind == "probabilities":
        name, why = "categorical_accuracy", f"the loss is {loss}"
    else:
        source = f"loss {loss!r} does not say" if loss else "no loss given"
        if units == 1:
            name, why = "binary_accuracy", f"one output ({source})"
        elif sparse:
            name, why = "sparse_categorical_accuracy", f"class-index targets ({source})"
        else:
            name, why = "categorical_accuracy", f"(N, {units}) targets ({source})"
    return name, f"'accuracy' means {name}: {why}", warning


@METRICS.register("accuracy", "acc")
class AutoAccuracy(Metric):
    """``'accuracy'``: binary, categorical or sparse categorical accuracy, chosen on
    the first batch by :func:`resolve_accuracy`; ``resolved`` names the choice."""

    def __init__(self, name: str = "accuracy"):
        self.resolved, self._metric = None, None
        super().__init__(name)

    def reset_state(self) -> None:
        if self._metric is not None:
            self._metric.reset_state()

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        if self._metric is None:
            self.resolved, self.note, warning = resolve_accuracy(y_true, y_pred, self.loss)
            if warning:
                warnings.warn(warning, stacklevel=3)
            self._metric = METRICS.get(self.resolved)
            self._metric.configure(self.loss, self.from_logits)
            if self.resolved == "binary_accuracy" and self.from_logits:
                self.note += " (threshold 0 on logits)"
        self._metric.update_state(y_true, y_pred, sample_weight)

    def result(self) -> float:
        return 0.0 if self._metric is None else self._metric.result()


def get(identifier) -> Metric:
    """A fresh metric from a name, a config dict, a class, an instance or a function.

    A name becomes the metric's name in the logs (``'acc'`` logs as ``'acc'``, as in
    Keras); a plain function ``f(y_true, y_pred)`` → per-sample values is wrapped in
    :class:`MeanMetricWrapper` under its ``__name__``.
    """
    if isinstance(identifier, Metric):
        return identifier
    metric = METRICS.get(identifier)
    if not isinstance(metric, Metric):
        metric = MeanMetricWrapper(metric)
    if isinstance(identifier, str):
        metric.name = identifier
    return metric


def direction(name: str) -> str | None:
    """'up' or 'down' for a registered metric name, None if unknown."""
    if name in METRICS:
        return METRICS.resolve(name).direction
    return None

