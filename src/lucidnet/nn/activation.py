"""Activation layers: a Module around each function of :mod:`lucidnet.functional.activations`.

PyTorch's names and defaults (``nn.LeakyReLU(negative_slope=0.01)``, ``nn.Softmax(dim=-1)``);
the mathematics, derivative and kink convention of each is in its function's docstring.
Two hold parameters: :class:`PReLU` (learned slopes) and :class:`Maxout` (k linear pieces
per unit); as every layer with parameters, they cast inputs to their parameters' dtype
(see :mod:`lucidnet.nn.layers`). Shape legend: N batch, D features; (*) any shape.
"""

from __future__ import annotations

import math

from lucidnet import activations
from lucidnet import backend
from lucidnet import functional as F
from lucidnet.functional import activations as A
from lucidnet.nn.layers import linear
from lucidnet.nn.module import LAYERS, Module, Parameter, as_input

__all__ = [
    "Abs",
    "Activation",
    "BinaryStep",
    "ELU",
    "GELU",
    "Hardsigmoid",
    "Identity",
    "LeakyReLU",
    "LogSoftmax",
    "Maxout",
    "PReLU",
    "ReLU",
    "SELU",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Swish",
    "Tanh",
]


# -- without configuration ----------------------------------------------------------
@LAYERS.register("Identity")
class Identity(Module):
    """Returns its input unchanged (a placeholder layer). Shape: (*) → (*)."""

    def forward(self, x):
        return x


@LAYERS.register("BinaryStep")
class BinaryStep(Module):
    """1 where x ≥ 0, else 0; derivative 0 (see :func:`~lucidnet.functional.binary_step`)."""

    def function(self):
        return A.BinaryStep(), ()


@LAYERS.register("Sigmoid")
class Sigmoid(Module):
    """σ(x) = 1/(1 + e^{−x}) elementwise (see :func:`~lucidnet.functional.sigmoid`)."""

    def function(self):
        return A.Sigmoid(), ()


@LAYERS.register("Tanh")
class Tanh(Module):
    """tanh(x) elementwise (see :func:`~lucidnet.functional.tanh`). Shape: (*) → (*)."""

    def function(self):
        return A.Tanh(), ()


@LAYERS.register("Hardsigmoid")
class Hardsigmoid(Module):
    """clip(x/6 + 1/2, 0, 1) elementwise (see :func:`~lucidnet.functional.hard_sigmoid`)."""

    def function(self):
        return A.HardSigmoid(), ()


@LAYERS.register("ReLU")
class ReLU(Module):
    """max(0, x) elementwise (see :func:`~lucidnet.functional.relu`). Shape: (*) → (*)."""

    def function(self):
        return A.ReLU(), ()


@LAYERS.register("Abs")
class Abs(Module):
    """|x| elementwise, derivative sign(x) (see :func:`~lucidnet.functional.absolute`)."""

    def function(self):
        return A.Abs(), ()


@LAYERS.register("SELU")
class SELU(Module):
    """λ·elu(x, α) with the self-normalizing constants (see :func:`~lucidnet.functional.selu`)."""

    def function(self):
        return A.SELU(), ()


# -- with configuration -------------------------------------------------------------
@LAYERS.register("LeakyReLU")
class LeakyReLU(Module):
    """max(0, x) + s·min(0, x), s = ``negative_slope`` (0.01 as PyTorch; Keras's layer: 0.3).

    See :func:`~lucidnet.functional.leaky_relu`. Shape: (*) → (*).
    """

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def function(self):
        return A.LeakyReLU(self.negative_slope), ()

    def get_config(self) -> dict:
        return {"negative_slope": self.negative_slope}


@LAYERS.register("ELU")
class ELU(Module):
    """x for x > 0, α(eˣ − 1) otherwise (see :func:`~lucidnet.functional.elu`)."""

    def __init__(self, alpha: float = 1.0):
        super().__init__()
        self.alpha = alpha

    def function(self):
        return A.ELU(self.alpha), ()

    def get_config(self) -> dict:
        return {"alpha": self.alpha}


@LAYERS.register("GELU")
class GELU(Module):
    """x·Φ(x), exact (``approximate='none'``) or via tanh (see :func:`~lucidnet.functional.gelu`).

    Keras's ``gelu`` defaults to the tanh approximation; PyTorch and this layer to 'none'.
    """

    def __init__(self, approximate: str = "none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def function(self):
        return A.GELU(self.approximate), ()

    def get_config(self) -> dict:
        return {"approximate": self.approximate}


@LAYERS.register("SiLU", "Swish")
class SiLU(Module):
    """x·σ(βx), β constant (1 as PyTorch's SiLU) (see :func:`~lucidnet.functional.silu`)."""

    def __init__(self, beta: float = 1.0):
        super().__init__()
        self.beta = beta

    def function(self):
        return A.SiLU(self.beta), ()

    def get_config(self) -> dict:
        return {"beta": self.beta}


Swish = SiLU


@LAYERS.register("Softplus")
class Softplus(Module):
    """(1/β) ln(1 + e^{βx}), x where βx > threshold (see :func:`~lucidnet.functional.softplus`)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        if beta == 0:
            raise ValueError("Softplus: beta must be non-zero, got 0")
        self.beta, self.threshold = beta, threshold

    def function(self):
        return A.Softplus(self.beta, self.threshold), ()

    def get_config(self) -> dict:
        return {"beta": self.beta, "threshold": self.threshold}


@LAYERS.register("Softmax")
class Softmax(Module):
    """e^{xᵢ}/Σⱼ e^{xⱼ} along ``dim`` (see :func:`~lucidnet.functional.softmax`).

    Shape: (*) → (*); with (N, C) logits and dim = −1 each row sums to 1. PyTorch's
    default ``dim=None`` guesses an axis; here it is −1, the class axis.
    """

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def function(self):
        return A.Softmax(self.dim), ()

    def get_config(self) -> dict:
        return {"dim": self.dim}


@LAYERS.register("LogSoftmax")
class LogSoftmax(Module):
    """xᵢ − ln Σⱼ e^{xⱼ} along ``dim`` (see :func:`~lucidnet.functional.log_softmax`).

    Shape: (*) → (*). ``dim`` defaults to −1 (PyTorch: None, an axis guessed).
    """

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def function(self):
        return A.LogSoftmax(self.dim), ()

    def get_config(self) -> dict:
        return {"dim": self.dim}


# -- with parameters ----------------------------------------------------------------
@LAYERS.register("PReLU")
class PReLU(Module):
    """max(0, x) + α ⊙ min(0, x) with learned slopes α (``weight``), as PyTorch's PReLU.

    weight: (num_parameters,): 1 slope shared by all features, or one per feature D of
    the last axis (PyTorch: per channel on axis 1; the same for (N, D) inputs).
    Init: every slope = ``init`` (0.25). Shape: (*, D) → (*, D).
    See :func:`~lucidnet.functional.prelu` for the gradient w.r.t. α.
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25):
        super().__init__()
        if num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be ≥ 1, got {num_parameters}")
        self.num_parameters, self.init = num_parameters, init
        dtype = backend.get_default_dtype()
        self.weight = Parameter(backend.xp.empty(num_parameters, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.weight.data[...] = self.init

    def forward(self, x):
        x = as_input(x, self.weight.dtype)  # a float32 layer computes in float32
        if self.num_parameters > 1:
            self.check_features(x, self.num_parameters)
        return F.prelu(x, self.weight)

    def get_config(self) -> dict:
        return {"num_parameters": self.num_parameters, "init": self.init}


@LAYERS.register("Maxout")
class Maxout(Module):
    """Y = maxout(X W + b, k): a linear layer with k pieces per unit, then the max of each.

    Unit j takes the max of columns j·k … j·k + k − 1 of X W + b (contiguous pieces,
    see :func:`~lucidnet.functional.maxout`): a learned convex piecewise-linear
    activation (Goodfellow et al. 2013).
    Shapes: X (N, in_features) → Y (N, out_features); weight W (in_features,
    out_features·k) (the lecture's X W layout: PyTorch's Linear stores Wᵀ), bias b
    (out_features·k,). Init: W, b ~ U(−1/√in_features, 1/√in_features), as PyTorch's Linear.
    """

    def __init__(self, in_features: int, out_features: int, pieces: int):
        super().__init__()
        sizes = {"in_features": in_features, "out_features": out_features, "pieces": pieces}
        for arg, value in sizes.items():
            if value < 1:
                raise ValueError(f"Maxout: {arg} must be ≥ 1, got {value}")
        self.in_features, self.out_features, self.pieces = in_features, out_features, pieces
        xp, dtype = backend.xp, backend.get_default_dtype()
        self.weight = Parameter(xp.empty((in_features, out_features * pieces), dtype=dtype))
        self.bias = Parameter(xp.empty(out_features * pieces, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.in_features)
        for p in (self.weight, self.bias):
            values = backend.rng().uniform(-bound, bound, size=p.shape)
            p.data[...] = backend.asarray(values, dtype=p.dtype)

    def forward(self, x):
        x = as_input(x, self.weight.dtype)  # a float32 layer computes in float32
        self.check_features(x, self.in_features)
        return F.maxout(linear(x, self.weight, self.bias), self.pieces)

    def get_config(self) -> dict:
        return {
            "in_features": self.in_features,
            "out_features": self.out_features,
            "pieces": self.pieces,
        }


# -- any registered activation ------------------------------------------------------
@LAYERS.register("Activation")
class Activation(Module):
    """Applies an activation given by its registry name or as a callable (as Keras's layer).

    ``Activation('relu')``, ``Activation(F.tanh)``; ``None`` is 'linear'. A registered
    activation is its Function (the layer fuses and is saved by name); any other callable
    is run as written and cannot be saved. Names needing more than x ('prelu', 'maxout')
    are refused: use the PReLU or Maxout layer. Shape: (*) → (*).
    """

    def __init__(self, activation):
        super().__init__()
        self.spec = activations.spec("linear" if activation is None else activation)
        if self.spec is None and not callable(activation):
            raise TypeError(f"Activation: expected an activation name, config or callable, "
                            f"got {type(activation).__name__}")
        self.fn = self.spec or activation

    @property
    def activation(self) -> str | None:
        """The registry name, None for a callable that is no registered activation."""
        return None if self.spec is None else self.spec.name

    def function(self):
        return None if self.spec is None else (self.spec.function(), ())

    def forward(self, x):
        return self.fn(x)  # a registered activation: its function, as function() says

    def get_config(self) -> dict:
        if self.spec is None:
            raise ValueError(
                f"Activation: {self.fn!r} is not a registered activation, so it cannot be "
                "saved; register it with ACTIVATIONS.register(name, function=...)"
            )
        return {"activation": self.spec.config()}

    def extra_repr(self) -> str:
        return repr(self.spec.config() if self.spec else getattr(self.fn, "__qualname__", self.fn))
