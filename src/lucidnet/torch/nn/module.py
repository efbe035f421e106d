"""``torch.nn.Module`` and the containers, with PyTorch's names, registration and printing.

A Module registers the facade Parameters and Modules assigned to it, walks them in
assignment order (``parameters()``, ``named_parameters()``, ``state_dict()``) and prints
itself as PyTorch does. The arithmetic of every layer is lucidnet's (see ``layers.py``).
"""

from __future__ import annotations

import collections
from collections import OrderedDict

import numpy

from lucidnet import backend
from lucidnet.nn import module as lucid_module
from lucidnet.nn.container import function_of_all
from lucidnet.torch._unsupported import missing
from lucidnet.torch._tensor import Parameter, Tensor, check_device, core, wrap

IncompatibleKeys = collections.namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base of every layer and model: subclasses set parameters and submodules in
    ``__init__`` (after ``super().__init__()``) and define ``forward``."""

    def __init__(self, *args, **kwargs):
        vars(self).update(_parameters=OrderedDict(), _buffers=OrderedDict(),
                          _modules=OrderedDict(), training=True)

    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameters or modules before "
                                 "Module.__init__() call")
        for registry in (self._parameters, self._modules, self._buffers):
            registry.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        elif isinstance(value, Tensor) and name in self.__dict__.get("_buffer_names", ()):
            self._buffers[name] = value
        object.__setattr__(self, name, value)

    def __getattr__(self, name):
        error = missing("torch.nn.Module", name)
        error.args = (f"{type(self).__name__!r} object has no attribute {name!r}; "
                      f"if it is PyTorch's: {error}",)
        raise error

    def __delattr__(self, name):
        for registry in (self._parameters, self._modules, self._buffers):
            registry.pop(name, None)
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param) -> None:
        """Register ``param``; None records an absent one (``bias=False``)."""
        if param is None:
            object.__setattr__(self, name, None)
            self._parameters[name] = None
        else:
            setattr(self, name, param)

    def register_buffer(self, name: str, tensor, persistent: bool = True) -> None:
        """State saved in ``state_dict`` but not learned (BatchNorm's running mean)."""
        names = self.__dict__.setdefault("_buffer_names", set())
        names.add(name)
        setattr(self, name, tensor)
        self._buffers[name] = tensor

    def add_module(self, name: str, module) -> None:
        setattr(self, name, module)

    register_module = add_module

    # -- the forward pass ---------------------------------------------------------------
    road = ("__call__", "forward")
    """The methods through which a call reaches the computation (lucidnet's fusion rule,
    :func:`lucidnet.nn.module.function_of`)."""

    def function(self):
        """``(fn, params)``: the lucidnet Function this layer's forward applies and the
        lucidnet Parameters it takes, or None (the default: run as written). Layers that
        say it run as one :class:`lucidnet.nn.container.Chain` inside a Sequential."""
        return None

    input_dtype = lucid_module.Module.input_dtype  # lucidnet's rule: the parameters' dtype

    def check_input(self, x) -> None:
        """Raise when the array ``x`` cannot be this layer's input (default: any)."""

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                                  f'"forward" function')

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # -- walking the tree ---------------------------------------------------------------
    def named_modules(self, memo=None, prefix: str = ""):
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, f"{prefix}.{name}" if prefix else name)

    def modules(self):
        return (m for _, m in self.named_modules())

    def named_children(self):
        return ((n, m) for n, m in self._modules.items() if m is not None)

    def children(self):
        return (m for _, m in self.named_children())

    def _named(self, kind: str, prefix: str, recurse: bool):
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, kind).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True):
        return self._named("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True):
        return (p for _, p in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix: str = "", recurse: bool = True):
        return self._named("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True):
        return (b for _, b in self.named_buffers(recurse=recurse))

    def apply(self, fn):
        """Call ``fn`` on every submodule, then on this module (``net.apply(init_weights)``)."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # -- modes, gradients, dtypes ----------------------------------------------------------
    def train(self, mode: bool = True):
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()

    def _cast(self, dtype):
        for value in (*self.parameters(), *self.buffers()):
            if value.dtype.kind == "f":
                value.core.data = value.core.data.astype(dtype)
        return self

    def float(self):
        return self._cast(numpy.float32)

    def double(self):
        return self._cast(numpy.float64)

    def to(self, *args, **kwargs):
        """``to(device)`` checks the device; ``to(dtype)`` casts the floating parameters."""
        dtype = kwargs.get("dtype")
        for arg in (*args, kwargs.get("device")):
            if isinstance(arg, numpy.dtype) or isinstance(arg, type) and arg is not str:
                dtype = arg
            else:
                check_device(arg)
        return self if dtype is None else self._cast(numpy.dtype(dtype))

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda")

    # -- state -----------------------------------------------------------------------------
    def state_dict(self, destination=None, prefix: str = "", keep_vars: bool = False):
        """Parameters and buffers by dotted name; each shares its array (detached)."""
        out = OrderedDict() if destination is None else destination
        for name, value in (*self.named_parameters(prefix), *self.named_buffers(prefix)):
            out[name] = value if keep_vars else value.detach()
        return out

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Copy the arrays of ``state_dict`` into this module's, checking names and shapes."""
        own = dict((*self.named_parameters(), *self.named_buffers()))
        missing_keys = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing_keys or unexpected):
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}: "
                               f"missing keys {missing_keys}, unexpected keys {unexpected}")
        for name, value in state_dict.items():
            if name not in own:
                continue
            array = backend.asarray(value.core.data if isinstance(value, Tensor) else value)
            if tuple(array.shape) != tuple(own[name].shape):
                raise RuntimeError(f"size mismatch for {name}: copying a param with shape "
                                   f"{tuple(array.shape)}, the shape in the current model is "
                                   f"{tuple(own[name].shape)}")
            own[name].core.data[...] = array
        return IncompatibleKeys(missing_keys, unexpected)

    # -- printing --------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self):
        lines = [f"({name}): " + repr(module).replace("\n", "\n  ")
                 for name, module in self._modules.items()]
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        body = "\n  ".join(([extra] if extra else []) + lines)
        return f"{type(self).__name__}(\n  {body}\n)"


class Sequential(Module):
    """Modules applied in turn: ``Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))``
    or from an OrderedDict of named modules."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(modules):
                self.add_module(str(i), module)

    def forward(self, x):
        """The modules in turn; as one lucidnet Chain when each says its Function (the
        same Functions in the same order: the same numbers, without a tape entry each)."""
        fused = self.function()
        if fused is None:
            for module in self._modules.values():
                x = module(x)
            return x
        fn, params = fused
        return wrap(fn(core(x), *params))

    def function(self):
        return function_of_all(self._modules.values())

    def __getitem__(self, index):
        modules = list(self._modules.values())
        return Sequential(*modules[index]) if isinstance(index, slice) else modules[index]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self


class ModuleList(Module):
    """A list of modules whose parameters the parent registers."""

    def __init__(self, modules=None):
        super().__init__()
        for module in modules or ():
            self.append(module)

    def append(self, module):
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def __getitem__(self, index):
        modules = list(self._modules.values())
        return ModuleList(modules[index]) if isinstance(index, slice) else modules[index]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class ModuleDict(Module):
    """A dict of modules whose parameters the parent registers."""

    def __init__(self, modules=None):
        super().__init__()
        for name, module in dict(modules or {}).items():
            self.add_module(name, module)

    def __getitem__(self, name):
        return self._modules[name]

    def __setitem__(self, name, module):
        self.add_module(name, module)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()


__all__ = ["Module", "ModuleDict", "ModuleList", "Parameter", "Sequential"]
