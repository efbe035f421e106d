"""Initializers under Keras's names: the distribution each layer's first weights come from.

An initializer is called as ``init(shape, dtype=None)`` and returns an array of the
backend (dtype: the default float dtype unless given). Draws come from
``backend.rng()`` (seeded by ``lucidnet.manual_seed``), or from a private generator when
the initializer is given a ``seed``: then every call returns the same values, as Keras.

Fans follow Keras's definition for a weight stored (…, in, out), the layout of every
lucidnet layer (X (N, D) @ W (D, M)): for a 2-D shape fan_in = shape[0], fan_out =
shape[1] (PyTorch stores Wᵀ, (out, in), and reads them the other way round); a 1-D shape
has fan_in = fan_out = its length; higher ranks multiply the leading (receptive field)
axes into both.

The variance-scaling family draws with Var(W) = scale / n, n = fan_in, fan_out or their
mean (fan_avg):

    glorot (Xavier)   scale 1, fan_avg       he (Kaiming)   scale 2, fan_in
    lecun             scale 1, fan_in

``*_uniform``: U(−√(3·scale/n), √(3·scale/n)). ``*_normal``: as Keras, a normal truncated
at ±2σ (redrawn beyond) with σ = √(scale/n) / 0.87962566103423978, the standard deviation
of a standard normal truncated to (−2, 2), so the variance is still scale/n. PyTorch's
``xavier_normal_``/``kaiming_normal_`` (in :mod:`lucidnet.nn.init`) are untruncated.

>>> from lucidnet import initializers
>>> initializers.get('glorot_uniform')((784, 128)).shape
(784, 128)
"""

from __future__ import annotations

import math
import numbers

import numpy

from lucidnet import backend
from lucidnet.errors import unknown_name
from lucidnet.registry import INITIALIZERS

__all__ = [
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "calculate_gain",
    "compute_fans",
    "get",
    "names",
    "serialize",
]

TRUNCATED_STD = 0.87962566103423978
"""Standard deviation of a standard normal truncated to (−2, 2) (Keras's correction)."""


# -- fans, gains and the samplers shared with lucidnet.nn.init ----------------------
def compute_fans(shape) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight stored (…, in, out), as Keras's ``compute_fans``.

    () → (1, 1); (n,) → (n, n); (D, M) → (D, M); (k₁, …, in, out) → (in·Πk, out·Πk).
    """
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    receptive_field = math.prod(shape[:-2])
    return int(shape[-2]) * receptive_field, int(shape[-1]) * receptive_field


_LINEAR_GAIN = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                "conv_transpose2d", "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The gain g that keeps activations' variance steady through ``nonlinearity`` (PyTorch).

    linear, conv*, sigmoid: 1;  tanh: 5/3;  relu: √2;  leaky_relu: √(2 / (1 + s²)) with
    slope s = ``param`` (0.01 when None);  selu: 3/4. Used as std = g / √fan.
    """
    if nonlinearity in _LINEAR_GAIN:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, numbers.Real) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4  # found empirically by PyTorch (pytorch/pytorch#50664)
    raise unknown_name("nonlinearity", nonlinearity, (*_LINEAR_GAIN, "tanh", "relu",
                                                      "leaky_relu", "selu"))


def truncated_normal(rng, shape, mean=0.0, std=1.0, a=-2.0, b=2.0) -> numpy.ndarray:
    """Host samples of N(mean, std²) restricted to [a, b] (float64), by the inverse CDF.

    z = Φ⁻¹(Φ(α) + U·(Φ(β) − Φ(α))), U ~ U(0, 1), α = (a − mean)/std, β = (b − mean)/std,
    then x = mean + std·z: exact for any interval, with no rejection loop. An interval
    right of 0 is mirrored to the left, where Φ keeps its precision.
    """
    from scipy.special import ndtr, ndtri  # Φ and Φ⁻¹ (SciPy is a dependency)

    alpha, beta = (a - mean) / std, (b - mean) / std
    if not alpha < beta:
        raise ValueError(f"truncated normal needs a < b, got a={a}, b={b}")
    flip = alpha > 0
    if flip:
        alpha, beta = -beta, -alpha
    lo, hi = ndtr(alpha), ndtr(beta)
    z = ndtri(lo + rng.random(shape) * (hi - lo)).clip(alpha, beta)  # clip: rounding
    return mean + std * (-z if flip else z)


def orthogonal(rng, shape, gain=1.0):
    """A (semi-)orthogonal matrix times ``gain`` (float64, on the backend), reshaped to ``shape``.

    The weight is seen as a matrix (Π shape[:-1], shape[-1]); A ~ N(0, 1) of the taller
    shape, A = QR, Q's columns multiplied by sign(diag R) so that Q is Haar-distributed.
    Then WᵀW = gain²·I when rows ≥ columns, WWᵀ = gain²·I otherwise.
    """
    if len(shape) < 2:
        raise ValueError(f"orthogonal initialization needs a shape of 2 or more axes, got {shape}")
    xp = backend.xp
    rows, cols = math.prod(shape[:-1]), shape[-1]
    A = backend.asarray(rng.standard_normal((max(rows, cols), min(rows, cols))))
    Q, R = xp.linalg.qr(A)
    Q *= xp.sign(xp.diag(R))
    if rows < cols:
        Q = Q.T
    return gain * Q.reshape(shape)


def _generator(seed):
    """``backend.rng()``, or a fresh generator for a fixed ``seed`` (same draw every call)."""
    return backend.rng() if seed is None else numpy.random.default_rng(seed)


def _shape(shape) -> tuple[int, ...]:
    return (int(shape),) if isinstance(shape, numbers.Integral) else tuple(int(n) for n in shape)


# -- the initializers ---------------------------------------------------------------
class Initializer:
    """Base: ``init(shape, dtype=None)`` → a backend array; ``get_config()`` rebuilds it."""

    def __call__(self, shape, dtype=None):
        shape, dtype = _shape(shape), dtype or backend.get_default_dtype()
        return backend.asarray(self.sample(shape), dtype=dtype)

    def sample(self, shape):
        """The values for ``shape`` (any float array; ``__call__`` casts them)."""
        raise NotImplementedError(f"{type(self).__name__} defines no sample")

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


@INITIALIZERS.register("zeros", "Zeros", "zero")
class Zeros(Initializer):
    """W = 0 (biases; never all weights: identical units stay identical)."""

    def __call__(self, shape, dtype=None):
        return backend.xp.zeros(_shape(shape), dtype=dtype or backend.get_default_dtype())


@INITIALIZERS.register("ones", "Ones", "one")
class Ones(Initializer):
    """W = 1 (BatchNorm's scale γ)."""

    def __call__(self, shape, dtype=None):
        return backend.xp.ones(_shape(shape), dtype=dtype or backend.get_default_dtype())


@INITIALIZERS.register("constant", "Constant")
class Constant(Initializer):
    """W = ``value`` everywhere."""

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        dtype = dtype or backend.get_default_dtype()
        return backend.xp.full(_shape(shape), self.value, dtype=dtype)

    def get_config(self):
        return {"value": self.value}


@INITIALIZERS.register("random_normal", "RandomNormal", "normal")
class RandomNormal(Initializer):
    """W ~ N(mean, stddev²), untruncated (Keras defaults: mean 0, stddev 0.05)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def sample(self, shape):
        return _generator(self.seed).normal(self.mean, self.stddev, shape)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


@INITIALIZERS.register("random_uniform", "RandomUniform", "uniform")
class RandomUniform(Initializer):
    """W ~ U(minval, maxval) (Keras defaults: ±0.05)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def sample(self, shape):
        return _generator(self.seed).uniform(self.minval, self.maxval, shape)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


@INITIALIZERS.register("truncated_normal", "TruncatedNormal")
class TruncatedNormal(Initializer):
    """W ~ N(mean, stddev²) restricted to mean ± 2·stddev (Keras defaults: 0, 0.05).

    The truncation shrinks the standard deviation to 0.8796·stddev (no correction here,
    as Keras; the variance-scaling initializers correct it).
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def sample(self, shape):
        m, s = self.mean, self.stddev
        return truncated_normal(_generator(self.seed), shape, m, s, m - 2 * s, m + 2 * s)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


@INITIALIZERS.register("variance_scaling", "VarianceScaling")
class VarianceScaling(Initializer):
    """Var(W) = scale / n, n = fan_in, fan_out or (fan_in + fan_out)/2 (``mode``).

    ``distribution``: 'truncated_normal' (±2σ, σ = √(scale/n) / 0.87962566103423978),
    'untruncated_normal' (σ = √(scale/n)) or 'uniform' (U(−√(3·scale/n), √(3·scale/n))).
    n is at least 1. See the module docstring for the fans.
    """

    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if not scale > 0:
            raise ValueError(f"VarianceScaling: scale must be positive, got {scale!r}")
        if mode not in self.MODES:
            raise ValueError(f"VarianceScaling: mode must be one of {self.MODES}, got {mode!r}")
        distribution = str(distribution).lower()
        if distribution not in self.DISTRIBUTIONS:
            raise ValueError(f"VarianceScaling: distribution must be one of "
                             f"{self.DISTRIBUTIONS}, got {distribution!r}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def variance(self, shape) -> float:
        """scale / n for ``shape``: the variance of the weights drawn."""
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        return self.scale / max(1.0, n)

    def sample(self, shape):
        rng, variance = _generator(self.seed), self.variance(shape)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return rng.uniform(-limit, limit, shape)
        if self.distribution == "untruncated_normal":
            return rng.normal(0.0, math.sqrt(variance), shape)
        s = math.sqrt(variance) / TRUNCATED_STD
        return truncated_normal(rng, shape, 0.0, s, -2 * s, 2 * s)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


class _Preset(VarianceScaling):
    """A named VarianceScaling whose only argument is ``seed`` (as Keras's presets)."""

    preset: tuple = ()

    def __init__(self, seed=None):
        super().__init__(*self.preset, seed=seed)

    def get_config(self):
        return {"seed": self.seed}


@INITIALIZERS.register("glorot_uniform", "GlorotUniform", "xavier_uniform")
class GlorotUniform(_Preset):
    """W ~ U(−√(6/(fan_in + fan_out)), √(6/(fan_in + fan_out))) (Glorot & Bengio 2010);
    Keras's default kernel initializer."""

    preset = (1.0, "fan_avg", "uniform")


@INITIALIZERS.register("glorot_normal", "GlorotNormal", "xavier_normal")
class GlorotNormal(_Preset):
    """Truncated normal (±2σ) with Var(W) = 2/(fan_in + fan_out) (Keras's definition)."""

    preset = (1.0, "fan_avg", "truncated_normal")


@INITIALIZERS.register("he_uniform", "HeUniform", "kaiming_uniform")
class HeUniform(_Preset):
    """W ~ U(−√(6/fan_in), √(6/fan_in)) (He et al. 2015), for ReLU layers."""

    preset = (2.0, "fan_in", "uniform")


@INITIALIZERS.register("he_normal", "HeNormal", "kaiming_normal")
class HeNormal(_Preset):
    """Truncated normal (±2σ) with Var(W) = 2/fan_in (Keras's definition), for ReLU layers."""

    preset = (2.0, "fan_in", "truncated_normal")


@INITIALIZERS.register("lecun_uniform", "LecunUniform")
class LecunUniform(_Preset):
    """W ~ U(−√(3/fan_in), √(3/fan_in)) (LeCun et al. 1998)."""

    preset = (1.0, "fan_in", "uniform")


@INITIALIZERS.register("lecun_normal", "LecunNormal")
class LecunNormal(_Preset):
    """Truncated normal (±2σ) with Var(W) = 1/fan_in (Keras's definition), for SELU."""

    preset = (1.0, "fan_in", "truncated_normal")


@INITIALIZERS.register("orthogonal", "Orthogonal", "OrthogonalInitializer")
class Orthogonal(Initializer):
    """A random (semi-)orthogonal W times ``gain``: WᵀW = gain²·I for a tall W (Saxe et al.
    2014). The shape needs 2 or more axes (see :func:`orthogonal`)."""

    def __init__(self, gain=1.0, seed=None):
        self.gain, self.seed = gain, seed

    def sample(self, shape):
        return orthogonal(_generator(self.seed), shape, self.gain)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


# -- the facade ---------------------------------------------------------------------
def get(identifier):
    """The initializer for a name (``'he_normal'``), a config dict, a class, an instance
    or a callable ``f(shape, dtype=None)``; ``None`` → ``None``."""
    return INITIALIZERS.get(identifier)


def serialize(initializer) -> dict:
    """Keras's config dict ``{'class_name': name, 'config': {...}}`` of a registered one."""
    name = INITIALIZERS.name_of(initializer)
    if name is None:
        raise ValueError(f"{initializer!r} is not a registered initializer, so it cannot be "
                         "saved by name; register it with INITIALIZERS.register(name)")
    return {"class_name": name, "config": initializer.get_config()}


def names(aliases: bool = False) -> list[str]:
    """Every registered initializer name."""
    return INITIALIZERS.names(aliases)
