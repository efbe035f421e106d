"""``keras.losses``: Keras's loss functions and classes on lucidnet's fused losses.

The arithmetic (likelihoods, fused gradients, clipping) is
:mod:`lucidnet.functional.losses`; this module adds Keras's two ways of calling it:

- functions (``categorical_crossentropy(y_true, y_pred)``) return one loss per sample,
  shape (N,), as Keras's do (the lucidnet function with ``reduction='none'``);
- classes (``CategoricalCrossentropy(from_logits=True)``) are called as
  ``loss(y_true, y_pred, sample_weight=None)`` and reduce the per-sample losses lᵢ
  with weights wᵢ (1 when none): 'sum_over_batch_size' (default) Σ wᵢ lᵢ / N,
  'sum' Σ wᵢ lᵢ, 'none' (or None) the wᵢ lᵢ themselves. The mean is the lucidnet
  loss's own reduction, the one Function the loss's name reaches (and the fused step).

``compile(loss=...)`` takes a name, one of these functions or objects, or any
``f(y_true, y_pred)``; a subclass of :class:`Loss` defines ``call(y_true, y_pred)``
returning per-sample losses.
"""

from __future__ import annotations

import functools

from lucidnet import backend
from lucidnet import functional as F
from lucidnet.autograd import Tensor
from lucidnet.functional.losses import check_reduction
from lucidnet.keras.layers import _snake
from lucidnet.registry import Registry
from lucidnet.training.outputs import WeightedLoss

KERAS_LOSSES = Registry("loss")
"""Keras's loss functions and classes by their Keras names."""


# -- functions: one loss per sample -------------------------------------------------------
@KERAS_LOSSES.register("binary_crossentropy", "bce", "BCE")
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0):
    """lᵢ = mean over the last axis of −[y ln ŷ + (1 − y) ln(1 − ŷ)]; (N, D) → (N,)."""
    return F.binary_crossentropy(y_true, y_pred, from_logits=from_logits,
                                 label_smoothing=label_smoothing, reduction="none")


@KERAS_LOSSES.register("categorical_crossentropy")
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """lᵢ = −Σ_c y_c ln ŷ_c with one-hot (or soft) targets; (N, C) → (N,)."""
    return F.categorical_crossentropy(y_true, y_pred, from_logits=from_logits,
                                      label_smoothing=label_smoothing, axis=axis,
                                      reduction="none")


@KERAS_LOSSES.register("sparse_categorical_crossentropy")
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1):
    """lᵢ = −ln ŷ_{yᵢ} with class-index targets y (N,); ŷ (N, C) → (N,)."""
    return F.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits,
                                             axis=axis, reduction="none")


@KERAS_LOSSES.register("mean_squared_error", "mse", "MSE")
def mean_squared_error(y_true, y_pred):
    """lᵢ = mean over the last axis of (ŷ − y)²; (N, D) → (N,)."""
    return F.mean_squared_error(y_true, y_pred, reduction="none")


@KERAS_LOSSES.register("mean_absolute_error", "mae", "MAE")
def mean_absolute_error(y_true, y_pred):
    """lᵢ = mean over the last axis of |ŷ − y|; (N, D) → (N,)."""
    return F.mean_absolute_error(y_true, y_pred, reduction="none")


bce = BCE = binary_crossentropy
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error


# -- classes: reduced, with sample weights -----------------------------------------------
class Loss(WeightedLoss):
    """Base of Keras's loss classes: ``call(y_true, y_pred)`` gives the per-sample
    losses lᵢ, calling the object reduces them (see the module docstring).

    A Loss is the engine's :class:`~lucidnet.training.outputs.WeightedLoss` too, so
    ``compile`` uses it as it is: its ``name`` and ``from_logits`` choose what
    ``'accuracy'`` means.
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", from_logits=False):
        super().__init__(self.batch_loss())
        self.name = name or _snake(type(self).__name__)
        self.reduction = reduction
        self.mode = check_reduction(reduction, type(self).__name__)
        self.from_logits = bool(from_logits)

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} defines no call(y_true, y_pred)")

    def batch_loss(self):
        """What the engine calls on a batch, ``f(y_true, y_pred)``: by default ``call``
        (per-sample losses, then their weighted mean on the tape)."""
        return self.call

    def __call__(self, y_true, y_pred, sample_weight=None):
        if sample_weight is not None and not isinstance(sample_weight, Tensor):
            dtype = backend.get_default_dtype()
            sample_weight = Tensor(backend.asarray(sample_weight, dtype=dtype))
        if self.mode == "mean":
            return super().__call__(y_true, y_pred, sample_weight)
        values = self.call(y_true, y_pred)
        if sample_weight is not None:
            values = values * sample_weight.reshape(-1, *([1] * (values.ndim - 1)))
        return values.sum() if self.mode == "sum" else values

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class _PerSampleLoss(Loss):
    """A Loss class around one of lucidnet's loss functions, with its options bound.

    The engine calls that function itself (:meth:`batch_loss`): the batch mean is the
    loss's own reduction, one Function, the road its name takes in ``compile``, and the
    fused training step's; ``call`` gives its per-sample values (``reduction='none'``).
    """

    function = None  # the lucidnet.functional loss, set by each subclass (staticmethod)

    def __init__(self, name, reduction, **options):
        self.options = options
        super().__init__(name, reduction, options.get("from_logits", False))

    def batch_loss(self):
        return functools.partial(self.function, **self.options)

    def call(self, y_true, y_pred):
        return self.function(y_true, y_pred, reduction="none", **self.options)

    def get_config(self) -> dict:
        return {**super().get_config(), **self.options}


@KERAS_LOSSES.register("BinaryCrossentropy")
class BinaryCrossentropy(_PerSampleLoss):
    """Binary cross-entropy (see :func:`binary_crossentropy`); ``from_logits=True``
    takes logits o and trains with the fused gradient σ(o) − y."""

    function = staticmethod(F.binary_crossentropy)

    def __init__(self, from_logits=False, label_smoothing=0.0,
                 reduction="sum_over_batch_size", name="binary_crossentropy"):
        super().__init__(name, reduction, from_logits=from_logits,
                         label_smoothing=label_smoothing)


@KERAS_LOSSES.register("CategoricalCrossentropy")
class CategoricalCrossentropy(_PerSampleLoss):
    """Categorical cross-entropy on one-hot targets (see
    :func:`categorical_crossentropy`); ``from_logits=True``: fused softmax(o) − y."""

    function = staticmethod(F.categorical_crossentropy)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy"):
        super().__init__(name, reduction, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


@KERAS_LOSSES.register("SparseCategoricalCrossentropy")
class SparseCategoricalCrossentropy(_PerSampleLoss):
    """Categorical cross-entropy on class indices (see
    :func:`sparse_categorical_crossentropy`)."""

    function = staticmethod(F.sparse_categorical_crossentropy)

    def __init__(self, from_logits=False, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy"):
        super().__init__(name, reduction, from_logits=from_logits)


@KERAS_LOSSES.register("MeanSquaredError")
class MeanSquaredError(_PerSampleLoss):
    """Mean squared error (see :func:`mean_squared_error`)."""

    function = staticmethod(F.mean_squared_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error"):
        super().__init__(name, reduction)


@KERAS_LOSSES.register("MeanAbsoluteError")
class MeanAbsoluteError(_PerSampleLoss):
    """Mean absolute error (see :func:`mean_absolute_error`)."""

    function = staticmethod(F.mean_absolute_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error"):
        super().__init__(name, reduction)


def get(identifier, **config):
    """A loss from a Keras name (``'mse'``: the function; ``'MeanSquaredError'``: an
    object, built with ``config``), a config ``{'class_name', 'config'}``, a class,
    an object or a callable; ``None`` → ``None``."""
    return KERAS_LOSSES.get(identifier, **config)


def serialize(loss):
    """Keras's config of a loss: its name for a function of this module,
    ``{'class_name', 'config'}`` for a Loss object."""
    if isinstance(loss, Loss):
        return {"class_name": type(loss).__name__, "config": loss.get_config()}
    name = KERAS_LOSSES.name_of(loss)
    if name is None:
        raise ValueError(f"{loss!r} is not a keras.losses function or Loss object, so it "
                         "cannot be saved by name")
    return name
