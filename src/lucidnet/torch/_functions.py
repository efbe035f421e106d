"""The functions of the ``torch`` namespace: creation, maths, reductions, grad modes, files.

Creation follows PyTorch's dtype rules: Python floats and ``rand``/``randn``/``linspace``
give the default float dtype (float32), Python integers and integer ``arange`` int64,
NumPy arrays keep theirs. Random numbers come from lucidnet's generator
(``manual_seed``), so they differ from PyTorch's for the same seed.
"""

from __future__ import annotations

import contextlib
import json
import os

import numpy

from lucidnet import autograd, backend
from lucidnet.errors import FormatError
from lucidnet.io import tensorfile
from lucidnet.threads import get_num_threads, set_num_threads
from lucidnet.torch._unsupported import unsupported
from lucidnet.torch._tensor import Tensor, _shape, as_core, check_device, core, wrap

# -- creation ---------------------------------------------------------------------------
def _new(array, dtype=None, requires_grad=False, device=None) -> Tensor:
    check_device(device)
    array = backend.asarray(array, dtype=dtype)
    return wrap(autograd.Tensor(array, requires_grad=requires_grad))


def tensor(data, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A new tensor holding a copy of ``data`` (a number, a nested list, an array, a Tensor)."""
    check_device(device)
    if isinstance(data, Tensor):
        data = data.core.data
    elif isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
        data = [x.item() if isinstance(x, Tensor) else x for x in data]
    return wrap(autograd.tensor(data, requires_grad=requires_grad, dtype=dtype))


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` as a tensor, sharing an array's memory when the dtype already fits."""
    if isinstance(data, Tensor):
        return data if dtype is None else data.type(dtype)
    check_device(device)
    return wrap(autograd.Tensor(data, dtype=dtype))


def from_numpy(array) -> Tensor:
    """A tensor sharing ``array``'s memory (writes to either show in both)."""
    if not isinstance(array, numpy.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return wrap(autograd.Tensor(array))


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def numel(x) -> int:
    return x.numel()


def _filled(value, size, dtype, requires_grad, device):
    dtype = backend.get_default_dtype() if dtype is None else dtype
    return _new(backend.xp.full(_shape(size), value, dtype=dtype), None, requires_grad, device)


def zeros(*size, dtype=None, requires_grad=False, device=None) -> Tensor:
    return _filled(0, size, dtype, requires_grad, device)


def ones(*size, dtype=None, requires_grad=False, device=None) -> Tensor:
    return _filled(1, size, dtype, requires_grad, device)


empty = zeros  # PyTorch leaves the memory uninitialized; zeros are one valid content


def full(size, fill_value, dtype=None, requires_grad=False, device=None) -> Tensor:
    if dtype is None and not isinstance(fill_value, (float, complex)):
        dtype = numpy.bool_ if isinstance(fill_value, bool) else numpy.int64
    return _filled(fill_value, (size,), dtype, requires_grad, device)


def _like(x, value, dtype, requires_grad):
    return _new(backend.xp.full(x.shape, value, dtype=x.dtype if dtype is None else dtype),
                None, requires_grad)


def zeros_like(x, dtype=None, requires_grad=False, device=None) -> Tensor:
    return _like(x, 0, dtype, requires_grad)


def ones_like(x, dtype=None, requires_grad=False, device=None) -> Tensor:
    return _like(x, 1, dtype, requires_grad)


empty_like = zeros_like


def full_like(x, fill_value, dtype=None, requires_grad=False, device=None) -> Tensor:
    return _like(x, fill_value, dtype, requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False, device=None) -> Tensor:
    return _new(numpy.eye(n, m), dtype or backend.get_default_dtype(), requires_grad, device)


def arange(start, end=None, step=1, dtype=None, requires_grad=False, device=None) -> Tensor:
    """[start, end) by step: int64 when all three are integers, else the default float."""
    start, end = (0, start) if end is None else (start, end)
    integral = all(isinstance(v, int) for v in (start, end, step))
    dtype = dtype or (numpy.int64 if integral else backend.get_default_dtype())
    return _new(numpy.arange(start, end, step), dtype, requires_grad, device)


def linspace(start, end, steps, dtype=None, requires_grad=False, device=None) -> Tensor:
    return _new(numpy.linspace(start, end, steps), dtype or backend.get_default_dtype(),
                requires_grad, device)


def _random(values, dtype, requires_grad, device):
    return _new(values, dtype or backend.get_default_dtype(), requires_grad, device)


def rand(*size, dtype=None, requires_grad=False, device=None, generator=None) -> Tensor:
    """U[0, 1) draws."""
    return _random(backend.rng().random(_shape(size)), dtype, requires_grad, device)


def randn(*size, dtype=None, requires_grad=False, device=None, generator=None) -> Tensor:
    """N(0, 1) draws."""
    return _random(backend.rng().standard_normal(_shape(size)), dtype, requires_grad, device)


def rand_like(x, dtype=None, requires_grad=False, device=None) -> Tensor:
    return rand(x.shape, dtype=dtype or x.dtype, requires_grad=requires_grad)


def randn_like(x, dtype=None, requires_grad=False, device=None) -> Tensor:
    return randn(x.shape, dtype=dtype or x.dtype, requires_grad=requires_grad)


def randint(low, high=None, size=None, dtype=None, requires_grad=False, device=None) -> Tensor:
    """Integers drawn uniformly from [low, high) (``randint(high, size)`` as PyTorch)."""
    if size is None:
        low, high, size = 0, low, high
    return _new(backend.rng().integers(low, high, _shape((size,))), dtype or numpy.int64,
                requires_grad, device)


def randperm(n, dtype=None, device=None) -> Tensor:
    return _new(backend.rng().permutation(n), dtype or numpy.int64, False, device)


def normal(mean=0.0, std=1.0, size=None, dtype=None, requires_grad=False, device=None) -> Tensor:
    """N(mean, std²) draws: float mean and std with ``size``, or tensors broadcast."""
    like = mean if isinstance(mean, Tensor) else std if isinstance(std, Tensor) else None
    if like is None and size is None:
        raise TypeError("normal() with float mean and std needs a size")
    mean, std = numpy.asarray(mean), numpy.asarray(std)
    shape = _shape((size,)) if size is not None else numpy.broadcast_shapes(mean.shape, std.shape)
    draws = backend.rng().normal(mean, std, shape)
    return _random(draws, dtype or (like.dtype if like is not None else None), requires_grad,
                   device)


def manual_seed(seed) -> None:
    """Seed lucidnet's generator (initializers, dropout, shuffles, ``randn``)."""
    backend.manual_seed(int(seed))


def get_default_dtype():
    return backend.get_default_dtype()


def set_default_dtype(d) -> None:
    backend.set_default_dtype(d)


# -- joining and selecting ----------------------------------------------------------------
def cat(tensors, dim=0) -> Tensor:
    return wrap(autograd.concatenate([core(t) for t in tensors], axis=dim))


concat = concatenate = cat


def stack(tensors, dim=0) -> Tensor:
    return wrap(autograd.stack([core(t) for t in tensors], axis=dim))


def where(condition, input=None, other=None) -> Tensor:  # noqa: A002 (PyTorch's names)
    if input is None and other is None:
        raise unsupported("torch.where(condition) with one argument")
    like = input if isinstance(input, Tensor) else other
    return wrap(autograd.where(core(condition), as_core(input, core(like)),
                               as_core(other, core(like))))


def maximum(input, other) -> Tensor:  # noqa: A002
    return wrap(autograd.maximum(core(input), core(other)))


def minimum(input, other) -> Tensor:  # noqa: A002
    return wrap(autograd.minimum(core(input), core(other)))


# -- the Tensor methods as functions (torch.exp(x) is x.exp()) ------------------------------
def max(input, dim=None, keepdim=False):  # noqa: A001, A002
    return input.max(dim, keepdim)


def min(input, dim=None, keepdim=False):  # noqa: A001, A002
    return input.min(dim, keepdim)


def sum(input, dim=None, keepdim=False, dtype=None):  # noqa: A001, A002
    return input.sum(dim, keepdim, dtype)


def mean(input, dim=None, keepdim=False, dtype=None):  # noqa: A002
    return input.mean(dim, keepdim, dtype)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    return input.std(dim, unbiased, keepdim, correction=correction)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    return input.var(dim, unbiased, keepdim, correction=correction)


def argmax(input, dim=None, keepdim=False):  # noqa: A002
    return input.argmax(dim, keepdim)


def argmin(input, dim=None, keepdim=False):  # noqa: A002
    return input.argmin(dim, keepdim)


def clamp(input, min=None, max=None):  # noqa: A002
    return input.clamp(min, max)


clip = clamp


def pow(input, exponent):  # noqa: A001, A002
    return input ** exponent if isinstance(input, Tensor) else exponent.__rpow__(input)


def matmul(input, other):  # noqa: A002
    return input @ other


def mm(input, mat2):  # noqa: A002
    return input.mm(mat2)


def dot(input, other):  # noqa: A002
    return input @ other


def softmax(input, dim, dtype=None):  # noqa: A002
    return (input if dtype is None else input.type(dtype)).softmax(dim)


def log_softmax(input, dim, dtype=None):  # noqa: A002
    return (input if dtype is None else input.type(dtype)).log_softmax(dim)


def logsumexp(input, dim, keepdim=False):  # noqa: A002
    return input.logsumexp(dim, keepdim)


def norm(input, p=2, dim=None, keepdim=False):  # noqa: A002
    return input.norm(p, dim, keepdim)


def reshape(input, shape):  # noqa: A002
    return input.reshape(shape)


def flatten(input, start_dim=0, end_dim=-1):  # noqa: A002
    return input.flatten(start_dim, end_dim)


def squeeze(input, dim=None):  # noqa: A002
    return input.squeeze(dim)


def unsqueeze(input, dim):  # noqa: A002
    return input.unsqueeze(dim)


def transpose(input, dim0, dim1):  # noqa: A002
    return input.transpose(dim0, dim1)


def permute(input, dims):  # noqa: A002
    return input.permute(dims)


def t(input):  # noqa: A002
    return input.t()


def masked_fill(input, mask, value):  # noqa: A002
    return input.masked_fill(mask, value)


def _elementwise(name):
    def function(input):  # noqa: A002
        return getattr(as_tensor(input), name)()
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``torch.{name}(x)`` is ``x.{name}()``."
    return function


exp, log, sqrt, abs, sin, cos, tanh, sigmoid, relu, square, neg, sign, round, floor, ceil, \
    reciprocal, isnan, isinf, isfinite = (_elementwise(n) for n in (  # noqa: A001
        "exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "square", "neg",
        "sign", "round", "floor", "ceil", "reciprocal", "isnan", "isinf", "isfinite"))
negative = neg


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:  # noqa: A002
    return bool(numpy.allclose(numpy.asarray(input), numpy.asarray(other), rtol, atol,
                                        equal_nan))


def equal(input, other) -> bool:  # noqa: A002
    return input.shape == other.shape and bool((input == other).all())


# -- gradient modes -------------------------------------------------------------------------
class _GradMode(contextlib.ContextDecorator):
    """A context manager and decorator around lucidnet's grad-mode contexts."""

    enter = staticmethod(autograd.no_grad)

    def __init__(self):
        self._contexts = []

    def __enter__(self):
        self._contexts.append(self.enter())
        self._contexts[-1].__enter__()

    def __exit__(self, *exc):
        self._contexts.pop().__exit__(*exc)


class no_grad(_GradMode):  # noqa: N801
    """Record nothing on the tape inside the block (or the decorated function)."""


class enable_grad(_GradMode):  # noqa: N801
    """Record again inside a ``no_grad`` block."""

    enter = staticmethod(autograd.enable_grad)


class inference_mode(_GradMode):  # noqa: N801
    """``no_grad`` (lucidnet has no separate inference mode); ``inference_mode(False)``
    changes nothing."""

    def __init__(self, mode: bool = True):
        super().__init__()
        self.enter = autograd.no_grad if mode else contextlib.nullcontext


class set_grad_enabled:  # noqa: N801
    """Turn recording on or off now; as a context manager, restore it at the exit."""

    def __init__(self, mode: bool):
        self._context = autograd.enable_grad() if mode else autograd.no_grad()
        self._context.__enter__()

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        self._context.__exit__(*exc)


is_grad_enabled = autograd.is_grad_enabled


# -- files: safetensors with a JSON skeleton, never pickle ---------------------------------
_TENSOR_KEY = "__lucidnet_tensor__"


def _split(obj, tensors: dict, path: str):
    """``obj`` as JSON with each tensor replaced by a reference into ``tensors``."""
    if isinstance(obj, (Tensor, numpy.ndarray)):
        name = path or "tensor"  # a state_dict's keys stay its names in the file
        while name in tensors:
            name += "'"
        tensors[name] = backend.to_numpy(core(obj).data if isinstance(obj, Tensor) else obj)
        return {_TENSOR_KEY: name}
    if isinstance(obj, dict):
        if not all(isinstance(k, (str, int)) for k in obj):
            raise TypeError("torch.save: dictionary keys must be strings or integers")
        return {"keys": [[type(k).__name__, k] for k in obj],
                "values": [_split(v, tensors, f"{path}.{k}" if path else str(k))
                           for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        return {type(obj).__name__: [_split(v, tensors, f"{path}.{i}") for i, v in enumerate(obj)]}
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return {"value": obj}
    raise TypeError(f"torch.save keeps tensors, dicts, lists, numbers and strings (a "
                    f"safetensors file, never a pickle), got {type(obj).__name__}")


def _join(node, tensors: dict, path):
    """The object ``_split`` described by ``node``; a KeyError, TypeError or ValueError
    where the description is damaged (``load`` reports it)."""
    if not isinstance(node, dict) or len(node) != 1 and set(node) != {"keys", "values"}:
        raise ValueError(f"unexpected entry {str(node)[:60]}")
    if _TENSOR_KEY in node:
        return wrap(autograd.Tensor(backend.asarray(tensors[node[_TENSOR_KEY]])))
    if "keys" in node:
        keys = [int(k) if kind == "int" else str(k) for kind, k in node["keys"]]
        return dict(zip(keys, (_join(v, tensors, path) for v in node["values"])))
    if "list" in node or "tuple" in node:
        items = [_join(v, tensors, path) for v in node.get("list", node.get("tuple"))]
        return items if "list" in node else tuple(items)
    return node["value"]


def save(obj, f) -> None:
    """Write a tensor, or a (nested) dict such as a ``state_dict``, to the path ``f``:
    tensors as safetensors, the rest as JSON in its header; written atomically."""
    if not isinstance(f, (str, os.PathLike)):
        raise unsupported("torch.save to a file object (give a path)")
    tensors: dict = {}
    skeleton = _split(obj, tensors, "")
    tensorfile.write(f, tensors, {"lucidnet.torch": json.dumps(skeleton)})


def load(f, map_location=None, weights_only=True, **kwargs):
    """Read what :func:`save` wrote, or any safetensors file (a dict of its tensors, as
    ``safetensors.torch.load_file`` gives). Nothing in the file can run code (no pickle)."""
    if not isinstance(f, (str, os.PathLike)):
        raise unsupported("torch.load from a file object (give a path)")
    tensors, metadata = tensorfile.read(f)
    if "lucidnet.torch" not in metadata:
        return {name: wrap(autograd.Tensor(backend.asarray(a))) for name, a in tensors.items()}
    skeleton = tensorfile.parse_json(metadata["lucidnet.torch"], "torch.save's header", f)
    try:
        return _join(skeleton, tensors, f)
    except (KeyError, TypeError, ValueError, RecursionError) as err:
        raise FormatError(f"{f}: a damaged lucidnet.torch.save header "
                          f"({type(err).__name__}: {str(err)[:80]})") from None



__all__ = [
    "abs", "allclose", "arange", "argmax", "argmin", "as_tensor", "cat", "ceil", "clamp", "clip",
    "concat", "concatenate", "cos", "dot", "empty", "empty_like", "enable_grad", "equal", "exp",
    "eye", "flatten", "floor", "from_numpy", "full", "full_like", "get_default_dtype",
    "get_num_threads",
    "inference_mode", "is_grad_enabled", "is_tensor", "isfinite", "isinf", "isnan", "linspace",
    "load", "log", "log_softmax", "logsumexp",
    "manual_seed", "masked_fill", "matmul", "max", "maximum", "mean", "min", "minimum", "mm",
    "neg", "negative", "no_grad", "norm", "normal", "numel", "ones", "ones_like", "permute",
    "pow", "rand", "rand_like", "randint", "randn", "randn_like", "randperm", "reciprocal",
    "relu", "reshape", "round", "save", "set_default_dtype", "set_grad_enabled",
    "set_num_threads", "sigmoid",
    "sign", "sin", "softmax", "sqrt", "square", "squeeze", "stack", "std", "sum", "t", "tanh",
    "tensor", "transpose", "unsqueeze", "var", "where", "zeros", "zeros_like",
]
