"""``keras.optimizers.schedules``: learning rates that change with every optimizer step.

A schedule is a function of the step count t (0 at the first update) that a Keras
optimizer takes as its ``learning_rate``: ``Adam(learning_rate=ExponentialDecay(...))``
sets the rate to schedule(t) before each update, as Keras does. (The PyTorch-style
schedules of :mod:`lucidnet.optim.lr_scheduler` step once per epoch instead.)
"""

from __future__ import annotations

import bisect
import math


class LearningRateSchedule:
    """Base: ``schedule(step)`` → the learning rate at that optimizer step."""

    def __call__(self, step) -> float:
        raise NotImplementedError(f"{type(self).__name__} defines no __call__")

    def get_config(self) -> dict:
        return dict(vars(self))

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class _Decay(LearningRateSchedule):
    """A rate that decays with p = t / T (⌊t / T⌋ when ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name=None):
        if decay_steps <= 0:
            raise ValueError(f"decay_steps must be positive, got {decay_steps}")
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase = decay_rate, staircase
        self.name = name or type(self).__name__

    def progress(self, step) -> float:
        p = step / self.decay_steps
        return math.floor(p) if self.staircase else p


class ExponentialDecay(_Decay):
    """α(t) = α₀ · r^p."""

    def __call__(self, step) -> float:
        return self.initial_learning_rate * self.decay_rate ** self.progress(step)


class InverseTimeDecay(_Decay):
    """α(t) = α₀ / (1 + r · p)."""

    def __call__(self, step) -> float:
        return self.initial_learning_rate / (1 + self.decay_rate * self.progress(step))


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[0] while t ≤ boundaries[0], values[i] while boundaries[i−1] < t ≤
    boundaries[i], values[−1] after the last boundary."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(values) != len(boundaries) + 1:
            raise ValueError(f"values must have one more entry than boundaries, got "
                             f"{len(values)} values for {len(boundaries)} boundaries")
        self.boundaries, self.values, self.name = list(boundaries), list(values), name

    def __call__(self, step) -> float:
        return self.values[bisect.bisect_left(self.boundaries, step)]


class PolynomialDecay(LearningRateSchedule):
    """α(t) = (α₀ − α_end)(1 − min(t, T)/T)^power + α_end; with ``cycle``, T grows to
    the next multiple of ``decay_steps`` above t."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        if decay_steps <= 0:
            raise ValueError(f"decay_steps must be positive, got {decay_steps}")
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power = end_learning_rate, power
        self.cycle, self.name = cycle, name

    def __call__(self, step) -> float:
        T = self.decay_steps
        if self.cycle:
            T = T * max(1, math.ceil(step / T))
        else:
            step = min(step, T)
        fraction = (1 - step / T) ** self.power
        end = self.end_learning_rate
        return (self.initial_learning_rate - end) * fraction + end


class CosineDecay(LearningRateSchedule):
    """After ``warmup_steps`` of linear rise from α₀ to ``warmup_target`` (when given),
    α(t) = α_top · ((1 − alpha) · ½(1 + cos(π · min(t, T) / T)) + alpha), t counted
    from the end of the warm-up, α_top the rate reached."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        if decay_steps <= 0:
            raise ValueError(f"decay_steps must be positive, got {decay_steps}")
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.alpha = alpha
        self.name, self.warmup_target, self.warmup_steps = name, warmup_target, warmup_steps

    def __call__(self, step) -> float:
        top = self.initial_learning_rate
        if self.warmup_target is not None:
            if step < self.warmup_steps:
                return top + (self.warmup_target - top) * step / self.warmup_steps
            top, step = self.warmup_target, step - self.warmup_steps
        cosine = 0.5 * (1 + math.cos(math.pi * min(step, self.decay_steps) / self.decay_steps))
        return top * ((1 - self.alpha) * cosine + self.alpha)
