"""``torch.Tensor`` over lucidnet's Tensor: PyTorch's names around the one engine.

A facade Tensor holds one :class:`lucidnet.Tensor` (its ``core``) and maps PyTorch's
names and conventions onto it: ``dim=``/``keepdim=`` become ``axis=``/``keepdims=``,
``.grad`` and ``.data`` are Tensors over the same arrays (so ``p.grad.zero_()`` and
``p.data.normal_(0, 0.01)`` write where the engine reads), in-place methods write into
the array. Every differentiable operation is a Function of :mod:`lucidnet.autograd` or
:mod:`lucidnet.functional`; nothing here computes a derivative.
"""

from __future__ import annotations

import collections
import math

import numpy

from lucidnet import autograd, backend
from lucidnet.functional import activations as A
from lucidnet.nn import Parameter as CoreParameter
from lucidnet.torch._unsupported import missing, unsupported


class Size(tuple):
    """A tensor's shape: a tuple that prints as ``torch.Size([2, 3])``."""

    def numel(self) -> int:
        return math.prod(self)

    def __repr__(self):
        return f"torch.Size({list(self)})"


class device:  # noqa: N801 (PyTorch's name)
    """Where a tensor lives: ``'cpu'`` on lucidnet's NumPy backend, ``'cuda'`` on CuPy."""

    def __init__(self, type="cpu", index=None):  # noqa: A002 (PyTorch's name)
        if isinstance(type, device):
            type, index = type.type, type.index
        name, _, number = str(type).partition(":")
        if name not in ("cpu", "cuda"):
            raise RuntimeError(f"lucidnet.torch knows the devices 'cpu' and 'cuda', got {type!r}")
        self.type, self.index = name, int(number) if number else index

    def __eq__(self, other):
        other = device(other) if isinstance(other, str) else other
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __repr__(self):
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"


Device = device  # the class, where an argument is named ``device`` (PyTorch's name)


def current_device() -> device:
    """The device of lucidnet's active backend."""
    return device("cuda", 0) if backend.name == "cupy" else device("cpu")


def check_device(target) -> None:
    """Accept a device that is lucidnet's backend; else say how to get there."""
    if target is None:
        return
    wanted = device(target).type
    if wanted == "cuda" and backend.name != "cupy":
        raise RuntimeError("lucidnet.torch: 'cuda' needs lucidnet's CuPy backend "
                           "(lucidnet.set_backend('cupy')); this session runs on the CPU (NumPy)")
    if wanted == "cpu" and backend.name == "cupy":
        raise RuntimeError("lucidnet.torch: tensors live on the GPU under the CuPy backend; "
                           "use .numpy() for a host copy, or lucidnet.set_backend('numpy')")


def core(x):
    """The lucidnet Tensor behind a facade Tensor; anything else as it came."""
    return x.core if isinstance(x, Tensor) else x


def wrap(t) -> Tensor:
    """A facade Tensor around the lucidnet Tensor ``t`` (arrays are wrapped uncopied)."""
    out = Tensor.__new__(Tensor)
    out.core = t if isinstance(t, autograd.Tensor) else autograd.Tensor(t)
    return out


def as_core(x, like=None):
    """``x`` (a facade Tensor, an array, a number) as a lucidnet Tensor; a Python number
    takes ``like``'s float dtype, as PyTorch's scalars do."""
    if isinstance(x, (Tensor, autograd.Tensor)):
        return core(x)
    if like is not None and like.dtype.kind == "f" and numpy.ndim(x) == 0:
        return autograd.Tensor(backend.xp.asarray(x, dtype=like.dtype))
    return autograd.Tensor(x)


def _axis(dim):
    return tuple(dim) if isinstance(dim, list) else dim


def _shape(args) -> tuple:
    """``f(2, 3)`` and ``f((2, 3))`` both mean the shape (2, 3)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


ValuesIndices = collections.namedtuple("ValuesIndices", ["values", "indices"])
"""What ``max(dim)`` and ``min(dim)`` return, as PyTorch's ``torch.return_types``."""


class Tensor:
    """PyTorch's tensor over one :class:`lucidnet.Tensor` (``.core``).

    ``Tensor(data)`` is PyTorch's legacy constructor: a float tensor of the default
    dtype from a list or an array (copied), or ``Tensor(2, 3)`` of that shape (zeros
    here, where PyTorch leaves memory uninitialized).
    """

    __slots__ = ("core", "__weakref__")
    __array_ufunc__ = None  # ndarray <op> Tensor defers to Tensor's reflected operator
    __hash__ = object.__hash__

    def __init__(self, *data):
        if len(data) == 1 and not isinstance(data[0], int):
            source = data[0].core.data if isinstance(data[0], Tensor) else data[0]
            self.core = autograd.tensor(source, dtype=backend.get_default_dtype())
        else:
            dtype = backend.get_default_dtype()
            self.core = autograd.Tensor(backend.xp.zeros(_shape(data), dtype=dtype))

    def __getattr__(self, name):
        raise missing("Tensor", name)

    # -- facts ------------------------------------------------------------------------
    shape = property(lambda self: Size(self.core.shape))
    dtype = property(lambda self: self.core.dtype)
    ndim = property(lambda self: self.core.ndim)
    is_leaf = property(lambda self: self.core.is_leaf)
    grad_fn = property(lambda self: self.core.grad_fn)
    device = property(lambda self: current_device())
    is_cuda = property(lambda self: backend.name == "cupy")
    T = property(lambda self: self.t() if self.ndim <= 2 else self.permute(*range(self.ndim)[::-1]))

    @property
    def requires_grad(self) -> bool:
        return self.core.requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool):
        self.requires_grad_(flag)

    @property
    def grad(self):
        """dL/dθ as a Tensor over the engine's gradient array (None before a backward)."""
        return None if self.core.grad is None else wrap(self.core.grad)

    @grad.setter
    def grad(self, value):
        self.core.grad = None if value is None else core(value).data if isinstance(
            value, Tensor) else backend.asarray(value)

    @property
    def data(self):
        """The values as a Tensor that shares them and records nothing (``p.data.fill_(0)``)."""
        return wrap(self.core.data)

    @data.setter
    def data(self, value):
        self.core.data = core(value).data if isinstance(value, Tensor) else backend.asarray(value)

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[dim]

    def dim(self) -> int:
        return self.ndim

    def numel(self) -> int:
        return self.core.size

    nelement = numel

    def element_size(self) -> int:
        return self.dtype.itemsize

    def item(self):
        return self.core.item()

    def tolist(self):
        return self.core.tolist()

    def numpy(self) -> numpy.ndarray:
        """The values as a NumPy array, sharing memory (as PyTorch, refused with a grad)."""
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self.core.numpy()

    def __array__(self, dtype=None, copy=None):
        array = self.core.numpy()
        return array if dtype is None else array.astype(dtype, copy=False)

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.core)

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self)))

    def __bool__(self):
        return bool(self.core)

    def __float__(self):
        return float(self.core)

    def __int__(self):
        return int(self.core)

    def __index__(self):
        if self.dtype.kind not in "iu" or self.core.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.core)

    def __format__(self, spec):
        return format(self.item(), spec) if self.core.size == 1 and spec else str(self)

    def __repr__(self):
        values = self.core.numpy()
        finite = values[numpy.isfinite(values)] if values.dtype.kind == "f" else values
        whole = values.dtype.kind != "f" or bool((finite == numpy.round(finite)).all())
        body = numpy.array2string(values, separator=", ", prefix="tensor(", precision=4,
                                  floatmode="maxprec" if whole else "fixed")  # 1. / 0.5000
        extra = "" if self.dtype in (backend.get_default_dtype(), numpy.int64, numpy.bool_) else \
            f", dtype=torch.{self.dtype}"
        if self.grad_fn is not None:
            extra += f", grad_fn=<{type(self.grad_fn).__name__}Backward>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    # -- autograd -----------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate dL/dx into ``.grad`` of every leaf. The tape is kept after a backward,
        so ``retain_graph`` changes nothing; ``create_graph`` (higher order) is not offered."""
        if create_graph:
            raise unsupported("backward(create_graph=True) (higher-order gradients)")
        if inputs is not None:
            raise unsupported("backward(inputs=...)")
        self.core.backward(None if gradient is None else core(gradient))

    def detach(self) -> Tensor:
        return wrap(self.core.detach())

    def detach_(self) -> Tensor:
        self.core = self.core.detach()
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self.core.requires_grad_(requires_grad)
        return self

    def retain_grad(self):
        raise unsupported("Tensor.retain_grad (gradients of non-leaf tensors)")

    # -- dtype and device -----------------------------------------------------------------
    def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False):
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)``."""
        for arg in args:
            if isinstance(arg, Tensor):
                dtype, device = arg.dtype, None
            elif isinstance(arg, (str, Device)):
                device = arg
            else:
                dtype = arg
        check_device(device)
        out = self if dtype is None else self.type(dtype)
        return out.clone() if copy and out is self else out

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self, device=None, non_blocking=False) -> Tensor:
        return self.to("cuda")

    def type(self, dtype=None):
        """The type's name (``'torch.FloatTensor'``) without argument; else this tensor in
        ``dtype`` (differentiable between floats; integers and bools record nothing)."""
        if dtype is None:
            return _TYPE_NAMES.get(self.dtype.name, f"torch.{self.dtype.name}")
        dtype = numpy.dtype(_TYPE_DTYPES.get(dtype, dtype))
        if dtype == self.dtype:
            return self
        if dtype.kind != "f":
            return wrap(self.core.detach().astype(dtype))
        return wrap(self.core.astype(dtype))

    def type_as(self, other) -> Tensor:
        return self.type(other.dtype)

    def float(self):
        return self.type(numpy.float32)

    def double(self):
        return self.type(numpy.float64)

    def long(self):
        return self.type(numpy.int64)

    def int(self):
        return self.type(numpy.int32)

    def bool(self):
        return self.type(numpy.bool_)

    def is_floating_point(self) -> bool:
        return self.dtype.kind == "f"

    # -- arithmetic (each a Function of lucidnet.autograd.ops) ---------------------------
    def _operands(self, other, division: bool = False):
        """(self, other) as lucidnet Tensors under PyTorch's promotion across kinds: an
        integer or bool operand takes the float operand's dtype (float32 stays float32),
        meets a Python float or a true division as the default float dtype."""
        a = self.core
        b = other.core if isinstance(other, Tensor) else other
        b_kind = b.dtype.kind if hasattr(b, "dtype") else "f" if isinstance(b, float) else "i"
        if a.dtype.kind in "biu" and (b_kind == "f" or division):
            a = a.astype(b.dtype if b_kind == "f" and hasattr(b, "dtype")
                         else backend.get_default_dtype())
        b = as_core(b, like=a)
        if a.dtype.kind == "f" and b.dtype.kind in "biu":
            b = b.astype(a.dtype)
        return a, b

    def __add__(self, other):
        a, b = self._operands(other)
        return wrap(a + b)

    def __radd__(self, other):
        a, b = self._operands(other)
        return wrap(b + a)

    def __sub__(self, other):
        a, b = self._operands(other)
        return wrap(a - b)

    def __rsub__(self, other):
        a, b = self._operands(other)
        return wrap(b - a)

    def __mul__(self, other):
        a, b = self._operands(other)
        return wrap(a * b)

    def __rmul__(self, other):
        a, b = self._operands(other)
        return wrap(b * a)

    def __truediv__(self, other):
        a, b = self._operands(other, division=True)
        return wrap(a / b)

    def __rtruediv__(self, other):
        a, b = self._operands(other, division=True)
        return wrap(b / a)

    def __floordiv__(self, other):
        return wrap(backend.xp.floor_divide(self.core.data, self._operands(other)[1].data))

    def __mod__(self, other):
        return wrap(backend.xp.mod(self.core.data, self._operands(other)[1].data))

    def __pow__(self, exponent):
        return wrap(self.core ** core(exponent))

    def __rpow__(self, base):
        a, b = self._operands(base)
        return wrap(b ** a)

    def __matmul__(self, other):
        a, b = self._operands(other)
        return wrap(a @ b)

    def __rmatmul__(self, other):
        a, b = self._operands(other)
        return wrap(b @ a)

    def __neg__(self):
        return wrap(-self.core)

    def __pos__(self):
        return self

    def __abs__(self):
        return wrap(abs(self.core))

    def __invert__(self):
        return wrap(backend.xp.invert(self.core.data))

    def __and__(self, other):
        return wrap(self.core.data & self._operands(other)[1].data)

    def __or__(self, other):
        return wrap(self.core.data | self._operands(other)[1].data)

    def __eq__(self, other):
        return wrap(self.core == core(other))

    def __ne__(self, other):
        return wrap(self.core != core(other))

    def __lt__(self, other):
        return wrap(self.core < core(other))

    def __le__(self, other):
        return wrap(self.core <= core(other))

    def __gt__(self, other):
        return wrap(self.core > core(other))

    def __ge__(self, other):
        return wrap(self.core >= core(other))

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__
    add, sub, mul, div, matmul, pow = __add__, __sub__, __mul__, __truediv__, __matmul__, __pow__
    subtract, multiply, divide = sub, mul, div

    def mm(self, other):
        if self.ndim != 2 or core(other).ndim != 2:
            raise RuntimeError(f"mm needs two matrices, got shapes {tuple(self.shape)} "
                               f"and {tuple(core(other).shape)}")
        return self @ other

    def dot(self, other):
        return self @ other

    # -- in place (the engine's rules: off the tape, or raise) -----------------------------
    def __iadd__(self, other):
        self.core += core(other)
        return self

    def __isub__(self, other):
        self.core -= core(other)
        return self

    def __imul__(self, other):
        self.core *= core(other)
        return self

    def __itruediv__(self, other):
        self.core /= core(other)
        return self

    def add_(self, other, alpha=1):
        self.core += core(other) if alpha == 1 else core(other * alpha)
        return self

    def sub_(self, other, alpha=1):
        self.core -= core(other) if alpha == 1 else core(other * alpha)
        return self

    def mul_(self, other):
        self.core *= core(other)
        return self

    def div_(self, other):
        self.core /= core(other)
        return self

    def __setitem__(self, index, value):
        self.core[_index(index)] = core(value)

    def copy_(self, source) -> Tensor:
        self[...] = source
        return self

    def fill_(self, value) -> Tensor:
        self[...] = value
        return self

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def normal_(self, mean=0.0, std=1.0) -> Tensor:
        return self.copy_(backend.asarray(backend.rng().normal(mean, std, self.shape)))

    def uniform_(self, a=0.0, b=1.0) -> Tensor:  # noqa: A002
        return self.copy_(backend.asarray(backend.rng().uniform(a, b, self.shape)))

    def clamp_(self, min=None, max=None) -> Tensor:  # noqa: A002
        return self.copy_(self.detach().clamp(min, max))

    # -- indexing and shapes --------------------------------------------------------------
    def __getitem__(self, index):
        return wrap(self.core[_index(index)])

    def reshape(self, *shape) -> Tensor:
        return wrap(self.core.reshape(_shape(shape)))

    view = reshape

    def view_as(self, other) -> Tensor:
        return self.reshape(other.shape)

    reshape_as = view_as

    def flatten(self, start_dim=0, end_dim=-1) -> Tensor:
        n = max(self.ndim, 1)
        start, end = start_dim % n, end_dim % n
        shape = self.shape
        return self.reshape(shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:])

    def unsqueeze(self, dim) -> Tensor:
        dim = dim % (self.ndim + 1)
        return self.reshape(self.shape[:dim] + (1,) + self.shape[dim:])

    def squeeze(self, dim=None) -> Tensor:
        if dim is None:
            return self.reshape(tuple(n for n in self.shape if n != 1))
        dims = {d % max(self.ndim, 1) for d in (dim if isinstance(dim, (tuple, list)) else [dim])}
        kept = (n for i, n in enumerate(self.shape) if not (i in dims and n == 1))
        return self.reshape(tuple(kept))

    def permute(self, *dims) -> Tensor:
        return wrap(self.core.transpose(_shape(dims)))

    def transpose(self, dim0, dim1) -> Tensor:
        axes = list(range(self.ndim))
        axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return self.permute(axes)

    swapaxes = transpose

    def t(self) -> Tensor:
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, got {self.ndim}")
        return self.transpose(0, 1) if self.ndim == 2 else self

    def expand(self, *sizes) -> Tensor:
        """A broadcast (x + zeros of the target shape: the engine sums the gradient back)."""
        sizes = _shape(sizes)
        shape = tuple(n if s == -1 else s for n, s in zip((1,) * (len(sizes) - self.ndim)
                                                          + self.shape, sizes))
        return self + backend.xp.zeros(shape, dtype=self.dtype)

    def expand_as(self, other) -> Tensor:
        return self.expand(other.shape)

    def contiguous(self) -> Tensor:
        return self

    def clone(self) -> Tensor:
        """A copy that stays on the tape (dX = dY)."""
        return self + 0

    def chunk(self, chunks, dim=0):
        size = -(-self.shape[dim] // chunks)
        return self.split(size, dim)

    def split(self, split_size, dim=0):
        n, dim = self.shape[dim], dim % self.ndim
        sizes = [split_size] * (n // split_size) + ([n % split_size] if n % split_size else []) \
            if isinstance(split_size, int) else list(split_size)
        starts = numpy.cumsum([0] + sizes[:-1])
        return tuple(self[(slice(None),) * dim + (slice(s, s + k),)] for s, k in zip(starts, sizes))

    # -- reductions -----------------------------------------------------------------------
    def sum(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None) -> Tensor:
        dim, keepdim = _numpy_names(dim, keepdim, axis, keepdims)
        x = self if dtype is None else self.type(dtype)
        x = x if x.dtype.kind in "fc" or dtype is not None else x.type(numpy.int64)
        return wrap(x.core.sum(axis=_axis(dim), keepdims=keepdim))

    def mean(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None) -> Tensor:
        dim, keepdim = _numpy_names(dim, keepdim, axis, keepdims)
        if self.dtype.kind != "f" and dtype is None:
            raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be "
                               f"floating point, got {self.dtype}")
        x = self if dtype is None else self.type(dtype)
        return wrap(x.core.mean(axis=_axis(dim), keepdims=keepdim))

    def _extreme(self, dim, keepdim, reduce, arg):
        if dim is None:
            return wrap(reduce(self.core))
        return ValuesIndices(wrap(reduce(self.core, axis=dim, keepdims=keepdim)),
                             arg(self, dim, keepdim))

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The largest value; with ``dim``, (values, indices); with a tensor, elementwise."""
        dim, keepdim = _numpy_names(dim, keepdim, axis, keepdims)
        if isinstance(dim, Tensor):
            return wrap(autograd.maximum(self.core, dim.core))
        return self._extreme(dim, keepdim, autograd.Tensor.max, Tensor.argmax)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        dim, keepdim = _numpy_names(dim, keepdim, axis, keepdims)
        if isinstance(dim, Tensor):
            return wrap(autograd.minimum(self.core, dim.core))
        return self._extreme(dim, keepdim, autograd.Tensor.min, Tensor.argmin)

    def amax(self, dim=None, keepdim=False):
        return wrap(self.core.max(axis=_axis(dim), keepdims=keepdim))

    def amin(self, dim=None, keepdim=False):
        return wrap(self.core.min(axis=_axis(dim), keepdims=keepdim))

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None) -> Tensor:
        dim, keepdim = _numpy_names(dim, keepdim, axis, keepdims)
        return wrap(backend.xp.argmax(self.core.data, axis=dim, keepdims=keepdim))

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None) -> Tensor:
        dim, keepdim = _numpy_names(dim, keepdim, axis, keepdims)
        return wrap(backend.xp.argmin(self.core.data, axis=dim, keepdims=keepdim))

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None) -> Tensor:
        """Σ(x − x̄)² / (n − correction); correction 1 (Bessel's) by default, as PyTorch."""
        correction = (0 if unbiased is False else 1) if correction is None else correction
        centred = self - self.mean(dim, keepdim=True)
        dims = range(self.ndim) if dim is None else dim if isinstance(dim, (tuple, list)) else [dim]
        n = math.prod(self.shape[d] for d in dims)
        return (centred * centred).sum(dim, keepdim=keepdim) / (n - correction)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None) -> Tensor:
        return self.var(dim, unbiased, keepdim, correction=correction).sqrt()

    def norm(self, p=2, dim=None, keepdim=False) -> Tensor:
        if p != 2:
            raise unsupported(f"Tensor.norm(p={p!r}) (only the Euclidean norm, p=2)")
        return (self * self).sum(dim, keepdim=keepdim).sqrt()

    def logsumexp(self, dim, keepdim=False) -> Tensor:
        """ln Σ eˣ along ``dim``, shifted by the maximum m so no exponential overflows:
        m + ln Σ e^{x − m} (m is a constant: the gradient is softmax(x) either way)."""
        m = self.detach().amax(dim, keepdim=True)
        out = m + (self - m).exp().sum(dim, keepdim=True).log()
        return out if keepdim else out.squeeze(dim)

    def isnan(self) -> Tensor:
        return wrap(backend.xp.isnan(self.core.data))

    def isinf(self) -> Tensor:
        return wrap(backend.xp.isinf(self.core.data))

    def isfinite(self) -> Tensor:
        return wrap(backend.xp.isfinite(self.core.data))

    def all(self, dim=None) -> Tensor:
        return wrap(backend.xp.all(self.core.data, axis=dim))

    def any(self, dim=None) -> Tensor:
        return wrap(backend.xp.any(self.core.data, axis=dim))

    # -- elementwise functions ---------------------------------------------------------------
    def exp(self):
        return wrap(self.core.exp())

    def log(self):
        return wrap(self.core.log())

    def sqrt(self):
        return wrap(self.core.sqrt())

    def abs(self):
        return wrap(self.core.abs())

    def sin(self):
        return wrap(self.core.sin())

    def cos(self):
        return wrap(self.core.cos())

    def tanh(self):
        return wrap(A.tanh(self.core))

    def sigmoid(self):
        return wrap(A.sigmoid(self.core))

    def relu(self):
        return wrap(A.relu(self.core))

    def softmax(self, dim):
        return wrap(A.softmax(self.core, axis=dim))

    def log_softmax(self, dim):
        return wrap(A.log_softmax(self.core, axis=dim))

    def square(self):
        return self * self

    def reciprocal(self):
        return 1 / self

    def neg(self):
        return -self

    def sign(self):
        return wrap(backend.xp.sign(self.core.data))

    def round(self):
        return wrap(backend.xp.round(self.core.data))

    def floor(self):
        return wrap(backend.xp.floor(self.core.data))

    def ceil(self):
        return wrap(backend.xp.ceil(self.core.data))

    def clamp(self, min=None, max=None):  # noqa: A002 (PyTorch's names)
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            x = self if min is None else self.max(as_tensor(min, self))
            return x if max is None else x.min(as_tensor(max, self))
        return wrap(self.core.clip(min, max))

    clip = clamp

    def masked_fill(self, mask, value) -> Tensor:
        """``value`` where ``mask`` holds, else this tensor (the kept entries get dY)."""
        return wrap(autograd.where(core(mask).data if isinstance(mask, Tensor) else mask,
                                   as_core(value, like=self.core), self.core))


def _numpy_names(dim, keepdim, axis, keepdims):
    """PyTorch takes NumPy's ``axis`` and ``keepdims`` for ``dim`` and ``keepdim`` too."""
    return (axis if dim is None else dim), (keepdim if keepdims is None else keepdims)


def as_tensor(x, like: Tensor) -> Tensor:
    return x if isinstance(x, Tensor) else wrap(as_core(x, like=like.core))


def _index(index):
    """An index with facade Tensors replaced by the engine's."""
    if isinstance(index, tuple):
        return tuple(core(i) for i in index)
    return core(index)


_TYPE_NAMES = {"float32": "torch.FloatTensor", "float64": "torch.DoubleTensor",
               "int64": "torch.LongTensor", "int32": "torch.IntTensor",
               "bool": "torch.BoolTensor", "uint8": "torch.ByteTensor"}
_TYPE_DTYPES = {v: k for k, v in _TYPE_NAMES.items()}


class Parameter(Tensor):
    """``nn.Parameter``: a Tensor that a Module registers and an optimizer updates.

    Its ``core`` is a :class:`lucidnet.nn.Parameter` sharing ``data``'s array."""

    __slots__ = ()

    def __init__(self, data=None, requires_grad: bool = True):
        data = core(data)
        array = backend.xp.empty(0, dtype=backend.get_default_dtype()) if data is None else \
            data.data if isinstance(data, autograd.Tensor) else backend.asarray(data)
        self.core = CoreParameter(array, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
