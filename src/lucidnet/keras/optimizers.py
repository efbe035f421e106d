"""``keras.optimizers``: Keras's optimizers, with Keras's names, defaults and formulas.

They are lucidnet optimizers (``step``, ``zero_grad``, ``param_groups``,
``state_dict``), bound to the model's parameters by ``compile``/``fit``. Where Keras's
update differs from PyTorch's (:mod:`lucidnet.optim`), the Keras one is written here:

- ε sits inside the square root in RMSprop and Adagrad, g/√(v + ε), and Adam adds
  it after the bias correction ("ε-hat");
- ``weight_decay`` is decoupled for every optimizer, θ ← θ − α·λ·θ before the step
  (PyTorch's SGD, RMSprop and Adam add λθ to the gradient instead);
- ``clipnorm`` clips each gradient to that norm, ``global_clipnorm`` all of them
  jointly, ``clipvalue`` each entry.

Defaults (learning rate): SGD 0.01, Adam, AdamW, RMSprop and Adagrad 0.001; ε = 1e-7.
"""

from __future__ import annotations

from lucidnet import backend, optim
from lucidnet.keras import schedules  # noqa: F401  (keras.optimizers.schedules)
from lucidnet.keras.schedules import LearningRateSchedule
from lucidnet.optim.optimizer import _check_rate
from lucidnet.registry import Registry

KERAS_OPTIMIZERS = Registry("optimizer")


def _rate_or_none(name: str, value):
    return None if value is None else _check_rate(name, value)


class KerasOptimizer:
    """What Keras adds around every update: gradient clipping and decoupled decay.

    Mixed in before a :mod:`lucidnet.optim` class; ``learning_rate`` reads and sets
    the rate of every parameter group. A ``learning_rate`` that is a
    :mod:`~lucidnet.keras.schedules` schedule sets the rate to schedule(t) before update
    t (``iterations`` counts the updates, from 0).
    """

    schedule: LearningRateSchedule | None = None
    iterations = 0

    def _first_rate(self, learning_rate):
        """The rate to start with; a schedule is kept and gives its rate at step 0."""
        if isinstance(learning_rate, LearningRateSchedule):
            self.schedule = learning_rate
            return learning_rate(0)
        return learning_rate

    def _keras_options(self, clipnorm, clipvalue, global_clipnorm, name) -> None:
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("give at most one of clipnorm, clipvalue and global_clipnorm")
        self.clipnorm = _rate_or_none("clipnorm", clipnorm)
        self.clipvalue = _rate_or_none("clipvalue", clipvalue)
        self.global_clipnorm = _rate_or_none("global_clipnorm", global_clipnorm)
        self.name = name or type(self).__name__.lower()

    @property
    def learning_rate(self) -> float:
        groups = self.param_groups or [self.defaults]
        return groups[0]["lr"]

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if self.schedule is not None:
            raise TypeError(f"{type(self).__name__} follows the schedule "
                            f"{type(self.schedule).__name__}: its learning rate cannot be set")
        value = _check_rate("learning_rate", value)
        self.defaults["lr"] = value
        for group in self.param_groups:
            group["lr"] = value

    def step(self) -> None:
        xp = backend.xp
        if self.schedule is not None:
            rate = _check_rate("the scheduled learning_rate", float(self.schedule(self.iterations)))
            for group in self.param_groups:
                group["lr"] = rate
        self.iterations += 1
        params = [p for g in self.param_groups for p in g["params"] if p.grad is not None]
        if self.global_clipnorm is not None and params:
            norm = sum(float((p.grad * p.grad).sum()) for p in params) ** 0.5
            if norm > self.global_clipnorm:
                for p in params:
                    p.grad *= self.global_clipnorm / norm
        for p in params:
            if self.clipnorm is not None:
                norm = float(xp.sqrt((p.grad * p.grad).sum()))
                if norm > self.clipnorm:
                    p.grad *= self.clipnorm / norm
            if self.clipvalue is not None:
                xp.clip(p.grad, -self.clipvalue, self.clipvalue, out=p.grad)
        for group in self.param_groups:
            if group["weight_decay"]:
                for p in group["params"]:
                    if p.grad is not None:
                        p.data *= 1 - group["lr"] * group["weight_decay"]
        super().step()


@KERAS_OPTIMIZERS.register("sgd", "SGD")
class SGD(KerasOptimizer, optim.SGD):
    """θ ← θ − α·g; with momentum μ Keras keeps a velocity u ← μ·u − α·g and steps
    θ ← θ + u (Nesterov: θ ← θ + μ·u − α·g). At a constant rate this is PyTorch's
    momentum with u = −α·b."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name=None):
        learning_rate = self._first_rate(learning_rate)
        super().__init__(None, lr=learning_rate, momentum=momentum, nesterov=nesterov,
                         weight_decay=weight_decay or 0.0)
        self._keras_options(clipnorm, clipvalue, global_clipnorm, name)

    def update(self, theta, g, state, group):
        lr, mu = group["lr"], group["momentum"]
        if not mu:
            theta -= lr * g
            return
        u = state.setdefault("velocity", backend.xp.zeros_like(theta))
        u *= mu
        u -= lr * g
        theta += mu * u - lr * g if group["nesterov"] else u


@KERAS_OPTIMIZERS.register("adam", "Adam")
class Adam(KerasOptimizer, optim.Adam):
    """m ← m + (1 − β₁)(g − m);  v ← v + (1 − β₂)(g² − v);
    θ ← θ − αₜ · m / (√v + ε̂),  αₜ = α·√(1 − β₂ᵗ) / (1 − β₁ᵗ)."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None):
        learning_rate = self._first_rate(learning_rate)
        super().__init__(None, lr=learning_rate, betas=(beta_1, beta_2), eps=epsilon,
                         weight_decay=weight_decay or 0.0, amsgrad=amsgrad)
        self._keras_options(clipnorm, clipvalue, global_clipnorm, name)

    def update(self, theta, g, state, group):
        xp = backend.xp
        (beta1, beta2), lr = group["betas"], group["lr"]
        if not state:
            state["step"] = 0
            state["exp_avg"], state["exp_avg_sq"] = xp.zeros_like(theta), xp.zeros_like(theta)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = xp.zeros_like(theta)
        state["step"] += 1
        t = state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m += (1 - beta1) * (g - m)
        v += (1 - beta2) * (g * g - v)
        if group["amsgrad"]:
            xp.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        denominator = xp.sqrt(v)
        denominator += group["eps"]
        xp.divide(m, denominator, out=denominator)
        denominator *= lr * (1 - beta2**t) ** 0.5 / (1 - beta1**t)
        theta -= denominator


@KERAS_OPTIMIZERS.register("adamw", "AdamW")
class AdamW(Adam):
    """Keras's Adam with decoupled weight decay, λ = 0.004 by default."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay,
                         clipnorm, clipvalue, global_clipnorm, name)


@KERAS_OPTIMIZERS.register("rmsprop", "RMSprop")
class RMSprop(KerasOptimizer, optim.RMSprop):
    """v ← ρ·v + (1 − ρ)·g²;  θ ← θ − α·g / √(v + ε)  (centered: √(v − ḡ² + ε));
    with momentum μ: u ← μ·u + α·g / √(v + ε), θ ← θ − u."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None):
        learning_rate = self._first_rate(learning_rate)
        super().__init__(None, lr=learning_rate, alpha=rho, eps=epsilon,
                         weight_decay=weight_decay or 0.0, momentum=momentum,
                         centered=centered)
        self._keras_options(clipnorm, clipvalue, global_clipnorm, name)

    def update(self, theta, g, state, group):
        xp = backend.xp
        rho = group["alpha"]
        v = state.setdefault("square_avg", xp.zeros_like(theta))
        v *= rho
        v += (1 - rho) * (g * g)
        if group["centered"]:
            mean = state.setdefault("grad_avg", xp.zeros_like(theta))
            mean *= rho
            mean += (1 - rho) * g
            denominator = v - mean * mean
        else:
            denominator = v.copy()
        denominator += group["eps"]
        xp.sqrt(denominator, out=denominator)
        increment = group["lr"] * (g / denominator)
        if group["momentum"]:
            u = state.setdefault("momentum_buffer", xp.zeros_like(theta))
            u *= group["momentum"]
            u += increment
            increment = u
        theta -= increment


@KERAS_OPTIMIZERS.register("adagrad", "Adagrad")
class Adagrad(KerasOptimizer, optim.Adagrad):
    """s ← s + g²  (s starts at 0.1);  θ ← θ − α·g / √(s + ε)."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name=None):
        learning_rate = self._first_rate(learning_rate)
        super().__init__(None, lr=learning_rate, weight_decay=weight_decay or 0.0,
                         initial_accumulator_value=initial_accumulator_value, eps=epsilon)
        self._keras_options(clipnorm, clipvalue, global_clipnorm, name)

    def update(self, theta, g, state, group):
        xp = backend.xp
        s = state.setdefault("sum", xp.full_like(theta, group["initial_accumulator_value"]))
        s += g * g
        denominator = s + group["eps"]
        xp.sqrt(denominator, out=denominator)
        theta -= group["lr"] * (g / denominator)


def get(identifier, **config):
    """A Keras optimizer for a name (``'adam'``), a config dict or a class; an optimizer
    object (Keras's or :mod:`lucidnet.optim`'s) is returned as it is."""
    if isinstance(identifier, optim.Optimizer):
        if config:
            raise TypeError(f"options {sorted(config)} given with an optimizer object")
        return identifier
    return KERAS_OPTIMIZERS.get(identifier, **config)
