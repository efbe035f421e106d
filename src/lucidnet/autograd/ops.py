"""Tensor primitives: arithmetic, reductions, shapes, indexing and elementwise maths.

Each primitive is a :class:`Function` with its forward and backward together. Notation:
``dY`` is dL/dY for the output Y; the backward returns dL/dX for each input X. Inputs
of elementwise operations may broadcast: the engine sums each gradient back to its
input's shape, so a backward here returns the broadcast shape.
"""

from __future__ import annotations

import numpy

from lucidnet import backend
from lucidnet.autograd.function import Function
from lucidnet.autograd.tensor import Tensor, _as_array


# -- arithmetic -------------------------------------------------------------------
class Add(Function):
    """Y = A + B;  dA = dY,  dB = dY."""

    def forward(self, A, B):
        return A + B

    def backward(self, dY):
        return dY, dY


class Sub(Function):
    """Y = A − B;  dA = dY,  dB = −dY."""

    def forward(self, A, B):
        return A - B

    def backward(self, dY):
        return dY, -dY if self.needs_grad[1] else None


class Mul(Function):
    """Y = A ⊙ B;  dA = dY ⊙ B,  dB = dY ⊙ A."""

    def forward(self, A, B):
        self.A, self.B = A, B
        return A * B

    def backward(self, dY):
        dA = dY * self.B if self.needs_grad[0] else None
        dB = dY * self.A if self.needs_grad[1] else None
        return dA, dB


class Div(Function):
    """Y = A / B;  dA = dY / B,  dB = −dY ⊙ A / B² = −dY ⊙ Y / B."""

    def forward(self, A, B):
        self.B = B
        self.Y = A / B
        return self.Y

    def backward(self, dY):
        dA = dY / self.B if self.needs_grad[0] else None
        dB = -dY * self.Y / self.B if self.needs_grad[1] else None
        return dA, dB


class Neg(Function):
    """Y = −X;  dX = −dY."""

    def forward(self, X):
        return -X

    def backward(self, dY):
        return -dY


class Pow(Function):
    """Y = X^p for a constant p;  dX = dY ⊙ p·X^(p−1)."""

    def __init__(self, exponent):
        self.p = exponent

    def forward(self, X):
        self.X = X
        if X.dtype.kind == "f" and numpy.ndim(self.p) == 0:
            self.p = X.dtype.type(self.p)  # a NumPy int64 or float64 exponent must not upcast
        return X**self.p

    def backward(self, dY):
        return dY * self.p * self.X ** (self.p - 1)


class PowTensor(Function):
    """Y = A^B;  dA = dY ⊙ B·A^(B−1),  dB = dY ⊙ Y·ln A  (A > 0 where dB is needed)."""

    def forward(self, A, B):
        self.A, self.B = A, B
        self.Y = A**B
        return self.Y

    def backward(self, dY):
        xp = backend.xp
        dA = dY * self.B * self.A ** (self.B - 1) if self.needs_grad[0] else None
        dB = dY * self.Y * xp.log(self.A) if self.needs_grad[1] else None
        return dA, dB


class MatMul(Function):
    """Y = A @ B (NumPy's matmul, batched over leading axes);
    dA = dY @ Bᵀ,  dB = Aᵀ @ dY  (vectors are treated as a row / a column)."""

    def forward(self, A, B):
        self.A, self.B = A, B
        return A @ B

    def backward(self, dY):
        xp = backend.xp
        A = self.A[None, :] if self.A.ndim == 1 else self.A  # (k,) is a row (1, k)
        B = self.B[:, None] if self.B.ndim == 1 else self.B  # (k,) is a column (k, 1)
        batch = numpy.broadcast_shapes(A.shape[:-2], B.shape[:-2])
        dY = dY.reshape(batch + (A.shape[-2], B.shape[-1]))
        dA = dB = None
        if self.needs_grad[0]:
            dA = dY @ xp.swapaxes(B, -1, -2)
            dA = dA[..., 0, :] if self.A.ndim == 1 else dA
        if self.needs_grad[1]:
            dB = xp.swapaxes(A, -1, -2) @ dY
            dB = dB[..., :, 0] if self.B.ndim == 1 else dB
        return dA, dB


class Cast(Function):
    """Y = X converted to another dtype;  dX = dY converted back."""

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, X):
        self.source = X.dtype
        return X.astype(self.dtype)

    def backward(self, dY):
        return dY.astype(self.source)


# -- reductions -------------------------------------------------------------------
def _expand(dY, shape, axis, keepdims):
    """dY of a reduction, broadcastable against the input again."""
    if axis is None or keepdims:
        return dY if axis is not None or keepdims else backend.xp.reshape(dY, (1,) * len(shape))
    axes = (axis,) if numpy.isscalar(axis) else axis
    return backend.xp.expand_dims(dY, tuple(a % len(shape) for a in axes))


class Sum(Function):
    """Y = Σ X over ``axis``;  dX = dY broadcast back over the summed axes."""

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, X):
        self.shape = X.shape
        return X.sum(axis=self.axis, keepdims=self.keepdims)

    def backward(self, dY):
        dY = _expand(dY, self.shape, self.axis, self.keepdims)
        return backend.xp.broadcast_to(dY, self.shape)


class Mean(Function):
    """Y = (1/n) Σ X over ``axis`` (n elements per mean);  dX = dY / n broadcast back."""

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, X):
        self.shape = X.shape
        Y = X.mean(axis=self.axis, keepdims=self.keepdims)
        self.n = X.size // max(Y.size, 1) if X.size else 1
        return Y

    def backward(self, dY):
        dY = _expand(dY, self.shape, self.axis, self.keepdims)
        return backend.xp.broadcast_to(dY / dY.dtype.type(self.n), self.shape)


class Max(Function):
    """Y = max X over ``axis``;  dX = dY at the maximum, 0 elsewhere.

    Ties share the gradient equally (as PyTorch's ``amax``): each of k equal maxima
    gets dY / k, so the gradient still sums to dY.
    """

    reduce = staticmethod(lambda X, axis, keepdims: X.max(axis=axis, keepdims=keepdims))

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, X):
        self.X = X
        self.Y = self.reduce(X, self.axis, self.keepdims)
        return self.Y

    def backward(self, dY):
        Y = _expand(self.Y, self.X.shape, self.axis, self.keepdims)
        dY = _expand(dY, self.X.shape, self.axis, self.keepdims)
        mask = self.X == Y
        count = mask.sum(axis=self.axis, keepdims=True).astype(dY.dtype)
        return mask * (dY / count)


class Min(Max):
    """Y = min X over ``axis``;  dX = dY at the minimum (ties share it), 0 elsewhere."""

    reduce = staticmethod(lambda X, axis, keepdims: X.min(axis=axis, keepdims=keepdims))


# -- shapes and indexing ----------------------------------------------------------
class Reshape(Function):
    """Y = X with a new shape;  dX = dY with X's shape."""

    def __init__(self, shape):
        self.new_shape = shape

    def forward(self, X):
        self.shape = X.shape
        return X.reshape(self.new_shape)

    def backward(self, dY):
        return dY.reshape(self.shape)


class Transpose(Function):
    """Y = X with permuted axes;  dX = dY with the inverse permutation."""

    def __init__(self, axes=None):
        self.axes = axes

    def forward(self, X):
        return X.transpose(self.axes)

    def backward(self, dY):
        if self.axes is None:
            return dY.transpose()
        return dY.transpose(numpy.argsort(self.axes))


def _is_basic(index) -> bool:
    """Whether NumPy indexing with ``index`` is basic (slices, ints: a view)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(
        isinstance(p, (slice, int, numpy.integer)) or p is None or p is Ellipsis for p in parts
    )


class GetItem(Function):
    """Y = X[index];  dX = dY scattered back into zeros of X's shape.

    Repeated integer indices (``X[[0, 0]]``) add their gradients (``np.add.at``).
    """

    def __init__(self, index):
        self.index = index

    def forward(self, X):
        self.shape, self.dtype = X.shape, X.dtype
        return X[self.index]

    def backward(self, dY):
        xp = backend.xp
        dX = xp.zeros(self.shape, dtype=self.dtype)
        if _is_basic(self.index):
            dX[self.index] = dY
        else:
            xp.add.at(dX, self.index, dY)
        return dX


class Concatenate(Function):
    """Y = [X₁, X₂, …] joined along ``axis``;  dXᵢ = the slice of dY that Xᵢ filled."""

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *Xs):
        self.sizes = [X.shape[self.axis] for X in Xs]
        return backend.xp.concatenate(Xs, axis=self.axis)

    def backward(self, dY):
        cuts = numpy.cumsum(self.sizes)[:-1]
        return tuple(backend.xp.split(dY, cuts, axis=self.axis))


class Stack(Function):
    """Y = [X₁, X₂, …] stacked along a new ``axis``;  dXᵢ = dY taken at i on that axis."""

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *Xs):
        return backend.xp.stack(Xs, axis=self.axis)

    def backward(self, dY):
        return tuple(backend.xp.moveaxis(dY, self.axis, 0))


# -- elementwise functions --------------------------------------------------------
class Exp(Function):
    """Y = eˣ;  dX = dY ⊙ Y."""

    def forward(self, X):
        self.Y = backend.xp.exp(X)
        return self.Y

    def backward(self, dY):
        return dY * self.Y


class Log(Function):
    """Y = ln X;  dX = dY / X."""

    def forward(self, X):
        self.X = X
        return backend.xp.log(X)

    def backward(self, dY):
        return dY / self.X


class Sqrt(Function):
    """Y = √X;  dX = dY / (2Y)."""

    def forward(self, X):
        self.Y = backend.xp.sqrt(X)
        return self.Y

    def backward(self, dY):
        return dY / (2 * self.Y)


class Sin(Function):
    """Y = sin X;  dX = dY ⊙ cos X."""

    def forward(self, X):
        self.X = X
        return backend.xp.sin(X)

    def backward(self, dY):
        return dY * backend.xp.cos(self.X)


class Cos(Function):
    """Y = cos X;  dX = −dY ⊙ sin X."""

    def forward(self, X):
        self.X = X
        return backend.xp.cos(X)

    def backward(self, dY):
        return -dY * backend.xp.sin(self.X)


class Abs(Function):
    """Y = |X|;  dX = dY ⊙ sign(X), with sign(0) = 0 (as PyTorch)."""

    def forward(self, X):
        self.X = X
        return backend.xp.abs(X)

    def backward(self, dY):
        return dY * backend.xp.sign(self.X)


class Clip(Function):
    """Y = min(max(X, low), high);  dX = dY where low ≤ X ≤ high, 0 outside.

    At the bounds themselves the gradient passes (as PyTorch's ``clamp``).
    """

    def __init__(self, low=None, high=None):
        self.low, self.high = low, high

    def forward(self, X):
        xp = backend.xp
        self.inside = xp.ones(X.shape, dtype=bool)
        if self.low is not None:
            self.inside &= X >= self.low
        if self.high is not None:
            self.inside &= X <= self.high
        return xp.clip(X, self.low, self.high).astype(X.dtype, copy=False)

    def backward(self, dY):
        return dY * self.inside


class Maximum(Function):
    """Y = max(A, B) elementwise;  the larger input gets dY; at a tie each gets dY/2."""

    def forward(self, A, B):
        xp = backend.xp
        self.share_A = xp.where(A > B, 1.0, xp.where(A == B, 0.5, 0.0)).astype(
            xp.result_type(A, B)
        )
        return xp.maximum(A, B)

    def backward(self, dY):
        return dY * self.share_A, dY * (1 - self.share_A)


class Minimum(Function):
    """Y = min(A, B) elementwise;  the smaller input gets dY; at a tie each gets dY/2."""

    def forward(self, A, B):
        xp = backend.xp
        self.share_A = xp.where(A < B, 1.0, xp.where(A == B, 0.5, 0.0)).astype(
            xp.result_type(A, B)
        )
        return xp.minimum(A, B)

    def backward(self, dY):
        return dY * self.share_A, dY * (1 - self.share_A)


class Where(Function):
    """Y = A where ``condition`` else B;  dA = dY where condition, dB = dY elsewhere."""

    def __init__(self, condition):
        self.condition = condition

    def forward(self, A, B):
        return backend.xp.where(self.condition, A, B)

    def backward(self, dY):
        zero = dY.dtype.type(0)
        return backend.xp.where(self.condition, dY, zero), backend.xp.where(self.condition, zero, dY)


# -- functions over tensors (the public face of the primitives) -------------------
def _tensor_or_constant(x, like=None):
    if isinstance(x, Tensor):
        return x
    if like is not None and like.dtype.kind == "f" and numpy.ndim(x) == 0:
        return backend.xp.asarray(x, dtype=like.dtype)
    return _as_array(x)


def _pair(a, b):
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
    return _tensor_or_constant(a, like), _tensor_or_constant(b, like)


def maximum(a, b) -> Tensor:
    """Elementwise max(a, b) (ties split the gradient in half)."""
    return Maximum.apply(*_pair(a, b))


def minimum(a, b) -> Tensor:
    """Elementwise min(a, b) (ties split the gradient in half)."""
    return Minimum.apply(*_pair(a, b))


def where(condition, a, b) -> Tensor:
    """``a`` where ``condition`` holds, else ``b`` (the condition takes no gradient)."""
    condition = condition.data if isinstance(condition, Tensor) else backend.xp.asarray(condition)
    return Where.apply(*_pair(a, b), condition=condition)


def concatenate(tensors, axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    return Concatenate.apply(*tensors, axis=axis)


def stack(tensors, axis: int = 0) -> Tensor:
    """Join tensors along a new axis."""
    return Stack.apply(*tensors, axis=axis)
