"""``keras.metrics``: the metrics of :mod:`lucidnet.training.metrics` under Keras's names.

Classes keep state over batches (``update_state``, ``result``, ``reset_state``); the
functions give one value per sample. ``'accuracy'`` in ``compile(metrics=[...])``
resolves to binary, categorical or sparse categorical accuracy from the loss, as
Keras does (:class:`~lucidnet.training.metrics.AutoAccuracy`). ``Mean`` and the four
confusion counts are Keras's own standalone metrics.
"""

from lucidnet import backend, initializers
from lucidnet.autograd import Tensor
from lucidnet.keras.layers import _snake
from lucidnet.training import metrics as _training
from lucidnet.training.metrics import (  # noqa: F401
    BinaryAccuracy,
    CategoricalAccuracy,
    MeanAbsoluteError,
    MeanMetricWrapper,
    MeanSquaredError,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    as_array,
    binary_accuracy,
    categorical_accuracy,
    get,
    mean_absolute_error,
    mean_squared_error,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
    weights_of,
)
from lucidnet.training.ratio_metrics import F1Score, Precision, R2Score, Recall  # noqa: F401

mae, mse = mean_absolute_error, mean_squared_error


class Variable(Tensor):
    """A metric's state, made by :meth:`Metric.add_variable`: an array that
    ``assign``, ``assign_add`` and ``assign_sub`` change in place."""

    __slots__ = ("initial",)

    def assign(self, value):
        self.data[...] = as_array(value)
        return self

    def assign_add(self, value):
        self.data += as_array(value).astype(self.data.dtype)
        return self

    def assign_sub(self, value):
        self.data -= as_array(value).astype(self.data.dtype)
        return self


class Metric(_training.Metric):
    """Base of a metric written as in Keras: ``__init__`` creates its state with
    ``self.add_variable(...)`` (Keras 2: ``add_weight``), ``update_state`` changes it,
    ``result`` reads it; ``reset_state`` puts every variable back to its initial value.
    The engine's own metrics are :class:`lucidnet.training.metrics.Metric`s too."""

    def __init__(self, name=None, dtype=None):
        # as Keras: no reset here, the subclass makes its variables after this returns
        self.name = name or _snake(type(self).__name__)
        self.loss, self.from_logits, self.note = None, False, None
        self.dtype = backend.xp.dtype(dtype or backend.get_default_dtype())
        self._variables = []

    def add_variable(self, shape=(), initializer="zeros", dtype=None, name=None) -> Variable:
        """A new state variable of ``shape``, filled by ``initializer`` (a Keras name)."""
        dtype = backend.xp.dtype(dtype or self.dtype)
        initial = initializers.get(initializer)(tuple(shape), dtype=dtype)
        variable = Variable(initial.copy(), name=name)
        variable.initial = initial
        self._variables.append(variable)
        return variable

    def add_weight(self, name=None, shape=(), initializer="zeros", dtype=None) -> Variable:
        return self.add_variable(shape, initializer, dtype, name)

    @property
    def variables(self) -> list:
        return list(self._variables)

    def reset_state(self) -> None:
        for variable in self._variables:
            variable.assign(variable.initial)


def _values(values, _):
    return values


class Mean(MeanMetricWrapper):
    """The weighted mean of the values given so far: Σ wᵢ vᵢ / Σ wᵢ
    (``m.update_state([1, 3, 5, 7])``; ``m.result()`` → 4.0)."""

    def __init__(self, name: str = "mean"):
        super().__init__(_values, name)

    def update_state(self, values, sample_weight=None) -> None:
        values = as_array(values)
        super().update_state(values.reshape(-1) if values.ndim else values, None,
                             None if sample_weight is None
                             else backend.xp.broadcast_to(as_array(sample_weight),
                                                          values.shape).reshape(-1))

    def __call__(self, values, sample_weight=None) -> float:
        self.update_state(values, sample_weight)
        return self.result()


class _Count(_training.Metric):
    """Σ wᵢ over the entries of one cell of the binary confusion table: ŷ > threshold
    (predicted positive) against y = 1, every output of every sample counted, as Keras."""

    predicted, actual = True, True

    def __init__(self, thresholds: float = 0.5, name: str | None = None):
        if not isinstance(thresholds, (int, float)) or not 0 <= thresholds <= 1:
            raise ValueError(f"{type(self).__name__} takes one threshold in [0, 1], "
                             f"got {thresholds!r}")
        self.thresholds = float(thresholds)
        super().__init__(name)

    def reset_state(self) -> None:
        self.count = 0.0

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred = as_array(y_true), as_array(y_pred)
        if y_true.shape != y_pred.shape:
            y_true = y_true.reshape(y_pred.shape)
        hits = ((y_pred > self.thresholds) == self.predicted) & ((y_true == 1) == self.actual)
        if sample_weight is not None:
            w = weights_of(sample_weight, hits.shape[0]).reshape((-1,) + (1,) * (hits.ndim - 1))
            hits = hits * w
        self.count += float(hits.sum())

    def result(self) -> float:
        return self.count


class TruePositives(_Count):
    """Entries predicted positive (ŷ > ``thresholds``) whose target is 1."""

    default_name = "true_positives"


class FalsePositives(_Count):
    """Entries predicted positive whose target is 0."""

    default_name, actual, direction = "false_positives", False, "down"


class TrueNegatives(_Count):
    """Entries predicted negative (ŷ ≤ ``thresholds``) whose target is 0."""

    default_name, predicted, actual = "true_negatives", False, False


class FalseNegatives(_Count):
    """Entries predicted negative whose target is 1."""

    default_name, predicted, direction = "false_negatives", False, "down"
