"""Diagnostics: numerical gradient checks (more tools join them: dead units, saturation)."""

from __future__ import annotations

import numpy

from lucidnet import backend
from lucidnet.autograd import Tensor


def numerical_gradient(f, x: numpy.ndarray, eps: float = 1e-6) -> numpy.ndarray:
    """Central differences: ∂f/∂xᵢ ≈ (f(x + εeᵢ) − f(x − εeᵢ)) / 2ε, for scalar f.

    Error O(ε²) for smooth f; ``x`` is perturbed in place and restored.
    """
    grad = numpy.zeros_like(x)
    flat, g = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + eps
        plus = f()
        flat[i] = saved - eps
        minus = f()
        flat[i] = saved
        g[i] = (plus - minus) / (2 * eps)
    return grad


def gradcheck(fn, *inputs, eps: float = 1e-6, atol: float = 1e-7, rtol: float = 1e-5, seed: int = 0) -> bool:
    """Check ``fn``'s backward against central differences, in float64.

    ``inputs`` are arrays or Tensors; floating ones become float64 leaves requiring a
    gradient. The scalar checked is L = Σ fn(*inputs) ⊙ V for a fixed random V, so
    every output element and every input element is covered. Raises AssertionError
    naming the input and the worst element on a mismatch; returns True otherwise.
    """
    leaves = []
    for x in inputs:
        data = x.data if isinstance(x, Tensor) else numpy.asarray(x)
        if data.dtype.kind == "f":
            leaves.append(Tensor(backend.to_numpy(data).astype(numpy.float64), requires_grad=True))
        else:
            leaves.append(Tensor(data))
    out = fn(*leaves)
    V = numpy.random.default_rng(seed).standard_normal(out.shape)

    def loss() -> float:
        return float((backend.to_numpy(fn(*leaves).data) * V).sum())

    (out * Tensor(V)).sum().backward()
    for k, leaf in enumerate(leaves):
        if not leaf.requires_grad:
            continue
        analytic = numpy.zeros(leaf.shape) if leaf.grad is None else backend.to_numpy(leaf.grad)
        numeric = numerical_gradient(loss, leaf.data, eps)
        error = numpy.abs(analytic - numeric)
        bound = atol + rtol * numpy.abs(numeric)
        if not (error <= bound).all():
            i = numpy.unravel_index(numpy.argmax(error - bound), error.shape)
            raise AssertionError(
                f"gradient of input {k} wrong at index {tuple(int(j) for j in i)}: "
                f"backward {analytic[i]!r}, central differences {numeric[i]!r} "
                f"(max abs error {error.max():.3g})"
            )
    return True
