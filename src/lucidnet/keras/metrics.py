"""``keras.metrics``: the metrics of :mod:`lucidnet.training.metrics` under Keras's names.

Classes keep state over batches (``update_state``, ``result``, ``reset_state``); the
functions give one value per sample. ``'accuracy'`` in ``compile(metrics=[...])``
resolves to binary, categorical or sparse categorical accuracy from the loss, as
Keras does (:class:`~lucidnet.training.metrics.AutoAccuracy`).
"""

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
    binary_accuracy,
    categorical_accuracy,
    get,
    mean_absolute_error,
    mean_squared_error,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from lucidnet.training.scores import F1Score, Precision, R2Score, Recall  # noqa: F401

mae, mse = mean_absolute_error, mean_squared_error
