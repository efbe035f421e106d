"""The Tensor, the tape and reverse-mode differentiation.

A :class:`Tensor` wraps an array (``.data``) and, when it was produced by a
differentiable operation while gradients are enabled, the :class:`Function` that made
it (``._fn``). Those links form the tape: a directed acyclic graph from the loss back
to the leaves. ``loss.backward()`` walks it once in reverse topological order and
applies the chain rule at every node,

    dL/dx = Σ over the outputs y that use x of  (dL/dy · ∂y/∂x),

where ``Function.backward`` computes ``dL/dy · ∂y/∂x``. A tensor used twice gets the
sum of both contributions; a leaf's ``.grad`` accumulates over calls until zeroed.
"""

from __future__ import annotations

import contextlib
import numbers
import threading

import numpy

from lucidnet import backend
from lucidnet.errors import AnomalyError


class _Modes(threading.local):
    """Grad mode and anomaly mode of the calling thread, as PyTorch keeps grad mode: a
    ``no_grad()`` in one thread leaves the others recording, and a new thread starts
    with the defaults below (recording, no anomaly checks), whatever its creator set."""

    grad_enabled = True
    anomaly = False


_modes = _Modes()


def is_grad_enabled() -> bool:
    """Whether this thread records operations on the tape (False inside ``no_grad()``)."""
    return _modes.grad_enabled


class _grad_mode:
    """Context manager: recording on (True) or off (False) inside the block, then as
    before. A class rather than a generator: the optimizer enters one every step."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __enter__(self):
        self.previous, _modes.grad_enabled = _modes.grad_enabled, self.enabled

    def __exit__(self, *exc):
        _modes.grad_enabled = self.previous


def no_grad():
    """Context manager: record nothing on the tape (evaluation, parameter updates)."""
    return _grad_mode(False)


def enable_grad():
    """Context manager: record operations again inside a ``no_grad()`` block."""
    return _grad_mode(True)


def is_anomaly_enabled() -> bool:
    """Whether ``detect_anomaly()`` is on in this thread (then fused operations run
    unfused)."""
    return _modes.anomaly


@contextlib.contextmanager
def detect_anomaly():
    """Context manager: raise AnomalyError naming the first operation, forward or
    backward, that produces a NaN or an infinity, in this thread. Slower: checks every
    array."""
    previous, _modes.anomaly = _modes.anomaly, True
    try:
        yield
    finally:
        _modes.anomaly = previous


def _check_finite(array, fn, where: str) -> None:
    xp = backend.xp
    if xp.issubdtype(array.dtype, xp.floating) and not bool(xp.isfinite(array).all()):
        kind = "NaN" if bool(xp.isnan(array).any()) else "infinity"
        raise AnomalyError(f"{kind} first appeared in the {where} of {type(fn).__name__}")


def _as_array(data, dtype=None):
    """``data`` as an array: Python numbers and lists get the default float dtype."""
    xp = backend.xp
    if dtype is not None:
        return xp.asarray(data, dtype=dtype)
    if type(data) is xp.ndarray:  # the common case, before the slower checks of numbers
        return data
    if isinstance(data, (bool, numbers.Integral)) and not isinstance(data, numpy.generic):
        return xp.asarray(data)
    if isinstance(data, (numbers.Real, list, tuple)) and not isinstance(data, numpy.generic):
        array = xp.asarray(data)
        if array.dtype.kind == "f":
            array = array.astype(backend.get_default_dtype())
        return array
    return xp.asarray(data)


class Tensor:
    """An array with a gradient and a link to the operation that made it.

    Shapes follow NumPy; arithmetic broadcasts like NumPy and each gradient is summed
    back to its input's shape. Python numbers and NumPy scalars in an expression take
    the tensor's dtype, so float32 work stays float32.
    """

    __slots__ = ("data", "grad", "requires_grad", "_fn", "_retains_grad", "name", "__weakref__")
    __array_ufunc__ = None  # ndarray <op> Tensor defers to Tensor's reflected operator

    def __init__(self, data, requires_grad: bool = False, dtype=None, name: str | None = None):
        self.data = data.data if isinstance(data, Tensor) else _as_array(data, dtype)
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(
                f"only floating tensors can require gradients, got dtype {self.data.dtype}"
            )
        self.grad = None
        self.requires_grad = requires_grad
        self._fn = None
        self._retains_grad = False
        self.name = name

    @classmethod
    def _from_op(cls, data, fn):
        if fn is not None and _modes.anomaly:
            _check_finite(data, fn, "forward")
        t = cls.__new__(cls)
        t.data, t.grad, t._fn, t.name = data, None, fn, None
        t.requires_grad, t._retains_grad = fn is not None, False
        return t

    # -- array facts --------------------------------------------------------------
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)
    is_leaf = property(lambda self: self._fn is None)
    grad_fn = property(lambda self: self._fn, doc="The Function that made this tensor (None for a leaf).")

    def __len__(self):
        return len(self.data)

    def numpy(self) -> numpy.ndarray:
        """The values as a NumPy array (no copy on the NumPy backend)."""
        return backend.to_numpy(self.data)

    def item(self) -> float:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor of one element, got shape {self.shape}")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def detach(self) -> Tensor:
        """The same values, cut from the tape (no gradient flows through)."""
        return Tensor._from_op(self.data, None)

    def retain_grad(self) -> None:
        """Keep dL/d(self) in ``.grad`` at the next ``backward()`` although this tensor is
        not a leaf (PyTorch's name): how :func:`lucidnet.trace` reads autograd's own
        intermediate gradients. A copy, accumulated over calls as a leaf's."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        self._retains_grad = True

    def requires_grad_(self, flag: bool = True) -> Tensor:
        self.requires_grad = flag
        return self

    def astype(self, dtype) -> Tensor:
        return _ops.Cast.apply(self, dtype=numpy.dtype(dtype))

    def __repr__(self):
        body = numpy.array2string(self.numpy(), prefix="tensor(", precision=4)
        extra = f", dtype={self.dtype}" if self.dtype != backend.get_default_dtype() else ""
        if self._fn is not None:
            extra += f", grad_fn={type(self._fn).__name__}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    # -- operators (each a Function in lucidnet.autograd.ops) --------------------
    def _constant(self, other):
        """A non-tensor operand as an array; numbers take this tensor's float dtype."""
        if isinstance(other, Tensor):
            return other
        if self.data.dtype.kind == "f" and numpy.ndim(other) == 0:
            return backend.xp.asarray(other, dtype=self.data.dtype)
        return _as_array(other)

    def __add__(self, other):
        return _ops.Add.apply(self, self._constant(other))

    def __radd__(self, other):
        return _ops.Add.apply(self._constant(other), self)

    def __sub__(self, other):
        return _ops.Sub.apply(self, self._constant(other))

    def __rsub__(self, other):
        return _ops.Sub.apply(self._constant(other), self)

    def __mul__(self, other):
        return _ops.Mul.apply(self, self._constant(other))

    def __rmul__(self, other):
        return _ops.Mul.apply(self._constant(other), self)

    def __truediv__(self, other):
        return _ops.Div.apply(self, self._constant(other))

    def __rtruediv__(self, other):
        return _ops.Div.apply(self._constant(other), self)

    def __pow__(self, exponent):
        if isinstance(exponent, Tensor):
            return _ops.PowTensor.apply(self, exponent)
        return _ops.Pow.apply(self, exponent=exponent)

    def __rpow__(self, base):
        return _ops.PowTensor.apply(self._constant(base), self)

    def __matmul__(self, other):
        return _ops.MatMul.apply(self, self._constant(other))

    def __rmatmul__(self, other):
        return _ops.MatMul.apply(self._constant(other), self)

    def __neg__(self):
        return _ops.Neg.apply(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.Abs.apply(self)

    def __getitem__(self, index):
        return _ops.GetItem.apply(self, index=_index_array(index))

    # -- in-place operators: x -= lr * g updates x itself, as PyTorch --------------
    def _in_place(self, symbol: str, other):
        """``self op= other`` written into ``self.data`` (``symbol`` '+=', '-=', '*=', '/=').

        Off the tape (inside ``no_grad()``, or when nothing requires a gradient) the array
        itself changes, so a Parameter's views and the optimizer's buffer see it. On the
        tape it raises, as PyTorch does for a leaf, and so it does for any recorded result:
        the old value may be what a Function saved for its backward. A tensor that needs no
        gradient may take one from a tensor that does (``total += loss``): it then becomes
        that recorded result (a new array).
        """
        self._check_writable(f"in-place {symbol}", f"write x = x {symbol[0]} y")
        ufunc, operator = _IN_PLACE[symbol]
        if _modes.grad_enabled and isinstance(other, Tensor) and other.requires_grad:
            result = operator(self, other)
            self.data, self._fn, self.requires_grad = result.data, result._fn, True
            return self
        operand = other.data if isinstance(other, Tensor) else other
        getattr(backend.xp, ufunc)(self.data, operand, out=self.data, casting="same_kind")
        return self

    def _check_writable(self, what: str, instead: str) -> None:
        """Raise unless this tensor's array may change in place: a leaf that requires grad
        only inside ``no_grad()``, the result of a recorded operation never."""
        if self._fn is not None:
            raise RuntimeError(f"{what} on the result of a recorded operation: its value "
                               f"may be saved for the backward; {instead}")
        if _modes.grad_enabled and self.requires_grad:
            raise RuntimeError(f"{what} on a leaf that requires grad while gradients are "
                               f"recorded: do it inside no_grad() (a parameter update) "
                               f"or {instead}")

    def __iadd__(self, other):
        return self._in_place("+=", other)

    def __isub__(self, other):
        return self._in_place("-=", other)

    def __imul__(self, other):
        return self._in_place("*=", other)

    def __itruediv__(self, other):
        return self._in_place("/=", other)

    def __setitem__(self, index, value):
        """``x[index] = value`` in place (``x[mask] = 0``), by the rules of ``_in_place``;
        a value that requires grad is refused on the tape (build the tensor with where())."""
        self._check_writable("item assignment", "build the tensor with where()")
        if _modes.grad_enabled and getattr(value, "requires_grad", False):
            raise RuntimeError("item assignment of a value that requires grad: build the "
                               "tensor with where() or concatenate()")
        self.data[_index_array(index)] = value.data if isinstance(value, Tensor) else value

    # comparisons give constant boolean tensors (no gradient)
    def _compare(self, other, op):
        other = other.data if isinstance(other, Tensor) else other
        return Tensor._from_op(op(self.data, other), None)

    def __eq__(self, other):
        return self._compare(other, numpy.equal)

    def __ne__(self, other):
        return self._compare(other, numpy.not_equal)

    def __lt__(self, other):
        return self._compare(other, numpy.less)

    def __le__(self, other):
        return self._compare(other, numpy.less_equal)

    def __gt__(self, other):
        return self._compare(other, numpy.greater)

    def __ge__(self, other):
        return self._compare(other, numpy.greater_equal)

    # -- reductions, shapes and elementwise functions -----------------------------
    def sum(self, axis=None, keepdims=False):
        return _ops.Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return _ops.Mean.apply(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        return _ops.Max.apply(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return _ops.Min.apply(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return _ops.Reshape.apply(self, shape=tuple(shape))

    def flatten(self, start_dim=0):
        """Merge the axes from ``start_dim`` on into one (``flatten(1)`` keeps the batch)."""
        return self.reshape(self.shape[:start_dim] + (-1,))

    def transpose(self, *axes):
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        return _ops.Transpose.apply(self, axes=tuple(axes) or None)

    @property
    def T(self):
        return self.transpose()

    def exp(self):
        return _ops.Exp.apply(self)

    def log(self):
        return _ops.Log.apply(self)

    def sqrt(self):
        return _ops.Sqrt.apply(self)

    def abs(self):
        return _ops.Abs.apply(self)

    def sin(self):
        return _ops.Sin.apply(self)

    def cos(self):
        return _ops.Cos.apply(self)

    def clip(self, min=None, max=None):  # noqa: A002 (NumPy's names)
        return _ops.Clip.apply(self, low=min, high=max)

    def __bool__(self):
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __hash__(self):
        return id(self)

    # -- reverse mode -------------------------------------------------------------
    def backward(self, grad=None) -> None:
        """Accumulate dL/dx into ``x.grad`` for every leaf x that requires a gradient.

        ``grad`` is dL/d(self); it may be omitted for a one-element tensor (then 1).
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: no input of the "
                "computation had requires_grad=True, or it ran inside no_grad()"
            )
        xp = backend.xp
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() without a gradient needs a one-element tensor, got shape {self.shape}"
                )
            grad = xp.asarray(1, dtype=self.dtype)  # ones_like's value, without its Python
            if grad.shape != self.shape:  # wrapper (a one-element loss is mostly 0-d)
                grad = grad.reshape(self.shape)
        else:
            grad = xp.asarray(grad.data if isinstance(grad, Tensor) else grad, dtype=self.dtype)
            if grad.shape != self.shape:
                raise ValueError(f"gradient of shape {grad.shape} for a tensor of shape {self.shape}")
        grads, summed, anomaly = {id(self): grad}, set(), _modes.anomaly
        for node in _topological_order(self):
            dY = grads.pop(id(node), None)
            if dY is None:
                continue
            fn = node._fn
            if fn is None:
                accumulate_grad(node, dY, owned=id(node) in summed)
                continue
            if node._retains_grad:
                node.grad = dY.copy() if node.grad is None else node.grad + dY
            input_grads = fn.backward(dY)
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            for x, needs, dX in zip(fn.inputs, fn.needs_grad, input_grads):
                if not needs or dX is None:
                    continue
                if anomaly:
                    _check_finite(dX, fn, "backward")
                shape = x.data.shape
                if dX.shape != shape:
                    dX = _sum_to_shape(dX, shape)
                key = id(x)
                if key in grads:
                    grads[key] = grads[key] + dX  # a new array, this backward's own
                    summed.add(key)
                else:
                    grads[key] = dX


def _index_array(index):
    """An index with its Tensors replaced by their arrays (``x[mask]``, ``x[rows, cols]``)."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


def tape(root: Tensor) -> list[Tensor]:
    """The tensors ``root`` was computed from through the tape (those that take a
    gradient), each after every one it was computed from: leaves first, ``root`` last.
    ``t.grad_fn`` is the Function that made ``t``; its ``inputs`` the tensors and
    constants it was applied to."""
    return _topological_order(root)[::-1]


def _topological_order(root: Tensor) -> list[Tensor]:
    """Tensors from ``root`` to the leaves, each after every tensor that uses it.

    Iterative depth-first search (no recursion limit: a chain of 10,000 operations
    works); post-order reversed is a topological order.
    """
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
            continue
        # Marked when expanded, not when pushed: a tensor pushed early (x in x + f(x))
        # must still come after f(x), which reaches it again deeper down.
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        if node._fn is not None:
            for x, needs in zip(node._fn.inputs, node._fn.needs_grad):
                if needs and id(x) not in visited:
                    stack.append((x, False))
    order.reverse()
    return order


def _sum_to_shape(grad, shape):
    """Undo broadcasting: sum ``grad`` over the axes NumPy added or stretched."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def accumulate_grad(leaf: Tensor, dY, owned: bool = False) -> None:
    """Add dY, the complete gradient of ``leaf`` in this backward, to ``leaf.grad``.

    A first gradient becomes ``.grad`` itself only when ``owned`` (an array the backward
    made: a sum of contributions, or a cast), else a copy: a Function's gradient may be
    shared with another input's (x + y passes the same array to both), be the caller's
    array or a view of it, or be kept by the Function, and ``.grad`` is accumulated and
    changed in place by optimizers. Gradients written where an optimizer reads them, with
    no copy, take the explicit road: a Function's ``grad_out``.
    """
    if dY.dtype != leaf.data.dtype:
        dY, owned = dY.astype(leaf.data.dtype), True
    if leaf.grad is not None:
        leaf.grad += dY
    elif owned:
        leaf.grad = dY
    else:
        leaf.grad = backend.xp.array(dY, copy=True)


def tensor(data, requires_grad: bool = False, dtype=None) -> Tensor:
    """A new tensor from a number, a (nested) list or an array.

    Python floats and lists of floats become the default dtype (float32); arrays keep
    their dtype unless ``dtype`` is given. The data are copied, as ``torch.tensor``
    does, so training never writes into the caller's array (``Tensor(array)`` shares
    it, as ``torch.as_tensor``).
    """
    t = Tensor(data, requires_grad=requires_grad, dtype=dtype)
    if isinstance(data, Tensor) or t.data is data or getattr(t.data, "base", None) is data:
        t.data = t.data.copy()
    return t


from lucidnet.autograd import ops as _ops  # noqa: E402  (ops subclass Function, which needs Tensor)

_IN_PLACE = {"+=": ("add", Tensor.__add__), "-=": ("subtract", Tensor.__sub__),
              "*=": ("multiply", Tensor.__mul__), "/=": ("true_divide", Tensor.__truediv__)}
"""Each in-place operator: the ufunc that writes it into the array, the operation that
records it."""
