"""Normalization: standardize features with fixed statistics, or undo it (``invert``).

The preprocessing that belongs to a model, saved with it: ``adapt(x)`` measures the
training data's mean μ and variance σ² once, and every later input (evaluate,
predict, a row a user types) goes through the same arithmetic as the training data.
Keras's ``layers.Normalization``; μ and σ² are buffers, not learned.
Shape legend: N batch, D features; (*) any leading axes.
"""

from __future__ import annotations

import numbers

from lucidnet import backend
from lucidnet.autograd import Function, Tensor
from lucidnet.nn.module import LAYERS, Module, as_input

__all__ = ["Normalization", "NormalizationFunction", "normalization"]


class NormalizationFunction(Function):
    """Standardization with fixed statistics, or its inverse.

        s = max(√σ², ε)
        Y = (X − μ) / s        dX = dY / s        (invert=False)
        Y = μ + X · s          dX = dY · s        (invert=True)

    μ, σ² broadcast against X: (D,) per feature, or () for one pair for every value.
    ε (1e-7, Keras's) keeps a constant feature (σ² = 0) finite. Shape: (*, D) → (*, D).
    """

    def __init__(self, mean, variance, invert: bool = False, epsilon: float = 1e-7):
        self.mean, self.invert = mean, invert
        self.scale = backend.xp.maximum(backend.xp.sqrt(variance), variance.dtype.type(epsilon))

    def forward(self, X):
        if self.invert:
            Y = X * self.scale
            Y += self.mean  # in place: one array of the batch's size, not two
            return Y
        Y = X - self.mean
        Y /= self.scale
        return Y

    def backward(self, dY):
        return dY * self.scale if self.invert else dY / self.scale


def normalization(x, mean, variance, invert: bool = False, epsilon: float = 1e-7):
    """(x − μ)/max(√σ², ε), or μ + x·max(√σ², ε) when ``invert`` (see
    :class:`NormalizationFunction`); computed in the statistics' dtype."""
    return NormalizationFunction.apply(as_input(x, mean.dtype), mean=mean, variance=variance,
                                       invert=invert, epsilon=epsilon)


@LAYERS.register("Normalization")
class Normalization(Module):
    """Standardizes each of ``num_features`` features with a fixed mean and variance
    (None: one mean and variance for all values), or undoes it when ``invert`` (a
    regression head that predicts standardized targets then speaks in their units).

    ``adapt(x)`` sets the statistics from data (the population variance, as Keras);
    ``mean`` and ``variance`` may be given instead. Buffers ``mean``, ``variance``
    (start at 0 and 1: the identity). Shape: (*, D) → (*, D).
    """

    def __init__(self, num_features: int | None = None, mean=None, variance=None,
                 invert: bool = False, epsilon: float = 1e-7):
        super().__init__()
        if num_features is not None and (not isinstance(num_features, numbers.Integral)
                                         or isinstance(num_features, bool) or num_features < 1):
            raise ValueError(f"Normalization: num_features must be a positive integer or None, "
                             f"got {num_features!r}")
        if not epsilon > 0:
            raise ValueError(f"Normalization: epsilon must be positive, got {epsilon!r}")
        self.num_features = None if num_features is None else int(num_features)
        self.invert, self.epsilon = bool(invert), float(epsilon)
        shape = () if self.num_features is None else (self.num_features,)
        xp, dtype = backend.xp, backend.get_default_dtype()
        self.register_buffer("mean", xp.zeros(shape, dtype=dtype))
        self.register_buffer("variance", xp.ones(shape, dtype=dtype))
        if mean is not None or variance is not None:
            self.set_statistics(0.0 if mean is None else mean, 1.0 if variance is None else variance)

    def set_statistics(self, mean, variance) -> None:
        """Copy ``mean`` and ``variance`` (broadcast to the buffers' shape) into the buffers."""
        xp = backend.xp
        for name, value in (("mean", mean), ("variance", variance)):
            buffer = getattr(self, name)
            value = xp.asarray(value, dtype=buffer.dtype)
            try:
                buffer[...] = xp.broadcast_to(value, buffer.shape)
            except ValueError:
                raise ValueError(f"{self.label()}: {name} of shape {tuple(value.shape)} does not "
                                 f"fit {len(buffer) if buffer.ndim else 'one'} feature(s)") from None
        if not bool(xp.isfinite(self.mean).all() and xp.isfinite(self.variance).all()):
            raise ValueError(f"{self.label()}: the mean and variance must be finite")
        if bool((self.variance < 0).any()):
            raise ValueError(f"{self.label()}: a variance cannot be negative")

    def adapt(self, x) -> Normalization:
        """Set μ and σ² from ``x`` (N, …, D): over every axis but the last, or over all
        values when ``num_features`` is None. Computed in float64."""
        x = backend.xp.asarray(x.numpy() if isinstance(x, Tensor) else x, dtype="float64")
        if x.size == 0:
            raise ValueError(f"{self.label()}.adapt: got no data (shape {tuple(x.shape)})")
        if self.num_features is not None:
            self.check_features(x, self.num_features)
        axes = None if self.num_features is None else tuple(range(x.ndim - 1))
        self.set_statistics(x.mean(axis=axes), x.var(axis=axes))
        return self

    def input_dtype(self, params):
        """The statistics' dtype (there is no parameter to take it from)."""
        return self.mean.dtype

    def check_input(self, x) -> None:
        if self.num_features is not None:
            self.check_features(x, self.num_features)

    def function(self):
        return NormalizationFunction(self.mean, self.variance, self.invert, self.epsilon), ()

    def get_config(self) -> dict:
        return {"num_features": self.num_features, "invert": self.invert, "epsilon": self.epsilon}

    def extra_repr(self) -> str:
        return f"{self.num_features}, invert={self.invert}, epsilon={self.epsilon}"
