"""The optimizer registry, under Keras's names: ``get`` and ``names``.

A Keras name means Keras's optimizer wherever it is given (``Trainer(..., 'rmsprop')``,
``model.compile('rmsprop')``, ``lucidnet train --optimizer rmsprop``): Keras's argument
names and defaults (learning rate: SGD 0.01, Adam, AdamW, RMSprop and Adagrad 0.001;
ε = 1e-7) and Keras's rule, which is an option of the :mod:`lucidnet.optim` optimizer
(``rule='keras'``: ε inside the root in RMSprop and Adagrad, ε after Adam's bias
correction, decoupled weight decay), not a second implementation. What Keras adds
around every update, ``clipnorm``, ``global_clipnorm`` and ``clipvalue``, is here.

``get('adam')`` returns a new, unbound optimizer; ``get('sgd', learning_rate=0.1)`` or
``get({'class_name': 'sgd', 'config': {'learning_rate': 0.1}})`` passes options; an
optimizer object (these or :mod:`lucidnet.optim`'s, PyTorch's rules) is returned as it
is. The training loop binds an unbound optimizer to the model's parameters.
"""

from __future__ import annotations

from lucidnet import backend, optim
from lucidnet.optim.optimizer import _check_rate
from lucidnet.registry import OPTIMIZERS

__all__ = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "get", "names"]


def _rate_or_none(name: str, value):
    return None if value is None else _check_rate(name, value)


class KerasOptimizer:
    """What Keras adds around every update: gradient clipping, and ``learning_rate``
    (the optimizer's ``lr``). Mixed in before a :mod:`lucidnet.optim` class.

    A ``learning_rate`` that is a schedule (a callable of the step count, as
    ``keras.optimizers.schedules``) sets the rate to schedule(t) before update t
    (``iterations`` counts the updates, from 0).
    """

    schedule = None
    iterations = 0

    def _first_rate(self, learning_rate):
        """The rate to start with; a schedule is kept and gives its rate at step 0."""
        if callable(learning_rate):
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
        return self.lr

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if self.schedule is not None:
            raise TypeError(f"{type(self).__name__} follows the schedule "
                            f"{type(self.schedule).__name__}: its learning rate cannot be set")
        self.lr = value

    def step(self) -> None:
        xp = backend.xp
        if self.schedule is not None:
            self.lr = _check_rate("the scheduled learning_rate",
                                  float(self.schedule(self.iterations)))
        self.iterations += 1
        if self.global_clipnorm is None and self.clipnorm is None and self.clipvalue is None:
            return super().step()
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
        super().step()


@OPTIMIZERS.register("sgd", "SGD")
class SGD(KerasOptimizer, optim.SGD):
    """Keras's SGD: θ ← θ − α·g; with momentum μ a velocity u ← μ·u − α·g, θ ← θ + u
    (Nesterov: θ ← θ + μ·u − α·g). See :class:`lucidnet.optim.SGD`, ``rule='keras'``."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name=None):
        learning_rate = self._first_rate(learning_rate)
        super().__init__(None, lr=learning_rate, momentum=momentum, nesterov=nesterov,
                         weight_decay=weight_decay or 0.0, rule="keras")
        self._keras_options(clipnorm, clipvalue, global_clipnorm, name)


@OPTIMIZERS.register("adam", "Adam")
class Adam(KerasOptimizer, optim.Adam):
    """Keras's Adam: m ← m + (1 − β₁)(g − m);  v ← v + (1 − β₂)(g² − v);
    θ ← θ − αₜ · m / (√v + ε̂),  αₜ = α·√(1 − β₂ᵗ) / (1 − β₁ᵗ)."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None):
        learning_rate = self._first_rate(learning_rate)
        super().__init__(None, lr=learning_rate, betas=(beta_1, beta_2), eps=epsilon,
                         weight_decay=weight_decay or 0.0, amsgrad=amsgrad, rule="keras")
        self._keras_options(clipnorm, clipvalue, global_clipnorm, name)


@OPTIMIZERS.register("adamw", "AdamW")
class AdamW(Adam):
    """Keras's Adam with decoupled weight decay, λ = 0.004 by default."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay,
                         clipnorm, clipvalue, global_clipnorm, name)


@OPTIMIZERS.register("rmsprop", "RMSprop")
class RMSprop(KerasOptimizer, optim.RMSprop):
    """Keras's RMSprop: v ← ρ·v + (1 − ρ)·g²;  θ ← θ − α·g / √(v + ε)  (centered:
    √(v − ḡ² + ε)); with momentum μ: u ← μ·u + α·g / √(v + ε), θ ← θ − u."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None):
        learning_rate = self._first_rate(learning_rate)
        super().__init__(None, lr=learning_rate, alpha=rho, eps=epsilon,
                         weight_decay=weight_decay or 0.0, momentum=momentum,
                         centered=centered, rule="keras")
        self._keras_options(clipnorm, clipvalue, global_clipnorm, name)


@OPTIMIZERS.register("adagrad", "Adagrad")
class Adagrad(KerasOptimizer, optim.Adagrad):
    """Keras's Adagrad: s ← s + g²  (s starts at 0.1);  θ ← θ − α·g / √(s + ε)."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name=None):
        learning_rate = self._first_rate(learning_rate)
        super().__init__(None, lr=learning_rate, weight_decay=weight_decay or 0.0,
                         initial_accumulator_value=initial_accumulator_value, eps=epsilon,
                         rule="keras")
        self._keras_options(clipnorm, clipvalue, global_clipnorm, name)


def get(identifier, **config):
    """An optimizer for a Keras name (``'adam'``), a config dict or a class; an optimizer
    object (Keras's or :mod:`lucidnet.optim`'s) is returned as it is."""
    if isinstance(identifier, optim.Optimizer):
        if config:
            raise TypeError(f"options {sorted(config)} given with an optimizer object")
        return identifier
    return OPTIMIZERS.get(identifier, **config)


def names(aliases: bool = False) -> list[str]:
    """Every registered optimizer name (canonical only, unless ``aliases``)."""
    return OPTIMIZERS.names(aliases)
