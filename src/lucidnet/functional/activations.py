"""Activation functions: each a Function with its forward and derivative side by side.

Notation: x is the input (any shape), y = f(x) the output, dY = dL/dy; the backward
returns dL/dx = dY ⊙ f'(x). Every function is registered under its Keras name with
the facts a student asks about (``lucidnet.activations.info('relu')``) and the input
domain and kinks at which the test suite checks its gradient.
"""

from __future__ import annotations

from lucidnet import backend
from lucidnet.activations import Facts
from lucidnet.autograd import Function
from lucidnet.registry import ACTIVATIONS

__all__ = ["relu", "sigmoid"]


class Sigmoid(Function):
    """σ(x) = 1 / (1 + e^{−x});  σ'(x) = σ(x)(1 − σ(x)).

    Computed as e^{x}/(1 + e^{x}) for x < 0 and 1/(1 + e^{−x}) otherwise, so no
    exponent is ever positive: finite for any x (|x| = 1e4 included).
    """

    def forward(self, x):
        xp = backend.xp
        z = xp.exp(-xp.abs(x))  # in (0, 1]: never overflows
        self.y = xp.where(x >= 0, 1 / (1 + z), z / (1 + z))
        return self.y

    def backward(self, dY):
        return dY * self.y * (1 - self.y)


@ACTIVATIONS.register(
    "sigmoid",
    domain=(-8.0, 8.0),
    facts=Facts(
        range="(0, 1)",
        zero_centred=False,
        monotonic=True,
        smooth=True,
        saturating="both sides: σ'(x) < 0.05 for |x| > 3; σ'(x) ≤ 1/4",
        needs_exp=True,
        used_in="output of binary and multilabel classification (with binary cross-entropy); "
        "historical hidden layers (vanishing gradients)",
    ),
)
def sigmoid(x):
    """σ(x) = 1/(1 + e^{−x}), the logistic function (see :class:`Sigmoid`)."""
    return Sigmoid.apply(x)


class ReLU(Function):
    """relu(x) = max(0, x);  relu'(x) = 1 for x > 0, 0 for x ≤ 0.

    At the kink x = 0 the derivative is taken as 0 (as PyTorch, JAX and TensorFlow):
    a unit exactly at 0 passes no gradient.
    """

    def forward(self, x):
        self.active = x > 0
        return backend.xp.maximum(x, 0, dtype=x.dtype) if x.dtype.kind == "f" else x * self.active

    def backward(self, dY):
        return dY * self.active


@ACTIVATIONS.register(
    "relu",
    domain=(-3.0, 3.0),
    kinks=(0.0,),
    facts=Facts(
        range="[0, ∞)",
        zero_centred=False,
        monotonic=True,
        smooth=False,
        saturating="left side only (gradient 0 for x < 0: units can die)",
        needs_exp=False,
        used_in="default for hidden layers",
    ),
)
def relu(x):
    """max(0, x), the rectified linear unit (see :class:`ReLU`)."""
    return ReLU.apply(x)
