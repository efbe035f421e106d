"""Stochastic gradient descent, with momentum and Nesterov momentum."""

from __future__ import annotations

from lucidnet import backend
from lucidnet.optim.optimizer import Optimizer, _check_beta


class SGD(Optimizer):
    """Gradient descent on mini-batches: the plain update of the lectures,

        θ ← θ − α·g,        g = ∂L/∂θ (+ λθ with ``weight_decay`` λ, an L2 penalty).

    With ``momentum`` μ a velocity remembers past gradients (PyTorch's form; the
    first step sets b = g):

        b ← μ·b + (1 − dampening)·g;    θ ← θ − α·b,

    and with ``nesterov=True`` the step looks ahead: θ ← θ − α·(g + μ·b).

    ``rule='keras'``: Keras keeps α inside the velocity, u ← μ·u − α·g, θ ← θ + u
    (Nesterov: θ ← θ + μ·u − α·g), the same steps at a constant rate; weight decay is
    decoupled, θ ← θ·(1 − αλ). Defaults are PyTorch's (lr = 1e-3); Keras's SGD
    (lr = 0.01, its argument names) is :class:`lucidnet.optimizers.SGD`.

    Example::

        opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
        loss.backward(); opt.step(); opt.zero_grad()
    """

    elementwise = True

    def __init__(self, params=None, lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
                 rule: str = "pytorch"):
        momentum = _check_beta("momentum", momentum)
        if nesterov and (momentum == 0 or dampening != 0):
            raise ValueError("Nesterov momentum needs momentum > 0 and dampening = 0")
        super().__init__(params, {
            "lr": lr, "momentum": momentum, "dampening": dampening,
            "weight_decay": weight_decay, "nesterov": bool(nesterov), "rule": rule,
        })

    def update(self, theta, g, state, group):
        lr, mu = group["lr"], group["momentum"]
        g = self._decay(theta, g, group)
        if mu and group["rule"] == "keras":
            u = state.setdefault("velocity", backend.xp.zeros_like(theta))
            u *= mu
            u -= lr * g
            theta += mu * u - lr * g if group["nesterov"] else u
            return
        if mu:
            b = state.get("momentum_buffer")
            if b is None:
                b = state["momentum_buffer"] = g.copy()
            else:
                b *= mu
                b += (1 - group["dampening"]) * g
            g = g + mu * b if group["nesterov"] else b
        theta -= lr * g
