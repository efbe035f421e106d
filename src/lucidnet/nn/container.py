"""Containers: Sequential (a chain of modules) and ModuleList (a list that registers them).

The children are registered under their names ('0', '1', … unless given by an
OrderedDict), so ``parameters()``, ``state_dict()`` ('0.weight', '1.bias', …) and
``train()``/``eval()`` reach them.
"""

from __future__ import annotations

import operator
from collections import OrderedDict

from lucidnet.autograd import Function, is_anomaly_enabled
from lucidnet.nn.module import LAYERS, Module, as_input, function_of

__all__ = ["Chain", "ModuleList", "Sequential"]


class Chain(Function):
    """Consecutive Functions run as one operation (Sequential's fast path).

        forward:   a₀ = x,   aᵢ = fᵢ(aᵢ₋₁; θᵢ)                      for i = 1 … k
        backward:  (daᵢ₋₁, dθᵢ) = fᵢ.backward(daᵢ), from da_k = dY,  for i = k … 1

    The chain rule, walked by hand instead of by the tape: the layers' own Functions
    compute every number in the same order as layer by layer, so outputs and gradients
    are the same bit for bit. What is saved is a Tensor, a tape entry and a module call
    per layer. ``pieces`` holds (check, fn, number of parameters) per Function, ``check``
    the layer's ``check_input`` (or None); the inputs are x and every θᵢ. A Chain among
    the pieces given to :func:`chain` is spliced in (a Keras Dense: Linear, activation).
    """

    def __init__(self, pieces):
        self.pieces = list(pieces)
        self._grad_out = ()
        # each piece's parameters as positions in the inputs (x is 0)
        self._spans, i = [], 1
        for check, fn, k in self.pieces:
            self._spans.append((check, fn, i, i + k))
            i += k

    @property
    def grad_out(self) -> tuple:
        return self._grad_out

    @grad_out.setter
    def grad_out(self, out: tuple) -> None:
        """Hand each piece's Function its parameters' share of ``out`` (x, θ₁, θ₂, …)."""
        self._grad_out = tuple(out)
        for _, fn, a, b in self._spans:
            fn.grad_out = (None, *out[a:b]) if out else ()

    def forward(self, x, *params):
        for check, fn, a, b in self._spans:
            if check is not None:
                check(x)
            x = fn.forward(x, *params[a - 1:b - 1])
        return x

    def backward(self, dY):
        """Each piece's backward, last to first; a piece's input needs a gradient when x
        or a parameter before it does (as on the tape), and the walk stops at the first
        piece below which nothing needs one (a Normalization that scales the input)."""
        needs = self.needs_grad
        grads = [None] * len(needs)
        for _, fn, a, b in reversed(self._spans):
            fn.needs_grad = (needs[0] or any(needs[1:a]), *needs[a:b])
            if dY is None or not any(fn.needs_grad):  # no gradient flows further down
                dY = None
                break
            out = fn.backward(dY)
            if isinstance(out, tuple):
                dY, grads[a:b] = out[0], out[1:]
            else:
                dY = out
        grads[0] = dY
        return tuple(grads)


def chain(layers):
    """``(Chain, params)`` for ``layers`` ((module, (fn, params)) pairs), or None when a
    Chain would not be faster or would hide something: fewer than two Functions, no
    parameter, a first layer without an input dtype (``Module.input_dtype``: its input's
    dtype would be left to the activations), layers computing in mixed dtypes, or
    anomaly detection on (each error then names its own operation)."""
    pieces, params, dtypes = [], [], set()
    for module, (fn, ps) in layers:
        pieces += fn.pieces if isinstance(fn, Chain) else [(module.check_input, fn, len(ps))]
        params += ps
        dtypes |= {module.input_dtype(ps)} | {p.dtype for p in ps if p is not None}
    first = layers[0][0].input_dtype(layers[0][1][1])
    if (len(pieces) < 2 or not any(p is not None for p in params) or first is None
            or len(dtypes - {None}) != 1 or is_anomaly_enabled()):
        return None
    return Chain(pieces), params


def _run(layers, x):
    """x through ``layers``: as one Chain when :func:`chain` gives one, else module by module."""
    fused = chain(layers) if len(layers) > 1 else None
    if fused is None:
        for module, _ in layers:
            x = module(x)
        return x
    fn, params = fused
    return fn(as_input(x, layers[0][0].input_dtype(layers[0][1][1])), *params)


def run(modules, x):
    """x through each module in turn; a run of layers whose forward is their Function
    (Linear, the activations, Dropout in training, Normalization), started by one with
    an input dtype (parameters, or Normalization's statistics), goes as one :class:`Chain`."""
    layers = []
    for module in modules:
        f = function_of(module)
        if f is not None and (layers or module.input_dtype(f[1]) is not None):
            layers.append((module, f))
            continue
        x, layers = _run(layers, x), []
        x = module(x)
    return _run(layers, x)


def function_of_all(modules):
    """All of ``modules`` as one :class:`Chain` and its parameters, when each module's
    forward is its Function (see :func:`chain`); else None."""
    layers = [(m, function_of(m)) for m in modules]
    return None if any(f is None for _, f in layers) else chain(layers)


class _Container(Module):
    """A list of child modules with indexing, slicing, ``len``, iteration and ``append``."""

    def _check(self, module, where) -> Module:
        if not isinstance(module, Module):
            hint = " (wrap a function in nn.Activation)" if callable(module) else ""
            raise TypeError(f"{type(self).__name__}: {where} must be a Module, got "
                            f"{type(module).__name__}{hint}")
        return module

    def _replace(self, named) -> None:
        """Make ``named`` ((name, module) pairs) the children, in that order."""
        for name in list(self._modules):
            del self.__dict__[name]
        self._modules.clear()
        for name, module in named:
            setattr(self, name, module)

    def _renumber(self, modules) -> None:
        self._replace((str(i), m) for i, m in enumerate(modules))

    def _index(self, idx) -> int:
        n = len(self)
        i = operator.index(idx)
        if not -n <= i < n:
            raise IndexError(f"index {idx} is out of range for {type(self).__name__} of length {n}")
        return i % n

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[self._index(idx)]

    def __setitem__(self, idx, module) -> None:
        name = list(self._modules)[self._index(idx)]
        setattr(self, name, self._check(module, f"item {idx}"))

    def __delitem__(self, idx) -> None:
        modules = list(self._modules.values())
        if isinstance(idx, slice):
            del modules[idx]
        else:
            del modules[self._index(idx)]
        self._renumber(modules)  # names stay 0 … n−1, as PyTorch

    def append(self, module) -> _Container:
        """Add ``module`` at the end (named by its position)."""
        setattr(self, str(len(self)), self._check(module, "the appended module"))
        return self

    def extend(self, modules) -> _Container:
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module) -> None:
        """Insert ``module`` before position ``index``; the children are renumbered."""
        modules = list(self._modules.values())
        modules.insert(index, self._check(module, "the inserted module"))
        self._renumber(modules)


@LAYERS.register("Sequential")
class Sequential(_Container):
    """Applies its modules in order: Y = fₖ(… f₂(f₁(X))).

    ``Sequential(m1, m2, ...)`` names the children '0', '1', …;
    ``Sequential(OrderedDict([('hidden', m1), ...]))`` uses the given names. Indexing
    gives a module, a slice a new Sequential sharing the modules.

    >>> from lucidnet import nn
    >>> nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    Sequential(
      (0): Linear(in_features=2, out_features=2, bias=True)
      (1): ReLU()
    )
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            named = list(modules[0].items())
        else:
            named = [(str(i), m) for i, m in enumerate(modules)]
        for i, (name, module) in enumerate(named):
            if not isinstance(name, str) or not name or "." in name or hasattr(self, name):
                raise ValueError(f"Sequential: child names are distinct non-empty strings "
                                 f"without '.' that name no attribute, got {name!r}")
            setattr(self, name, self._check(module, f"argument {i}"))

    def forward(self, x):
        """Each module in turn, consecutive Functions as one Chain (see :func:`run`)."""
        return run(self._modules.values(), x)

    def function(self):
        """The whole Sequential as one :class:`Chain`, when every module's forward is
        its Function (see :func:`chain`); else None."""
        return function_of_all(self._modules.values())


@LAYERS.register("ModuleList")
class ModuleList(_Container):
    """A list of modules whose parameters are registered (no forward of its own): for a
    model that loops over its layers, ``for layer in self.layers: x = layer(x)``."""

    def __init__(self, modules=None):
        super().__init__()
        self.extend(modules or ())

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return super().__getitem__(idx)
