"""The optimizer base class and gradient clipping.

An optimizer moves every parameter θ against its gradient g = ∂L/∂θ. It holds the
parameters in ``param_groups`` (each group a dict of parameters and their
hyper-parameters, as in PyTorch) and per-parameter ``state`` (momentum buffers,
moment estimates). A subclass writes one method, :meth:`Optimizer.update`, with its
rule; ``step`` calls it inside ``no_grad`` on one vector holding all of a group's
parameters (:mod:`lucidnet.optim.flat`), or parameter by parameter when some
gradients are missing.

An optimizer may be created before the model's parameters exist (``Adam(lr=1e-3)``)
and bound later with :meth:`Optimizer.bind`: the training loop and
``lucidnet.io.load`` do that.

Updates are in place and keep the parameter's dtype: hyper-parameters are Python
floats, which never upcast float32 arrays.
"""

from __future__ import annotations

import math

import numpy

from lucidnet import backend
from lucidnet.autograd import Tensor, no_grad
from lucidnet.optim.flat import FlatGroup
from lucidnet.threads import ThreadChoice


def _check_rate(name: str, value) -> float:
    """A finite, non-negative hyper-parameter as a Python float (a number, not a string)."""
    if isinstance(value, (str, bytes, bool)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be finite and >= 0, got {value}")
    return value


RULES = ("pytorch", "keras")
"""The update rules an optimizer follows: PyTorch's formulas, or Keras's where Keras
writes the same method differently (ε's place, the velocity's form, decoupled decay)."""


def _check_rule(name: str, value) -> str:
    if value not in RULES:
        raise ValueError(f"{name} must be one of {RULES}, got {value!r}")
    return value


def _check_beta(name: str, value) -> float:
    value = _check_rate(name, value)
    if value >= 1:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value


def _check_betas(name: str, value) -> tuple:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be a pair of numbers, got {value!r}")
    return tuple(_check_beta(f"{name}[{i}]", v) for i, v in enumerate(value))


def _check_flag(name: str, value) -> bool:
    if not isinstance(value, (bool, numpy.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


_DOMAINS = {
    "lr": _check_rate, "lr_decay": _check_rate, "weight_decay": _check_rate,
    "eps": _check_rate, "dampening": _check_rate, "initial_accumulator_value": _check_rate,
    "momentum": _check_beta, "alpha": _check_beta, "betas": _check_betas,
    "nesterov": _check_flag, "amsgrad": _check_flag, "centered": _check_flag,
    "rule": _check_rule,
}
"""The domain of each hyper-parameter a group may hold, whoever gives the value: a
constructor, ``add_param_group`` or a file through ``load_state_dict``."""


def check_hyperparameters(group: dict) -> dict:
    """``group`` with every known hyper-parameter checked against its domain (finite
    rates ≥ 0, β and momentum in [0, 1), flags True or False) and made a Python value;
    ``params`` and keys of other optimizers pass as they are."""
    return {k: v if k == "params" or k not in _DOMAINS else _DOMAINS[k](k, v)
            for k, v in group.items()}


def _check_state_value(where: str, key: str, value):
    """A per-parameter state entry from a file: a finite array, a finite number, and
    ``step`` a whole number ≥ 0 (a NaN moment or a negative step would train NaN)."""
    value = value.data if isinstance(value, Tensor) else value
    if key == "step":  # a number, or a 0-d array (PyTorch keeps a float tensor)
        whole = not isinstance(value, (str, bytes, bool, numpy.bool_)) and numpy.ndim(value) == 0
        try:
            whole = whole and float(value).is_integer() and float(value) >= 0
        except (TypeError, ValueError):
            whole = False
        if not whole:
            raise ValueError(f"{where} 'step' must be a whole number ≥ 0, got {value!r}")
    elif hasattr(value, "shape"):
        value = backend.asarray(value)  # (as load_state_dict reads it: any array's type)
        if value.dtype.kind not in "fiub":
            raise TypeError(f"{where} {key!r} must hold numbers, got dtype {value.dtype}")
        if value.dtype.kind == "f" and not bool(backend.xp.isfinite(value).all()):
            raise ValueError(f"{where} {key!r} holds NaN or infinite values")
    elif isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{where} {key!r} must be an array or a finite number, got {value!r}")


class Scratch:
    """One reusable buffer per backend and dtype, lent as an array of any shape up to its
    size: room for an update's intermediate results, so a step allocates nothing (an
    update is memory-bound: a temporary costs a pass over fresh memory). Not state:
    nothing in it outlives the update that asked."""

    def __init__(self):
        self._buffers, self._views, self._scalars = {}, {}, {}

    def scalars(self, dtype, *values) -> list:
        """``values`` as operands of in-place arithmetic on arrays of ``dtype``: 0-d
        arrays of that dtype on NumPy, which converts a Python float at every call (a
        third of a 2,000-entry ``a *= c``); the floats elsewhere (a GPU takes them as
        kernel arguments). The same numbers either way: a float meets a float32 array
        as float32. Overwritten by the next call."""
        if backend.name != "numpy":
            return list(values)
        slots = self._scalars.get((dtype, len(values)))
        if slots is None:
            slots = self._scalars[dtype, len(values)] = [numpy.empty((), dtype) for _ in values]
        for slot, value in zip(slots, values):
            slot[()] = value
        return slots

    def like(self, a):
        """An uninitialized array of ``a``'s shape and dtype (overwritten by the next call)."""
        key = (backend.name, a.dtype, a.shape)
        view = self._views.get(key)
        if view is None:
            buffer = self._buffers.get(key[:2])
            if buffer is None or buffer.size < a.size:
                buffer = self._buffers[key[:2]] = backend.xp.empty(a.size, dtype=a.dtype)
                self._views = {k: v for k, v in self._views.items() if k[:2] != key[:2]}
            view = self._views[key] = buffer[:a.size].reshape(a.shape)
        return view


class Optimizer:
    """Base of every optimizer: parameter groups, state, ``step`` and ``zero_grad``.

    ``params``: an iterable of Parameters, an iterable of dicts (parameter groups,
    each ``{'params': [...], 'lr': ...}`` overriding the defaults), or None to bind
    later. ``defaults``: the hyper-parameters every group starts with.
    """

    elementwise = False
    """Whether the rule updates each entry from that entry alone (SGD, Adam, RMSprop,
    Adagrad): only then may a group's parameters be updated as one vector
    (:mod:`lucidnet.optim.flat`). False for a rule that takes a norm per parameter."""

    decoupled_weight_decay = False
    """Whether weight decay shrinks θ directly (AdamW) rather than entering g; every
    Keras rule decays this way."""

    def __init__(self, params, defaults: dict):
        self.defaults = check_hyperparameters(defaults)
        self.param_groups: list[dict] = []
        self.state: dict = {}
        self._flat: dict[int, FlatGroup] = {}  # group index → its one buffer
        self.scratch = Scratch()  # room for an update's intermediate results
        self.thread_choice = ThreadChoice()  # the BLAS threads, chosen by the first steps
        if params is not None:
            self.bind(params)

    def bind(self, params) -> None:
        """Attach ``params`` (Parameters or groups) to an optimizer that has none."""
        if self.param_groups:
            raise ValueError(f"{type(self).__name__} already has parameters")
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict) -> None:
        """Add a group of parameters with its own hyper-parameters."""
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"a parameter group is a dict with 'params', got {group!r}")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__} optimizes Tensors, got {type(p).__name__}")
            if not p.requires_grad:
                raise ValueError(f"{type(self).__name__} got a tensor that does not require grad")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("a parameter appears in more than one parameter group")
        unknown = sorted(set(group) - set(self.defaults) - {"params"})
        if unknown:
            raise TypeError(f"{type(self).__name__} has no hyper-parameters {unknown}; "
                            f"expected some of {sorted(self.defaults)}")
        self.param_groups.append({**self.defaults, **check_hyperparameters(group),
                                  "params": params})

    @property
    def lr(self) -> float:
        """The learning rate α: the first group's (the default's before binding). Set, it
        is every group's and the default's; a list sets one per group. The one owner of
        the rate: schedules, callbacks, the Keras facade and the estimators go through it."""
        return (self.param_groups or [self.defaults])[0]["lr"]

    @lr.setter
    def lr(self, value) -> None:
        if isinstance(value, (list, tuple)):
            if len(value) != len(self.param_groups):
                raise ValueError(f"{len(value)} learning rates for {len(self.param_groups)} "
                                 "parameter groups")
            for group, rate in zip(self.param_groups, value):
                group["lr"] = _check_rate("lr", rate)
            return
        value = _check_rate("lr", value)
        self.defaults["lr"] = value
        for group in self.param_groups:
            group["lr"] = value

    @property
    def lrs(self) -> list[float]:
        """The learning rate of each parameter group."""
        return [group["lr"] for group in self.param_groups]

    def _decay(self, theta, g, group):
        """g with weight decay λ applied: added to g as the gradient of an L2 penalty
        λ/2·‖θ‖², g + λθ (PyTorch's SGD, RMSprop, Adagrad, Adam); or decoupled, θ ← θ·(1 − αλ)
        before the step (AdamW, and every Keras rule), g unchanged."""
        weight_decay = group["weight_decay"]
        if not weight_decay:
            return g
        if self.decoupled_weight_decay or group["rule"] == "keras":
            theta *= 1 - group["lr"] * weight_decay
            return g
        return g + weight_decay * theta

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every gradient: ``None`` (default), or zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad[...] = 0

    def step(self) -> None:
        """One update of every parameter that has a gradient. On NumPy the first steps
        also choose the BLAS threads (:attr:`thread_choice`, :mod:`lucidnet.threads`):
        every training loop ends its step here, whatever door it came through."""
        if not self.param_groups:
            raise RuntimeError(f"{type(self).__name__} has no parameters: create it with "
                               "model.parameters(), or call bind(model.parameters())")
        with no_grad():
            for i, group in enumerate(self.param_groups):
                params = group["params"]
                flat = self._flat.get(i)
                g = None if flat is None else flat.gather(params)
                if g is None and self.elementwise:  # no buffer yet, parameters changed,
                    # or a gradient missing
                    flat = self._flat[i] = (FlatGroup(params, self.state)
                                            if FlatGroup.fits(params, self.state) else None)
                    g = None if flat is None else flat.gather(params)
                if g is not None:
                    self.update(flat.theta, g, flat.state, group)
                    flat.scatter()
                    flat.share_state(self.state)
                    continue
                # some gradients missing, or large parameters: parameter by parameter
                for p in params:
                    if p.grad is not None:
                        # a 0-d parameter is updated through a 1-element view, so
                        # that in-place arithmetic never meets a NumPy scalar
                        theta = p.data if p.data.ndim else p.data[None]
                        state = self.state.setdefault(p, {})
                        self.update(theta, p.grad.reshape(theta.shape), state, group)
        if backend.name == "numpy":
            self.thread_choice.step()

    def grad_slices(self) -> dict:
        """{parameter: array}: where the next step reads the gradients of the parameters
        whose group shares one buffer (:mod:`lucidnet.optim.flat`; empty before the first
        step builds it). A backward that writes θ's gradient into θ's array and makes
        that array ``θ.grad`` spares the step a copy; the next such backward overwrites it."""
        slices = {}
        for flat in self._flat.values():
            if flat is not None:
                slices.update(zip(flat.params, flat.slices))
        return slices

    def update(self, theta, g, state: dict, group: dict) -> None:
        """Apply the rule in place to ``theta`` given its gradient ``g`` and its ``state``:
        one parameter's array, or a group's whole vector (:mod:`lucidnet.optim.flat`).
        ``g`` may be the caller's ``.grad``: read it, never write it."""
        raise NotImplementedError(f"{type(self).__name__} defines no update")

    # -- state --------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Hyper-parameters per group and state per parameter (by position), as host
        NumPy arrays and Python numbers: what ``lucidnet.io.save`` stores."""
        index = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index[p] = len(index)
                ids.append(index[p])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        state = {
            index[p]: {k: backend.to_numpy(v).copy() if hasattr(v, "shape") else v
                       for k, v in s.items()}
            for p, s in self.state.items() if p in index
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what :meth:`state_dict` returned; the parameters must match it in
        number per group and in shape, and every value its domain (the constructor's
        checks, :func:`check_hyperparameters`). A bad state changes nothing."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"the state has {len(groups)} parameter groups, "
                             f"this optimizer {len(self.param_groups)}")
        params, hyper = {}, []
        for saved, own in zip(groups, self.param_groups):
            if len(saved["params"]) != len(own["params"]):
                raise ValueError(f"a parameter group of the state has {len(saved['params'])} "
                                 f"parameters, this optimizer's {len(own['params'])}")
            unknown = sorted(set(saved) - set(own))
            if unknown:
                raise ValueError(f"the state's parameter group has hyper-parameters {unknown} "
                                 f"that {type(self).__name__} does not take")
            params.update(zip(saved["params"], own["params"]))
            hyper.append(check_hyperparameters({k: v for k, v in saved.items() if k != "params"}))
        state = {}
        for i, s in state_dict["state"].items():
            if i not in params:
                raise ValueError(f"the state names parameter {i}, which no group holds")
            p = params[i]
            restored = {}
            for k, v in s.items():
                _check_state_value(f"the state of parameter {i}:", k, v)
                if isinstance(v, numpy.generic):  # a number, as a file gives it back
                    v = v.item()
                elif hasattr(v, "shape"):
                    if tuple(v.shape) not in (p.shape, p.shape or (1,)):
                        raise ValueError(f"state {k!r} of parameter {i} has shape "
                                         f"{tuple(v.shape)}, the parameter {p.shape}")
                    # a 0-d parameter's state is kept as 1 element, as step() updates it
                    v = backend.asarray(v, dtype=p.dtype).reshape(p.shape or (1,)).copy()
                restored[k] = v
            state[p] = restored
        self.state, self._flat = state, {}
        for checked, own in zip(hyper, self.param_groups):
            own.update(checked)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups or [self.defaults]):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"


# -- gradient clipping ------------------------------------------------------------
def _grads(parameters) -> list:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0) -> float:
    """Scale all gradients together so that their joint norm is at most ``max_norm``:
    g ← g · min(1, max_norm / ‖(g₁, …, gₙ)‖). Returns the norm before clipping.

    ``norm_type``: p of the p-norm, or ``math.inf`` for the largest absolute value.
    """
    max_norm, norm_type = _check_rate("max_norm", max_norm), float(norm_type)
    grads = _grads(parameters)
    if not grads:
        return 0.0
    xp = backend.xp
    if math.isinf(norm_type):
        total = max(float(xp.abs(g).max()) for g in grads)
    else:
        total = sum(float((xp.abs(g) ** norm_type).sum()) for g in grads) ** (1 / norm_type)
    scale = max_norm / (total + 1e-6)  # PyTorch's guard against a zero norm
    if scale < 1:
        for g in grads:
            g *= scale
    return total


def clip_grad_value_(parameters, clip_value: float) -> None:
    """Clip every gradient entry to [−clip_value, clip_value] in place."""
    clip_value = _check_rate("clip_value", clip_value)
    for g in _grads(parameters):
        backend.xp.clip(g, -clip_value, clip_value, out=g)
