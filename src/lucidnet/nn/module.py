"""Module and Parameter: how a layer holds what it learns.

A :class:`Parameter` is a Tensor that requires a gradient. Assigning one to a module
attribute registers it (``self.weight = Parameter(...)``); assigning a Module
registers a child. ``parameters()`` and ``named_parameters()`` walk the tree in
assignment order, gradients accumulate in ``.grad`` and the optimizer zeroes them.
"""

from __future__ import annotations

import functools
from collections import OrderedDict

import numpy

from lucidnet import backend
from lucidnet.autograd import Tensor
from lucidnet.errors import ShapeError
from lucidnet.registry import Registry

LAYERS = Registry("layer")
"""Every layer class by name, so a model file rebuilds an architecture from names."""

_LOADABLE_KINDS = {"f": "fiu", "i": "iu", "u": "iu"}
"""The dtype kinds ``load_state_dict`` copies into a float or integer array: a float takes
integers, an integer never a float (it would be truncated); bool, complex, text never."""


def as_input(x, dtype):
    """``x`` as a Tensor of ``dtype`` (sparse data stay sparse, on the backend's device,
    cast to ``dtype``)."""
    if backend.is_sparse(x):
        x = backend.sparse_to_device(x)
    if isinstance(x, Tensor) or backend.is_sparse(x):
        return x if x.dtype == dtype else x.astype(dtype)  # Tensor.astype is differentiable
    return Tensor(backend.asarray(x, dtype=dtype))


@functools.cache
def _forward_is_function(cls) -> bool:
    """The fusion rule: the class that says what the layer computes (``function``) is
    at or below every class that wrote how it is called (``cls.road``: ``__call__``,
    ``forward``, and Keras's ``call``). A subclass that overrides ``forward`` but not
    ``function`` is run as written."""
    def owner(name):
        return next(k for k in cls.__mro__ if name in k.__dict__)
    said = owner("function")
    return said is not Module and all(issubclass(said, owner(name)) for name in cls.road)


def function_of(module):
    """``module.function()`` when the module's forward is its Function, whoever built it
    (see :func:`_forward_is_function`); else None: the module is run as written."""
    return module.function() if _forward_is_function(type(module)) else None


class Parameter(Tensor):
    """A tensor learned by a module (``requires_grad=True`` by default)."""

    __slots__ = ()

    def __init__(self, data, requires_grad: bool = True):
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class Module:
    """Base of every layer and model.

    Subclasses set parameters and children as attributes in ``__init__`` and define
    ``forward``; calling the module calls ``forward``. ``training`` is True after
    ``train()`` (the default) and False after ``eval()``: Dropout and BatchNorm
    behave differently in the two modes.
    """

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__}.__init__ must call super().__init__() before setting attributes"
            )
        # forget the parameter or child this attribute held, but not a child registered
        # under the same name beside an attribute of another kind (a Keras layer named
        # 'optimizer': assigning model.optimizer must not drop the layer from the model)
        held = self.__dict__.get(name)
        if self._parameters.get(name, held) is held:
            self._parameters.pop(name, None)
        if self._modules.get(name, held) is held:
            self._modules.pop(name, None)
        if isinstance(value, Parameter):
            self._buffers.pop(name, None)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._buffers.pop(name, None)
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` under ``name``; ``None`` records an absent one (no bias)."""
        setattr(self, name, param)
        if param is None:
            self._parameters[name] = None

    def register_buffer(self, name: str, array) -> None:
        """Register state that is saved but not learned (BatchNorm's running mean)."""
        setattr(self, name, array)
        self._buffers[name] = True

    # -- the forward pass ---------------------------------------------------------
    road = ("__call__", "forward")
    """The methods through which a call reaches the computation (see :func:`function_of`)."""

    def function(self):
        """What this layer computes: ``(fn, params)``, a fresh Function ``fn`` applied
        to the input and the Tensors ``params`` (None for an absent one), or None (the
        default: a layer that composes others, or computes nothing in this mode).
        :class:`~lucidnet.nn.Sequential` runs consecutive such layers as one
        :class:`~lucidnet.nn.container.Chain`, and ``fit`` steps it without the tape."""
        return None

    def forward(self, x):
        """``fn(x, *params)`` of :meth:`function`, on the tape. x is cast to
        :meth:`input_dtype` (as Keras does), then ``check_input`` sees it."""
        described = self.function()
        if described is None:
            raise NotImplementedError(f"{type(self).__name__} defines neither function nor forward")
        fn, params = described
        dtype = self.input_dtype(params)
        x = as_input(x, dtype) if dtype is not None else x
        self.check_input(x)
        return fn(x, *params)

    def input_dtype(self, params):
        """The dtype this layer computes in, its input cast to it: that of its first
        parameter among ``params`` (those of :meth:`function`); None for a layer that
        holds none and keeps its input's dtype (an activation)."""
        held = next((p for p in params if p is not None), None)
        return None if held is None else held.dtype

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def check_input(self, x) -> None:
        """Raise ShapeError when the array ``x`` cannot be this layer's input (default: any)."""

    def label(self) -> str:
        """How errors name this layer: its class, and its name when it has one."""
        name = self.__dict__.get("name")
        return f"{type(self).__name__} {name!r}" if name else type(self).__name__

    def check_features(self, x, expected: int, axis: int = -1) -> None:
        """Raise ShapeError unless ``x`` has ``expected`` features on ``axis``."""
        if x.ndim == 0 or x.shape[axis] != expected:
            raise ShapeError(
                f"{self.label()} expects inputs with {expected} features, got shape {tuple(x.shape)}"
            )

    # -- walking the tree ---------------------------------------------------------
    def named_modules(self, prefix: str = ""):
        """(name, module) for this module and every descendant, depth first."""
        yield prefix, self
        for name, child in self._modules.items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self):
        return (m for _, m in self.named_modules())

    def children(self):
        return iter(self._modules.values())

    def named_parameters(self, prefix: str = ""):
        """(dotted name, parameter) of every parameter in the tree, each once."""
        seen = set()
        for module_name, module in self.named_modules(prefix):
            for name, p in module._parameters.items():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{module_name}.{name}" if module_name else name), p

    def parameters(self):
        return (p for _, p in self.named_parameters())

    def num_parameters(self, trainable_only: bool = False) -> int:
        return sum(p.size for p in self.parameters() if p.requires_grad or not trainable_only)

    def named_buffers(self, prefix: str = ""):
        for module_name, module in self.named_modules(prefix):
            for name in module._buffers:
                yield (f"{module_name}.{name}" if module_name else name), getattr(module, name)

    # -- modes and gradients ------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Training mode (Dropout drops, BatchNorm uses batch statistics)."""
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode (Dropout is the identity, BatchNorm uses running statistics)."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget accumulated gradients (``None``, or zeros in place)."""
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad[...] = 0

    # -- state --------------------------------------------------------------------
    def state_dict(self) -> OrderedDict:
        """Every parameter and buffer by dotted name, as NumPy copies."""
        state = OrderedDict((n, backend.to_numpy(p.data).copy()) for n, p in self.named_parameters())
        for n, b in self.named_buffers():
            state[n] = backend.to_numpy(b).copy()
        return state

    def load_state_dict(self, state, strict: bool = True) -> None:
        """Copy arrays from ``state`` into the parameters and buffers, checking names,
        shapes and dtype kinds of all before copying any. ``strict`` demands exactly the
        same names."""
        own = dict(self.named_parameters())
        buffers = {n: (m, n.rsplit(".", 1)[-1]) for n, m in self._buffer_owners()}
        if strict:
            missing = sorted((set(own) | set(buffers)) - set(state))
            unexpected = sorted(set(state) - set(own) - set(buffers))
            if missing or unexpected:
                raise KeyError(
                    f"state does not match {type(self).__name__}: missing {missing}, unexpected {unexpected}"
                )
        checked = []
        for name, value in state.items():
            if name in own:
                what, target = "parameter", own[name].data
            elif name in buffers:
                module, attr = buffers[name]
                what, target = "buffer", getattr(module, attr)
            else:
                continue
            value = numpy.asarray(value)
            if value.shape != numpy.shape(target):
                raise ShapeError(f"{what} {name!r} has shape {numpy.shape(target)}, state gives {value.shape}")
            if value.dtype.kind not in _LOADABLE_KINDS.get(target.dtype.kind, target.dtype.kind):
                raise TypeError(f"{what} {name!r} holds {target.dtype}, state gives {value.dtype}")
            checked.append((target, value))
        for target, value in checked:  # all checked first: a bad state changes nothing
            target[...] = backend.asarray(value, dtype=target.dtype)

    def _buffer_owners(self):
        for module_name, module in self.named_modules():
            for name in module._buffers:
                yield (f"{module_name}.{name}" if module_name else name), module

    # -- configuration and printing -----------------------------------------------
    def get_config(self) -> dict:
        """The constructor arguments that rebuild this module (JSON-serializable)."""
        return {}

    def extra_repr(self) -> str:
        """One line of configuration shown by ``repr`` (override per layer)."""
        return ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())

    def __repr__(self):
        lines = [f"  ({name}): " + repr(child).replace("\n", "\n  ") for name, child in self._modules.items()]
        if not lines:
            return f"{type(self).__name__}({self.extra_repr()})"
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"
