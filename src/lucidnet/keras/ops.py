"""``keras.ops``: NumPy's names over lucidnet Tensors, as Keras 3's guides call them.

Each operation is a door to a Function that already exists (:mod:`lucidnet.autograd.ops`
and :mod:`lucidnet.functional`): ``ops.matmul(x, w)`` is ``x @ w``, ``ops.relu(x)`` is
``functional.relu(x)``, so gradients flow through them as through the layers; nothing
here computes a formula of its own. Comparisons, ``argmax``, ``sign`` and the
constructors give Tensors without a gradient. Numbers and arrays are made Tensors
(Python floats in the default dtype, float32).
"""

from __future__ import annotations

import numpy

from lucidnet import backend
from lucidnet import functional as F
from lucidnet.autograd import Tensor, ops


def convert_to_tensor(x, dtype=None) -> Tensor:
    """``x`` as a Tensor (a Tensor stays itself unless ``dtype`` changes it)."""
    if isinstance(x, Tensor):
        return x if dtype is None or x.dtype == numpy.dtype(dtype) else cast(x, dtype)
    return Tensor(x, dtype=dtype)


array = convert_to_tensor


def convert_to_numpy(x) -> numpy.ndarray:
    """A NumPy array of ``x``'s values."""
    return backend.to_numpy(x.data if isinstance(x, Tensor) else backend.asarray(x))


def _dtype(dtype):
    return backend.get_default_dtype() if dtype is None else backend.xp.dtype(dtype)


def _made(array) -> Tensor:
    return Tensor(array)


# -- constructors (no gradient) ------------------------------------------------------
def zeros(shape, dtype=None) -> Tensor:
    return _made(backend.xp.zeros(shape, dtype=_dtype(dtype)))


def ones(shape, dtype=None) -> Tensor:
    return _made(backend.xp.ones(shape, dtype=_dtype(dtype)))


def full(shape, fill_value, dtype=None) -> Tensor:
    return _made(backend.xp.full(shape, fill_value, dtype=_dtype(dtype)))


def zeros_like(x, dtype=None) -> Tensor:
    return zeros(shape(x), dtype or convert_to_tensor(x).dtype)


def ones_like(x, dtype=None) -> Tensor:
    return ones(shape(x), dtype or convert_to_tensor(x).dtype)


def full_like(x, fill_value, dtype=None) -> Tensor:
    return full(shape(x), fill_value, dtype or convert_to_tensor(x).dtype)


def eye(N, M=None, k=0, dtype=None) -> Tensor:  # noqa: N803 (NumPy's names)
    return _made(backend.xp.eye(N, M, k, dtype=_dtype(dtype)))


def identity(n, dtype=None) -> Tensor:
    return eye(n, dtype=dtype)


def arange(start, stop=None, step=1, dtype=None) -> Tensor:
    """Integers (or floats, when an argument is a float) from ``start`` to ``stop``."""
    values = backend.xp.arange(start, stop, step) if stop is not None else backend.xp.arange(start)
    if dtype is None and values.dtype.kind == "f":
        dtype = backend.get_default_dtype()
    return _made(values if dtype is None else values.astype(dtype))


def linspace(start, stop, num=50, endpoint=True, dtype=None) -> Tensor:
    return _made(backend.xp.linspace(start, stop, num, endpoint=endpoint).astype(_dtype(dtype)))


# -- shapes and types ------------------------------------------------------------------
def shape(x) -> tuple:
    return tuple(convert_to_tensor(x).shape)


def ndim(x) -> int:
    return convert_to_tensor(x).ndim


def size(x) -> int:
    return int(numpy.prod(shape(x)))


def cast(x, dtype) -> Tensor:
    """``x`` in ``dtype``; the gradient is cast back (autograd's Cast)."""
    return ops.Cast.apply(convert_to_tensor(x), dtype=backend.xp.dtype(dtype))


def reshape(x, newshape) -> Tensor:
    return convert_to_tensor(x).reshape(newshape)


def transpose(x, axes=None) -> Tensor:
    return convert_to_tensor(x).transpose(axes or ())


def expand_dims(x, axis) -> Tensor:
    x = convert_to_tensor(x)
    axis = axis % (x.ndim + 1)
    return x.reshape(x.shape[:axis] + (1,) + x.shape[axis:])


def squeeze(x, axis=None) -> Tensor:
    x = convert_to_tensor(x)
    axes = range(x.ndim) if axis is None else [a % x.ndim for a in numpy.atleast_1d(axis)]
    for a in axes:
        if axis is not None and x.shape[a] != 1:
            raise ValueError(f"cannot squeeze axis {a} of shape {x.shape}: its size is not 1")
    return x.reshape(tuple(d for a, d in enumerate(x.shape) if not (a in axes and d == 1)))


def concatenate(xs, axis=0) -> Tensor:
    return ops.concatenate([convert_to_tensor(x) for x in xs], axis=axis)


def stack(x, axis=0) -> Tensor:
    return ops.stack([convert_to_tensor(t) for t in x], axis=axis)


def stop_gradient(x) -> Tensor:
    """``x``'s values, cut from the graph."""
    return convert_to_tensor(x).detach()


# -- arithmetic ------------------------------------------------------------------------
def _operand(x):
    """A Python number stays one (it takes the Tensor's dtype); anything else becomes a
    Tensor, so an array never meets a Tensor through NumPy's operators."""
    return x if isinstance(x, (int, float)) and not isinstance(x, bool) else convert_to_tensor(x)


def _pair(x1, x2):
    """The operands of an operator; when both are numbers, the first made a Tensor."""
    a, b = _operand(x1), _operand(x2)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = convert_to_tensor(a)
    return a, b


def add(x1, x2) -> Tensor:
    a, b = _pair(x1, x2)
    return a + b


def subtract(x1, x2) -> Tensor:
    a, b = _pair(x1, x2)
    return a - b


def multiply(x1, x2) -> Tensor:
    a, b = _pair(x1, x2)
    return a * b


def divide(x1, x2) -> Tensor:
    a, b = _pair(x1, x2)
    return a / b


true_divide = divide


def power(x1, x2) -> Tensor:
    a, b = _pair(x1, x2)
    return a ** b


def negative(x) -> Tensor:
    return -convert_to_tensor(x)


def square(x) -> Tensor:
    return convert_to_tensor(x) ** 2


def sqrt(x) -> Tensor:
    return convert_to_tensor(x).sqrt()


def exp(x) -> Tensor:
    return convert_to_tensor(x).exp()


def log(x) -> Tensor:
    return convert_to_tensor(x).log()


def abs(x) -> Tensor:  # noqa: A001 (NumPy's name)
    return convert_to_tensor(x).abs()


absolute = abs


def sign(x) -> Tensor:
    return _made(backend.xp.sign(convert_to_tensor(x).data))


def matmul(x1, x2) -> Tensor:
    """The matrix product (autograd's MatMul: dA = dY Bᵀ, dB = Aᵀ dY)."""
    return convert_to_tensor(x1) @ convert_to_tensor(x2)


def dot(x1, x2) -> Tensor:
    """NumPy's dot: a product with a scalar, else the matrix (or inner) product."""
    a, b = convert_to_tensor(x1), convert_to_tensor(x2)
    return a * b if a.ndim == 0 or b.ndim == 0 else a @ b


def maximum(x1, x2) -> Tensor:
    return ops.maximum(x1, x2)


def minimum(x1, x2) -> Tensor:
    return ops.minimum(x1, x2)


def clip(x, x_min, x_max) -> Tensor:
    return convert_to_tensor(x).clip(x_min, x_max)


def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` holds, else ``x2``; with one argument, the indices
    where it holds (NumPy's ``nonzero``)."""
    if x1 is None and x2 is None:
        return tuple(_made(i) for i in backend.xp.nonzero(convert_to_tensor(condition).data))
    return ops.where(condition, x1, x2)


# -- reductions ------------------------------------------------------------------------
def sum(x, axis=None, keepdims=False) -> Tensor:  # noqa: A001
    return convert_to_tensor(x).sum(axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False) -> Tensor:
    return convert_to_tensor(x).mean(axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False) -> Tensor:  # noqa: A001
    return convert_to_tensor(x).max(axis=axis, keepdims=keepdims)


def min(x, axis=None, keepdims=False) -> Tensor:  # noqa: A001
    return convert_to_tensor(x).min(axis=axis, keepdims=keepdims)


amax, amin = max, min


def var(x, axis=None, keepdims=False) -> Tensor:
    """Mean squared deviation from the mean (the population variance, as NumPy)."""
    x = convert_to_tensor(x)
    return ((x - x.mean(axis=axis, keepdims=True)) ** 2).mean(axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False) -> Tensor:
    return var(x, axis, keepdims).sqrt()


def argmax(x, axis=None, keepdims=False) -> Tensor:
    return _made(backend.xp.argmax(convert_to_tensor(x).data, axis=axis, keepdims=keepdims))


def argmin(x, axis=None, keepdims=False) -> Tensor:
    return _made(backend.xp.argmin(convert_to_tensor(x).data, axis=axis, keepdims=keepdims))


# -- comparisons (no gradient) --------------------------------------------------------
def equal(x1, x2) -> Tensor:
    return convert_to_tensor(x1) == x2


def not_equal(x1, x2) -> Tensor:
    return convert_to_tensor(x1) != x2


def greater(x1, x2) -> Tensor:
    return convert_to_tensor(x1) > x2


def greater_equal(x1, x2) -> Tensor:
    return convert_to_tensor(x1) >= x2


def less(x1, x2) -> Tensor:
    return convert_to_tensor(x1) < x2


def less_equal(x1, x2) -> Tensor:
    return convert_to_tensor(x1) <= x2


def logical_and(x1, x2) -> Tensor:
    return _made(backend.xp.logical_and(convert_to_tensor(x1).data, convert_to_tensor(x2).data))


def logical_or(x1, x2) -> Tensor:
    return _made(backend.xp.logical_or(convert_to_tensor(x1).data, convert_to_tensor(x2).data))


def logical_not(x) -> Tensor:
    return _made(backend.xp.logical_not(convert_to_tensor(x).data))


def one_hot(x, num_classes, axis=-1, dtype=None) -> Tensor:
    """Class indices (*) → one-hot rows (*, C) (or the new axis at ``axis``)."""
    labels = convert_to_tensor(x).data.astype(numpy.int64)
    out = (labels[..., None] == backend.xp.arange(num_classes)).astype(_dtype(dtype))
    return _made(backend.xp.moveaxis(out, -1, axis))


# -- the activations, as keras.ops names them (the functional module's Functions) ----
def relu(x) -> Tensor:
    return F.relu(x)


def sigmoid(x) -> Tensor:
    return F.sigmoid(x)


def tanh(x) -> Tensor:
    return F.tanh(x)


def softmax(x, axis=-1) -> Tensor:
    return F.softmax(x, axis=axis)


def log_softmax(x, axis=-1) -> Tensor:
    return F.log_softmax(x, axis=axis)


def leaky_relu(x, negative_slope=0.2) -> Tensor:
    """Keras's ops default slope is 0.2 (its layer's 0.3, PyTorch's 0.01)."""
    return F.leaky_relu(x, negative_slope=negative_slope)


def elu(x, alpha=1.0) -> Tensor:
    return F.elu(x, alpha=alpha)


def selu(x) -> Tensor:
    return F.selu(x)


def gelu(x, approximate=True) -> Tensor:
    """Keras's default is the tanh approximation."""
    return F.gelu(x, approximate="tanh" if approximate else "none")


def silu(x) -> Tensor:
    return F.silu(x)


swish = silu


def softplus(x) -> Tensor:
    return F.softplus(x)
