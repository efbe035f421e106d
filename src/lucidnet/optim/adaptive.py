"""Optimizers with a step size per parameter entry: Adagrad, RMSprop, Adam, AdamW.

Each divides the gradient by a running measure of its own size, so entries with large
or frequent gradients take smaller steps. ε keeps the division finite. Defaults and
formulas are PyTorch's; ``rule='keras'`` gives Keras's where Keras writes them differently
(ε inside the root in Adagrad and RMSprop, ε after Adam's bias correction, decoupled
weight decay), and :mod:`lucidnet.optimizers` has Keras's names and defaults.
"""

from __future__ import annotations

from lucidnet import backend
from lucidnet.optim.optimizer import Optimizer


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011): the sum of squared gradients sets the step,

        s ← s + g²;    θ ← θ − αₜ · g / (√s + ε),    αₜ = α / (1 + (t − 1)·lr_decay).

    Steps only shrink, which suits sparse features and stalls long training.
    ``rule='keras'``: θ ← θ − αₜ · g / √(s + ε), decay decoupled.
    """

    elementwise = True

    def __init__(self, params=None, lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, rule: str = "pytorch"):
        super().__init__(params, {
            "lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value, "eps": eps, "rule": rule,
        })

    def update(self, theta, g, state, group):
        xp = backend.xp
        if not state:
            state["step"] = 0
            state["sum"] = xp.full_like(theta, group["initial_accumulator_value"])
        state["step"] += 1
        g = self._decay(theta, g, group)
        s = state["sum"]
        s += g * g
        lr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        if group["rule"] == "keras":
            denominator = s + group["eps"]
            xp.sqrt(denominator, out=denominator)
        else:
            denominator = xp.sqrt(s)
            denominator += group["eps"]
        theta -= lr * (g / denominator)


class RMSprop(Optimizer):
    """RMSprop (Hinton, 2012): a moving average of squared gradients sets the step,

        v ← ρ·v + (1 − ρ)·g²;    θ ← θ − α · g / (√v + ε).

    ``centered=True`` divides by the estimated standard deviation instead,
    √(v − ḡ²) with ḡ ← ρ·ḡ + (1 − ρ)·g; ``momentum`` μ accumulates the scaled steps:
    b ← μ·b + g / (√v + ε), θ ← θ − α·b. ρ is PyTorch's ``alpha``.
    ``rule='keras'``: ε inside the root, g / √(v + ε) (centered: √(v − ḡ² + ε), with
    ḡ ← ρ·ḡ + (1 − ρ)·g), α inside the momentum, u ← μ·u + α·g/√(v + ε), θ ← θ − u;
    decay decoupled.
    """

    elementwise = True

    def __init__(self, params=None, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False,
                 rule: str = "pytorch"):
        super().__init__(params, {
            "lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay,
            "momentum": momentum, "centered": bool(centered), "rule": rule,
        })

    def update(self, theta, g, state, group):
        xp = backend.xp
        rho = group["alpha"]
        if not state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(theta)
            if group["momentum"]:
                state["momentum_buffer"] = xp.zeros_like(theta)
            if group["centered"]:
                state["grad_avg"] = xp.zeros_like(theta)
        state["step"] += 1
        keras = group["rule"] == "keras"
        g = self._decay(theta, g, group)
        v = state["square_avg"]
        v *= rho
        v += (1 - rho) * (g * g)
        square = v
        if group["centered"]:
            mean = state["grad_avg"]
            if keras:
                mean *= rho
                mean += (1 - rho) * g
            else:
                mean += (1 - rho) * (g - mean)
            square = v - mean * mean
        if keras:
            denominator = square + group["eps"]
            xp.sqrt(denominator, out=denominator)
        else:
            denominator = xp.sqrt(square)
            denominator += group["eps"]
        if group["momentum"] and keras:
            u = state["momentum_buffer"]
            u *= group["momentum"]
            u += group["lr"] * (g / denominator)
            theta -= u
        elif group["momentum"]:
            b = state["momentum_buffer"]
            b *= group["momentum"]
            b += g / denominator
            theta -= group["lr"] * b
        else:
            theta -= group["lr"] * (g / denominator)


_ADAM_KERNELS = {}


def _adam_kernel(xp):
    """The Adam step below as one CUDA kernel, for CuPy: on a GPU each of the eleven
    passes would be a launch costing the host about 10 µs whatever the size. The same
    formula, term for term (the compiler may fuse a multiply-add: last-bit differences).
    None for an array module without kernels (NumPy); looked up once per module (asking
    NumPy for a missing attribute costs 2 µs, a dict 0.05 µs)."""
    if xp not in _ADAM_KERNELS:
        make = getattr(xp, "ElementwiseKernel", None)
        _ADAM_KERNELS[xp] = None if make is None else make(
            "T g, T one_beta1, T b2, T one_beta2, T eps_c, T rate", "T theta, T m, T v",
            "m += one_beta1 * (g - m); v = b2 * v + one_beta2 * (g * g);"
            " theta -= rate * (m / (sqrt(v) + eps_c))",
            "lucidnet_adam_step")
    return _ADAM_KERNELS[xp]


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): momentum on the gradient and RMSprop's scaling,
    both bias-corrected for their start at zero,

        m ← β₁·m + (1 − β₁)·g;    v ← β₂·v + (1 − β₂)·g²
        θ ← θ − α/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε).

    ``weight_decay`` adds λθ to g (an L2 penalty; see :class:`AdamW` for decoupled
    decay); ``amsgrad=True`` divides by the largest v seen so far. ``rule='keras'``:
    ε after the bias correction ("ε-hat"), θ ← θ − αₜ · m / (√v + ε),
    αₜ = α·√(1 − β₂ᵗ)/(1 − β₁ᵗ), v ← v + (1 − β₂)(g² − v); decay decoupled.
    """

    elementwise = True

    def __init__(self, params=None, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, rule: str = "pytorch"):
        super().__init__(params, {
            "lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
            "amsgrad": bool(amsgrad), "rule": rule,
        })

    def update(self, theta, g, state, group):
        xp = backend.xp
        (beta1, beta2), lr = group["betas"], group["lr"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(theta)
            state["exp_avg_sq"] = xp.zeros_like(theta)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = xp.zeros_like(theta)
        state["step"] += 1
        t = state["step"]
        keras = group["rule"] == "keras"
        g = self._decay(theta, g, group)
        # α/(1 − β₁ᵗ) · m/(√v/c + ε) with c = √(1 − β₂ᵗ) is α·c/(1 − β₁ᵗ) · m/(√v + ε·c);
        # Keras's ε-hat is ε in the second form
        c = (1 - beta2**t) ** 0.5
        one_beta1, b2, one_beta2, eps_c, rate = self.scratch.scalars(
            theta.dtype, 1 - beta1, beta2, 1 - beta2, group["eps"] * (1 if keras else c),
            lr * c / (1 - beta1**t))
        m, v = state["exp_avg"], state["exp_avg_sq"]
        kernel = None if group["amsgrad"] or keras else _adam_kernel(xp)
        if kernel is not None:  # CuPy: one kernel (PyTorch's rule)
            kernel(g, *(theta.dtype.type(k) for k in (one_beta1, b2, one_beta2, eps_c, rate)),
                   theta, m, v)
            return
        # in place, the intermediate results in one scratch array: a step allocates nothing
        a = self.scratch.like(theta)
        xp.subtract(g, m, out=a)  # m += (1 − β₁)(g − m)
        a *= one_beta1
        m += a
        if keras:  # v += (1 − β₂)(g² − v)
            xp.multiply(g, g, out=a)
            a -= v
        else:  # v = β₂v + (1 − β₂)g²
            v *= b2
            xp.multiply(g, g, out=a)
        a *= one_beta2
        v += a
        if group["amsgrad"]:
            xp.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        xp.sqrt(v, out=a)
        a += eps_c
        xp.divide(m, a, out=a)
        a *= rate
        theta -= a


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): the decay shrinks
    θ directly, θ ← θ·(1 − αλ), before the Adam step, instead of entering g (and
    being rescaled by 1/√v). Default λ = 0.01, as in PyTorch.
    """

    decoupled_weight_decay = True

    def __init__(self, params=None, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, rule: str = "pytorch"):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, rule)
