"""Core layers: Linear, Flatten, Dropout and BatchNorm1d, each beside the Function it runs.

The lecture's row-vector convention throughout: a batch X (N, D) is multiplied on the
right, Y = X W + b with W (D, M). PyTorch's Linear stores Wᵀ (M, D) and computes X Wᵀ + b;
the same layer has the same ``state_dict`` names here ('weight', 'bias'), with the weight
transposed. Shape legend: N batch, D input features, M output features, C features of
BatchNorm; (*) any leading axes.

Inputs are cast to the layer's float dtype, as Keras does: a float64 NumPy batch (NumPy's
default) feeds a float32 model, which computes in float32 (the cast is differentiable:
a float64 input gets a float64 gradient). PyTorch instead refuses mixed dtypes.
"""

from __future__ import annotations

import math
import numbers

import numpy

from lucidnet import backend, initializers
from lucidnet.autograd import Function, Tensor
from lucidnet.errors import ShapeError
from lucidnet.nn import init
from lucidnet.nn.module import LAYERS, Module, Parameter, as_input

__all__ = ["BatchNorm1d", "Dropout", "Flatten", "Linear", "batch_norm", "dropout", "linear"]


def _positive_int(value, who: str, arg: str) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{who}: {arg} must be a positive integer, got {value!r}")
    return int(value)


# -- Linear -------------------------------------------------------------------------
class LinearFunction(Function):
    """The affine map of a dense layer, fused into one operation.

        Y = X W + b        dX = dY Wᵀ        dW = Xᵀ dY        db = Σₙ dY

    Shapes: X (*, D), W (D, M), b (M,) or None → Y (*, M); the leading axes are merged
    into one batch axis for the two matrix products (one BLAS call each). X may be a
    SciPy sparse (N, D) matrix: X W and Xᵀ dY are then sparse products and X, a constant,
    gets no gradient.

    ``transposed=True`` takes PyTorch's layout A = Wᵀ (M, D): Y = X Aᵀ + b, dA = dYᵀ X
    (the same products; only the weight and its gradient are read and written transposed).
    """

    def __init__(self, transposed: bool = False):
        self.transposed = transposed

    def forward(self, X, W, b):
        self.X, self.W = X, W
        W = W.T if self.transposed else W
        D, M = W.shape
        Y = (X if X.ndim == 2 else X.reshape(-1, D)) @ W
        if b is not None:
            Y += b  # in place: Y is a fresh product
        return Y if X.ndim == 2 else Y.reshape(X.shape[:-1] + (M,))

    def backward(self, dY):
        X, W, xp = self.X, self.W, backend.xp
        W = W.T if self.transposed else W
        D, M = W.shape
        _, dW_out, db_out = self.grad_out or (None, None, None)
        dY2 = dY if dY.ndim == 2 else dY.reshape(-1, M)
        dX = (dY2 @ W.T).reshape(X.shape) if self.needs_grad[0] else None
        dW = db = None
        if self.needs_grad[1]:
            XT = (X if X.ndim == 2 else X.reshape(-1, D)).T
            left, right = (dY2.T, XT.T) if self.transposed else (XT, dY2)  # dA = dYᵀ X
            dW = (xp.matmul(left, right, out=dW_out)
                  if dW_out is not None and isinstance(X, xp.ndarray)
                  else left @ right)  # a SciPy sparse X: a sparse product
        if self.needs_grad[2]:
            db = dY2.sum(axis=0, out=db_out)
        return dX, dW, db


def linear(x, weight, bias=None):
    """Y = X W + b for X (*, D), W (D, M), b (M,) (see :class:`LinearFunction`).

    The lecture's layout; PyTorch's ``F.linear(x, A, b)`` is X Aᵀ + b, so A = Wᵀ.
    """
    return LinearFunction.apply(as_input(x, weight.dtype), weight, bias)


@LAYERS.register("Linear")
class Linear(Module):
    """Fully connected layer: Y = X W + b (see :class:`LinearFunction` for the backward).

    Parameters: ``weight`` W (in_features, out_features) — the transpose of PyTorch's
    (out, in) storage, so ``torch_linear.weight.T`` is this W —, ``bias`` b (out_features,).
    Init (PyTorch's ``reset_parameters``): W ~ U(−1/√D, 1/√D) (``kaiming_uniform_`` with
    a = √5) and b ~ U(−1/√D, 1/√D), D = in_features; ``weight_init``/``bias_init`` take
    any initializer instead ('glorot_uniform', 'zeros', an object, a config dict).
    ``name`` appears in error messages. Shape: (*, D) → (*, M); X may be SciPy sparse (N, D).

    >>> Linear(784, 10)
    Linear(in_features=784, out_features=10, bias=True)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 weight_init=None, bias_init=None, name: str | None = None):
        super().__init__()
        self.name = name
        self.in_features = _positive_int(in_features, self.label(), "in_features")
        self.out_features = _positive_int(out_features, self.label(), "out_features")
        if not isinstance(bias, bool):
            raise TypeError(f"{self.label()}: bias must be True or False, got {bias!r}")
        self._init_ids = {"weight_init": weight_init, "bias_init": bias_init}
        self.weight_init = initializers.get(weight_init)
        self.bias_init = initializers.get(bias_init)
        xp, dtype = backend.xp, backend.get_default_dtype()
        self.weight = Parameter(xp.empty((self.in_features, self.out_features), dtype=dtype))
        if bias:
            self.bias = Parameter(xp.empty(self.out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw W and b again from their initial distributions."""
        if self.weight_init is None:
            init.kaiming_uniform_(self.weight, a=math.sqrt(5))  # U(−1/√D, 1/√D), as PyTorch
        else:
            self.weight.data[...] = self.weight_init(self.weight.shape, dtype=self.weight.dtype)
        if self.bias is None:
            return
        if self.bias_init is None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound)
        else:
            self.bias.data[...] = self.bias_init(self.bias.shape, dtype=self.bias.dtype)

    def function(self):
        return LinearFunction(), (self.weight, self.bias)

    def check_input(self, x) -> None:
        self.check_features(x, self.in_features)

    def get_config(self) -> dict:
        config = {"in_features": self.in_features, "out_features": self.out_features,
                  "bias": self.bias is not None}
        for key, identifier in self._init_ids.items():
            if identifier is not None:  # a name stays a name; an object becomes its config
                config[key] = (identifier if isinstance(identifier, (str, dict))
                               else initializers.serialize(getattr(self, key)))
        if self.name is not None:
            config["name"] = self.name
        return config

    def extra_repr(self) -> str:
        text = (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
        for key, identifier in self._init_ids.items():
            if identifier is not None:
                text += f", {key}={getattr(identifier, '__name__', identifier)!r}"
        return text if self.name is None else f"{text}, name={self.name!r}"


# -- Flatten ------------------------------------------------------------------------
@LAYERS.register("Flatten")
class Flatten(Module):
    """Merges the axes ``start_dim`` … ``end_dim`` into one: (N, H, W, C) → (N, H·W·C).

    A reshape (no copy for a contiguous input); the backward reshapes dY back.
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        x = x if isinstance(x, Tensor) else Tensor(x)
        shape, n = x.shape, max(x.ndim, 1)  # a scalar flattens to (1,), as torch.flatten
        if not (-n <= self.start_dim < n and -n <= self.end_dim < n):
            raise ShapeError(f"{self.label()}(start_dim={self.start_dim}, end_dim={self.end_dim}) "
                             f"names an axis outside an input of shape {shape}")
        start, end = self.start_dim % n, self.end_dim % n
        if start > end:
            raise ShapeError(f"{self.label()}(start_dim={self.start_dim}, end_dim={self.end_dim}): "
                             f"start_dim comes after end_dim for an input of shape {shape}")
        return x.reshape(shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:])

    def get_config(self) -> dict:
        return {"start_dim": self.start_dim, "end_dim": self.end_dim}


# -- Dropout ------------------------------------------------------------------------
class DropoutFunction(Function):
    """Inverted dropout: each unit is kept with probability 1 − p and scaled by 1/(1 − p).

        Y = X ⊙ M / (1 − p)        dX = dY ⊙ M / (1 − p)        Mᵢ ~ Bernoulli(1 − p)

    E[Y] = X, so evaluation uses the layer unchanged (no rescaling at test time).
    The keep mask M is drawn from ``backend.rng()`` unless given (``mask``, 0/1 or
    boolean, of X's shape). Shape: (*) → (*).
    """

    def __init__(self, p: float, mask=None):
        self.p, self.mask = p, mask

    def forward(self, X):
        if self.mask is None:
            # float32 uniforms: half the cost of float64, and P(U ≥ p) is exact to 2⁻²⁴
            keep = backend.asarray(backend.rng().random(X.shape, dtype=numpy.float32) >= self.p)
        else:
            keep = backend.xp.asarray(self.mask, dtype=bool)
        self.scaled_mask = keep * X.dtype.type(1 / (1 - self.p))
        return X * self.scaled_mask

    def backward(self, dY):
        return dY * self.scaled_mask


def _check_probability(p, who: str) -> float:
    if not isinstance(p, numbers.Real) or isinstance(p, bool) or not 0 <= p < 1:
        raise ValueError(f"{who}: p is the probability of dropping a unit and must satisfy "
                         f"0 ≤ p < 1, got {p!r}")
    return float(p)


def dropout(x, p: float = 0.5, training: bool = True):
    """Inverted dropout of ``x`` with drop probability ``p`` (see :class:`DropoutFunction`);
    the identity when not ``training`` or when p = 0."""
    p = _check_probability(p, "dropout")
    x = x if isinstance(x, Tensor) else Tensor(x)
    if not training or p == 0:
        return x
    x = x if x.dtype.kind == "f" else x.astype(backend.get_default_dtype())
    return DropoutFunction.apply(x, p=p)


@LAYERS.register("Dropout")
class Dropout(Module):
    """Drops each unit with probability ``p`` in training, scaling the kept ones by 1/(1 − p);
    the identity in evaluation (see :class:`DropoutFunction`). Shape: (*) → (*).

    Keras's ``Dropout(rate)``: rate = p. PyTorch's ``inplace`` is not offered.
    """

    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = _check_probability(p, "Dropout")

    def forward(self, x):
        return dropout(x, self.p, self.training)  # the identity when not training

    def function(self):
        return (DropoutFunction(self.p), ()) if self.training and self.p else None

    def get_config(self) -> dict:
        return {"p": self.p}


# -- BatchNorm1d --------------------------------------------------------------------
class BatchNormFunction(Function):
    """Batch normalization of X (N, C) per feature, then scale γ and shift β.

    Training (batch statistics, the biased variance):
        μ = (1/N) Σₙ xₙ    σ² = (1/N) Σₙ (xₙ − μ)²    x̂ = (x − μ)/√(σ² + ε)    y = γ x̂ + β
        dx̂ = dY ⊙ γ        dX = (1/N)·(1/√(σ² + ε))·(N dx̂ − Σₙ dx̂ − x̂ ⊙ Σₙ(dx̂ ⊙ x̂))
    The two sums are the gradient through μ and σ², which depend on every row.
    Evaluation (fixed running statistics μᵣ, σᵣ²): x̂ = (x − μᵣ)/√(σᵣ² + ε), dX = dx̂/√(σᵣ² + ε).
    Both: dγ = Σₙ dY ⊙ x̂, dβ = Σₙ dY. γ, β may be None (no affine step).

    In training, running statistics passed in are updated in place, as PyTorch's:
    r ← (1 − m)·r + m·batch, with the unbiased variance N/(N − 1)·σ² for the running one.
    """

    def __init__(self, training: bool, eps: float, running_mean=None, running_var=None,
                 momentum: float = 0.1):
        self.training, self.eps = training, eps
        self.running_mean, self.running_var, self.momentum = running_mean, running_var, momentum

    def forward(self, X, gamma, beta):
        if self.training:
            N = X.shape[0]
            mu = X.mean(axis=0)
            Xc = X - mu
            var = (Xc * Xc).mean(axis=0)
            if self.running_mean is not None:
                m = self.momentum
                self.running_mean *= 1 - m
                self.running_mean += m * mu
                self.running_var *= 1 - m
                self.running_var += (m * N / (N - 1)) * var
        else:
            Xc = X - self.running_mean
            var = self.running_var
        self.inv_std = 1 / backend.xp.sqrt(var + self.eps)
        self.X_hat = Xc * self.inv_std
        self.gamma = gamma
        Y = self.X_hat if gamma is None else self.X_hat * gamma
        return Y if beta is None else Y + beta

    def backward(self, dY):
        X_hat, inv_std = self.X_hat, self.inv_std
        dgamma = (dY * X_hat).sum(axis=0) if self.needs_grad[1] else None
        dbeta = dY.sum(axis=0) if self.needs_grad[2] else None
        dX = None
        if self.needs_grad[0]:
            dX_hat = dY if self.gamma is None else dY * self.gamma
            if self.training:
                N = dY.shape[0]
                dX = (inv_std / N) * (N * dX_hat - dX_hat.sum(axis=0)
                                      - X_hat * (dX_hat * X_hat).sum(axis=0))
            else:
                dX = dX_hat * inv_std
        return dX, dgamma, dbeta


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5):
    """Batch normalization of x (N, C) as PyTorch's ``F.batch_norm`` (see
    :class:`BatchNormFunction`): batch statistics when ``training`` (updating the running
    ones in place when given), else the running ones."""
    if not isinstance(x, Tensor):
        x = Tensor(x)
    if training and x.shape[0] < 2:
        raise ShapeError(f"batch_norm needs more than 1 sample per batch in training, got "
                         f"shape {tuple(x.shape)}")
    if not training and running_mean is None:
        raise ValueError("batch_norm: evaluation needs running_mean and running_var")
    return BatchNormFunction.apply(x, weight, bias, training=training, eps=eps,
                                   running_mean=running_mean, running_var=running_var,
                                   momentum=momentum)


@LAYERS.register("BatchNorm1d")
class BatchNorm1d(Module):
    """Normalizes each feature over the batch, then y = γ x̂ + β (Ioffe & Szegedy 2015).

    Training uses the batch's mean and (biased) variance and updates ``running_mean`` and
    ``running_var`` (unbiased) with r ← (1 − momentum)·r + momentum·batch (momentum None:
    the cumulative average over ``num_batches_tracked`` batches); evaluation uses the
    running ones. See :class:`BatchNormFunction` for the backward.
    Parameters γ (``weight``, init 1), β (``bias``, init 0), when ``affine``. Buffers
    ``running_mean`` (0), ``running_var`` (1), ``num_batches_tracked`` (int64), when
    ``track_running_stats`` (without them, batch statistics in evaluation too).
    Shape: (N, C) → (N, C); N > 1 in training. Keras's momentum μ is 1 − momentum here.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True):
        super().__init__()
        self.num_features = _positive_int(num_features, "BatchNorm1d", "num_features")
        if momentum is not None and not 0 <= momentum <= 1:
            raise ValueError(f"BatchNorm1d: momentum must be in [0, 1] or None, got {momentum!r}")
        if not eps > 0:
            raise ValueError(f"BatchNorm1d: eps must be positive, got {eps!r}")
        self.eps, self.momentum = eps, momentum
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        xp, dtype, C = backend.xp, backend.get_default_dtype(), self.num_features
        if self.affine:
            self.weight = Parameter(xp.ones(C, dtype=dtype))
            self.bias = Parameter(xp.zeros(C, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", xp.zeros(C, dtype=dtype))
            self.register_buffer("running_var", xp.ones(C, dtype=dtype))
            self.register_buffer("num_batches_tracked", xp.zeros((), dtype="int64"))
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batch seen."""
        if self.track_running_stats:
            self.running_mean[...] = 0
            self.running_var[...] = 1
            self.num_batches_tracked[...] = 0

    def reset_parameters(self) -> None:
        """γ = 1, β = 0 and fresh running statistics."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def forward(self, x):
        if self.weight is not None or self.running_mean is not None:
            dtype = (self.running_mean if self.weight is None else self.weight).dtype
        elif isinstance(x, Tensor) and x.dtype.kind == "f":
            dtype = x.dtype
        else:
            dtype = backend.get_default_dtype()
        x = as_input(x, dtype)
        if x.ndim != 2:
            raise ShapeError(f"{self.label()} expects inputs of shape (N, {self.num_features}), "
                             f"got shape {tuple(x.shape)}")
        self.check_features(x, self.num_features)
        batch_stats = self.training or not self.track_running_stats
        if batch_stats and x.shape[0] < 2:
            raise ShapeError(f"{self.label()} needs more than 1 sample per batch in training "
                             f"(the variance of one sample is 0), got shape {tuple(x.shape)}")
        momentum = 0.0
        if self.training and self.track_running_stats:
            self.num_batches_tracked += 1
            momentum = (1 / float(self.num_batches_tracked) if self.momentum is None
                        else float(self.momentum))
        return BatchNormFunction.apply(
            x, self.weight, self.bias, training=batch_stats, eps=self.eps,
            running_mean=self.running_mean, running_var=self.running_var, momentum=momentum)

    def get_config(self) -> dict:
        return {"num_features": self.num_features, "eps": self.eps, "momentum": self.momentum,
                "affine": self.affine, "track_running_stats": self.track_running_stats}

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")
