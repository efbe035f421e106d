"""``keras.metrics``: the metrics of :mod:`lucidnet.training.metrics` under Keras's names.

Classes keep state over batches (``update_state``, ``result``, ``reset_state``); the
functions give one value per sample. ``'accuracy'`` in ``compile(metrics=[...])``
resolves to binary, categorical or sparse categorical accuracy from the loss, as
Keras does (:class:`~lucidnet.training.metrics.AutoAccuracy`). ``Mean`` and the four
confusion counts are Keras's own standalone metrics.
"""

from lucidnet import backend
from lucidnet.training.metrics import (  # noqa: F401
    BinaryAccuracy,
    CategoricalAccuracy,
    MeanAbsoluteError,
    MeanMetricWrapper,
    MeanSquaredError,
    Metric,
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


class _Count(Metric):
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
