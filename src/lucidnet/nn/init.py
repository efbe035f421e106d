"""PyTorch-style initialization in place: ``nn.init.kaiming_uniform_(layer.weight)``.

Each function overwrites a Tensor's values (no gradient is recorded) with a draw from
``backend.rng()`` and returns the tensor. Names, arguments and defaults are
``torch.nn.init``'s; the fans are read for lucidnet's weight layout (…, in, out):
a Linear weight W (D, M) has fan_in = D = shape[0], fan_out = M = shape[1], where
PyTorch's (out, in) weight has them the other way round, so the same layer gets the same
distribution in both libraries. See :func:`lucidnet.initializers.compute_fans`.

    xavier_uniform_   U(−a, a), a = gain·√(6/(fan_in + fan_out))
    xavier_normal_    N(0, σ²), σ = gain·√(2/(fan_in + fan_out))
    kaiming_uniform_  U(−a, a), a = √3·g/√fan, g = calculate_gain(nonlinearity, a)
    kaiming_normal_   N(0, σ²), σ = g/√fan

These normals are untruncated, as PyTorch's (Keras's 'glorot_normal', 'he_normal' are
truncated: see :mod:`lucidnet.initializers`).
"""

from __future__ import annotations

import math

from lucidnet import backend
from lucidnet.autograd import Tensor
from lucidnet.initializers import calculate_gain, compute_fans, orthogonal, truncated_normal

__all__ = [
    "calculate_gain",
    "constant_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]


def _fill(tensor: Tensor, values) -> Tensor:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"nn.init functions fill a Tensor or Parameter, got {type(tensor).__name__}")
    tensor.data[...] = backend.asarray(values, dtype=tensor.dtype)
    return tensor


def _fans(tensor: Tensor) -> tuple[int, int]:
    if tensor.ndim < 2:
        raise ValueError(f"fan_in and fan_out need a tensor of 2 or more axes, got shape {tensor.shape}")
    return compute_fans(tensor.shape)


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """W ~ U(a, b)."""
    return _fill(tensor, backend.rng().uniform(a, b, tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """W ~ N(mean, std²)."""
    return _fill(tensor, backend.rng().normal(mean, std, tensor.shape))


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0) -> Tensor:
    """W ~ N(mean, std²) restricted to [a, b] (a and b are values, not multiples of std)."""
    return _fill(tensor, truncated_normal(backend.rng(), tensor.shape, mean, std, a, b))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """W = val everywhere."""
    return _fill(tensor, val)


def zeros_(tensor: Tensor) -> Tensor:
    """W = 0."""
    return _fill(tensor, 0)


def ones_(tensor: Tensor) -> Tensor:
    """W = 1."""
    return _fill(tensor, 1)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """W ~ U(−a, a), a = gain·√(6/(fan_in + fan_out)) (Glorot & Bengio 2010)."""
    fan_in, fan_out = _fans(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """W ~ N(0, σ²), σ = gain·√(2/(fan_in + fan_out)), untruncated."""
    fan_in, fan_out = _fans(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> Tensor:
    """W ~ U(−√3·σ, √3·σ), σ = calculate_gain(nonlinearity, a)/√fan (He et al. 2015).

    ``a`` is the leaky ReLU slope; the defaults (a = 0, 'leaky_relu') give the ReLU gain
    √2, so U(−√(6/fan_in), √(6/fan_in)). nn.Linear uses a = √5: U(−1/√fan_in, 1/√fan_in).
    """
    if tensor.size == 0:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> Tensor:
    """W ~ N(0, σ²), σ = calculate_gain(nonlinearity, a)/√fan, untruncated (He et al. 2015)."""
    if tensor.size == 0:
        return tensor
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode)))


def orthogonal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """A random semi-orthogonal W times ``gain``: WᵀW = gain²·I for W (D, M) with D ≥ M,
    WWᵀ = gain²·I otherwise (Saxe et al. 2014); 3+ axes are seen as (Π shape[:-1], shape[-1])."""
    return _fill(tensor, orthogonal(backend.rng(), tensor.shape, gain))
