"""Learning-rate schedules, PyTorch style: call ``scheduler.step()`` once per epoch.

Each schedule sets every parameter group's ``lr`` from its initial rate α₀ and the
epoch count t (closed forms below); :class:`ReduceLROnPlateau` instead watches a
validation metric. In ``fit``, the callbacks ``LearningRateScheduler`` and
``ReduceLROnPlateau`` do the same job.
"""

from __future__ import annotations

import math

from lucidnet.optim.optimizer import Optimizer, _check_rate


class LRScheduler:
    """Base: remembers each group's initial rate and sets ``lr = rate(α₀, t)``."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__} schedules a lucidnet optimizer, "
                            f"got {type(optimizer).__name__}")
        if not optimizer.param_groups:
            raise ValueError(f"{type(self).__name__} needs an optimizer bound to parameters")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def rate(self, base_lr: float, t: int) -> float:
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and set the new rates."""
        self.last_epoch += 1
        self.optimizer.lr = [self.rate(base, self.last_epoch) for base in self.base_lrs]

    def get_last_lr(self) -> list[float]:
        return self.optimizer.lrs

    def state_dict(self) -> dict:
        return {"last_epoch": self.last_epoch, "base_lrs": list(self.base_lrs)}

    def load_state_dict(self, state: dict) -> None:
        self.last_epoch, self.base_lrs = int(state["last_epoch"]), list(state["base_lrs"])


class StepLR(LRScheduler):
    """αₜ = α₀ · γ^⌊t / step_size⌋: divide the rate by 1/γ every ``step_size`` epochs."""

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        if not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"step_size must be a positive integer, got {step_size!r}")
        self.step_size, self.gamma = step_size, _check_rate("gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def rate(self, base_lr, t):
        return base_lr * self.gamma ** (t // self.step_size)


class ExponentialLR(LRScheduler):
    """αₜ = α₀ · γᵗ."""

    def __init__(self, optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = _check_rate("gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def rate(self, base_lr, t):
        return base_lr * self.gamma**t


class CosineAnnealingLR(LRScheduler):
    """αₜ = η_min + (α₀ − η_min) · (1 + cos(π·t / T_max)) / 2: half a cosine from α₀
    down to η_min over ``T_max`` epochs (then back up, as PyTorch's closed form)."""

    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):
        if not isinstance(T_max, int) or T_max < 1:
            raise ValueError(f"T_max must be a positive integer, got {T_max!r}")
        self.T_max, self.eta_min = T_max, _check_rate("eta_min", eta_min)
        super().__init__(optimizer, last_epoch)

    def rate(self, base_lr, t):
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * t / self.T_max)) / 2


class ReduceLROnPlateau:
    """Multiply the rate by ``factor`` once the watched metric has not improved for
    ``patience`` epochs; call ``step(metric)`` after each validation.

    Improvement (``mode='min'``, threshold τ): ``rel``: m < best·(1 − τ); ``abs``:
    m < best − τ (mirrored for ``'max'``). After a reduction, ``cooldown`` epochs pass
    before counting again; rates never go below ``min_lr``, and a change smaller than
    ``eps`` is skipped. Defaults are PyTorch's.
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float = 0.0, eps: float = 1e-8):
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        factor = _check_rate("factor", factor)
        if factor >= 1:
            raise ValueError(f"factor must be < 1, got {factor}")
        self.optimizer, self.mode, self.factor = optimizer, mode, factor
        self.patience, self.cooldown = int(patience), int(cooldown)
        self.threshold, self.threshold_mode = _check_rate("threshold", threshold), threshold_mode
        self.min_lr, self.eps = _check_rate("min_lr", min_lr), _check_rate("eps", eps)
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = self.cooldown_counter = 0
        self.last_epoch = 0

    def _improves(self, metric: float) -> bool:
        tau = self.threshold
        if self.mode == "min":
            bound = self.best * (1 - tau) if self.threshold_mode == "rel" else self.best - tau
            return metric < bound
        bound = self.best * (1 + tau) if self.threshold_mode == "rel" else self.best + tau
        return metric > bound

    def step(self, metric) -> None:
        metric = float(metric)
        self.last_epoch += 1
        if self._improves(metric):
            self.best, self.num_bad_epochs = metric, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            rates = self.optimizer.lrs
            reduced = [max(lr * self.factor, self.min_lr) for lr in rates]
            self.optimizer.lr = [new if lr - new > self.eps else lr for lr, new in zip(rates, reduced)]
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0

    def get_last_lr(self) -> list[float]:
        return self.optimizer.lrs
