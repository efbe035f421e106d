"""Lab section of the backpropagation lecture: the course's 10×10 image classifier, its
forward and backward pass written out by hand in NumPy, step by step with shapes and
chain-rule factors, and checked against lucidnet autograd.

    x (N, 10, 10) → flatten a₀ (N, 100) → z₁ = a₀W₁ + b₁ (N, 128) → a₁ = σ(z₁)
      → z₂ = a₁W₂ + b₂ (N, 1) → ŷ = σ(z₂) → L = −(1/N) Σₙ [y ln ŷ + (1 − y) ln(1 − ŷ)]
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

import lucidnet
from lucidnet import backend, nn, tensor
from lucidnet.lab.report import Result, section


def _images(N: int, seed: int = 0):
    """N noisy 10×10 images: a vertical bar (y = 1) or a horizontal bar (y = 0)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 0.3, (N, 10, 10))
    y = np.arange(N) % 2 == 0
    for n in range(N):
        k = rng.integers(2, 8)
        if y[n]:
            x[n, :, k] += 0.7
        else:
            x[n, k, :] += 0.7
    return x, y.astype(np.float64)[:, None]


def _row(formula: str, shape, note: str = "") -> str:
    """One line of the hand computation: the formula, the result's shape, a note."""
    return f"  {formula:<46} {str(tuple(shape)):<14} {note}".rstrip()


def _values(a, digits: int = 4) -> str:
    return str(np.round(np.ravel(a), digits).tolist())


def _by_hand(x, y, W1, b1, W2, b2):
    """The forward and backward pass in NumPy, one line per step; returns the loss, the
    predictions ŷ (N, 1), the gradients and the lines of text a student writes."""
    N = len(x)
    a0 = x.reshape(N, -1)
    z1 = a0 @ W1 + b1
    a1 = 1 / (1 + np.exp(-z1))
    z2 = a1 @ W2 + b2
    y_hat = 1 / (1 + np.exp(-z2))
    L = -np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))

    dy_hat = (y_hat - y) / (N * y_hat * (1 - y_hat))  # ∂L/∂ŷ
    dz2 = dy_hat * y_hat * (1 - y_hat)  # σ'(z₂) = ŷ(1 − ŷ): together (ŷ − y)/N
    dW2 = a1.T @ dz2
    db2 = dz2.sum(axis=0)
    da1 = dz2 @ W2.T
    dz1 = da1 * a1 * (1 - a1)  # σ'(z₁) = a₁(1 − a₁)
    dW1 = a0.T @ dz1
    db1 = dz1.sum(axis=0)
    dx = (dz1 @ W1.T).reshape(x.shape)

    n = 0  # the image whose values are shown
    lines = [
        f"Forward pass: a batch of N = {N} images ([{n}, …]: image {n}, label y = {y[n, 0]:g})",
        _row("x", x.shape, "pixels in [0, 1]"),
        _row("a0 = flatten(x)", a0.shape, "10·10 = 100 features"),
        _row("z1 = a0 W1 + b1", z1.shape,
             f"W1 {W1.shape}, b1 {b1.shape}; z1[{n}, :3] = {_values(z1[n, :3])}"),
        _row("a1 = σ(z1)", a1.shape, f"a1[{n}, :3] = {_values(a1[n, :3])}"),
        _row("z2 = a1 W2 + b2", z2.shape, f"W2 {W2.shape}, b2 {b2.shape}; z2 = {_values(z2)}"),
        _row("ŷ = σ(z2)", y_hat.shape, f"ŷ = {_values(y_hat)}, y = {_values(y)}"),
        _row("L = −(1/N) Σₙ [y ln ŷ + (1 − y) ln(1 − ŷ)]", (), f"L = {L:.6f}"),
        "Backward pass: the chain rule from the loss down (⊙ elementwise)",
        _row("∂L/∂ŷ = (ŷ − y) / (N ŷ(1 − ŷ))", dy_hat.shape, _values(dy_hat)),
        _row("∂L/∂z2 = ∂L/∂ŷ ⊙ σ'(z2), σ'(z2) = ŷ(1 − ŷ)", dz2.shape,
             f"= (ŷ − y)/N = {_values(dz2)}"),
        _row("∂L/∂W2 = a1ᵀ ∂L/∂z2", dW2.shape,
             f"{a1.T.shape}·{dz2.shape}; ∂L/∂W2[:3] = {_values(dW2[:3], 5)}"),
        _row("∂L/∂b2 = Σₙ ∂L/∂z2", db2.shape, _values(db2, 5)),
        _row("∂L/∂a1 = ∂L/∂z2 W2ᵀ", da1.shape, f"{dz2.shape}·{W2.T.shape}"),
        _row("∂L/∂z1 = ∂L/∂a1 ⊙ σ'(z1), σ'(z1) = a1(1 − a1)", dz1.shape,
             f"∂L/∂z1[{n}, :3] = {_values(dz1[n, :3], 6)}"),
        _row("∂L/∂W1 = a0ᵀ ∂L/∂z1", dW1.shape, f"{a0.T.shape}·{dz1.shape}"),
        _row("∂L/∂b1 = Σₙ ∂L/∂z1", db1.shape),
        _row("∂L/∂x = reshape(∂L/∂z1 W1ᵀ)", dx.shape, f"{dz1.shape}·{W1.T.shape} → {a0.shape}"),
    ]
    grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2, "x": dx}
    return L, y_hat, grads, lines


@section("backprop_by_hand", "Backpropagation by hand: a 10×10 image classifier")
def backprop_by_hand(quick: bool = False) -> Result:
    """The course's classifier Flatten → Linear(100, 128) → Sigmoid → Linear(128, 1) →
    Sigmoid with binary cross-entropy, on a batch of images: the hand-written forward and
    backward pass (see :func:`_by_hand`) against ``loss.backward()``. Under a second, so
    ``quick`` runs the same."""
    N = 4
    x, y = _images(N)
    lucidnet.manual_seed(0)
    with lucidnet.default_dtype("float64"):
        model = nn.Sequential(nn.Flatten(), nn.Linear(100, 128), nn.Sigmoid(),
                              nn.Linear(128, 1), nn.Sigmoid())
    first, second = model[1], model[3]
    L, y_hat, by_hand, lines = _by_hand(x, y, first.weight.numpy(), first.bias.numpy(),
                                 second.weight.numpy(), second.bias.numpy())

    images = tensor(x, requires_grad=True)
    loss = nn.BCELoss()(model(images), tensor(y))
    loss.backward()
    autograd = {name: backend.to_numpy(grad) for name, grad in (
        ("W1", first.weight.grad), ("b1", first.bias.grad), ("W2", second.weight.grad),
        ("b2", second.bias.grad), ("x", images.grad))}
    diffs = {name: float(np.abs(by_hand[name] - autograd[name]).max()) for name in by_hand}
    loss_diff = abs(L - loss.item())
    lines.append("Check against lucidnet autograd (loss.backward()), max |difference|: "
                 + ", ".join(f"∂L/∂{k} {v:.1e}" for k, v in diffs.items())
                 + f"; loss {loss_diff:.1e}")
    text = "\n".join(lines)

    held = bool(max(diffs.values()) < 1e-12 and loss_diff < 1e-12)
    numbers = {
        "batch": N,
        "parameters": model.num_parameters(),
        "loss": L,
        "labels": y[:, 0].tolist(),
        "predictions": y_hat[:, 0].tolist(),
        "max_abs_diff_vs_autograd": diffs,
        "loss_abs_diff_vs_autograd": loss_diff,
        "text": text,
    }
    summary = (
        f"The course's 10×10 image classifier ({model.num_parameters()} parameters: "
        f"100·128 + 128 + 128 + 1) on a batch of {N} noisy bar images (vertical: y = 1, "
        f"horizontal: y = 0), float64. The forward and backward pass written by hand in "
        f"NumPy, with the chain-rule factors σ'(z) = σ(z)(1 − σ(z)) and ∂L/∂z₂ = (ŷ − y)/N, "
        f"give L = {L:.6f} and gradients that differ from lucidnet autograd by at most "
        f"{max(diffs.values()):.1e} (W₁, b₁, W₂, b₂ and the input x); the loss by "
        f"{loss_diff:.1e}. The step-by-step computation is the 'text' entry of the numbers."
    )
    return Result(
        claim="Backpropagation is the chain rule applied layer by layer: the gradients a "
              "student computes by hand for Flatten → Linear 128 → Sigmoid → Linear 1 → "
              "Sigmoid → BCE are the ones autograd computes.",
        held=held, numbers=numbers, summary=summary,
        figures={"input images and ∂L/∂x": _gradient_figure(x, y, by_hand["x"])},
    )


def _gradient_figure(x, y, dx) -> Figure:
    N = len(x)
    fig = Figure(figsize=(2 * N, 4))
    axes = fig.subplots(2, N)
    bound = np.abs(dx).max()
    for n in range(N):
        axes[0, n].imshow(x[n], cmap="gray", vmin=0, vmax=1)
        axes[0, n].set_title(f"x, y = {y[n, 0]:g}")
        axes[1, n].imshow(dx[n], cmap="coolwarm", vmin=-bound, vmax=bound)
        axes[1, n].set_title("∂L/∂x")
        for ax in axes[:, n]:
            ax.set(xticks=[], yticks=[])
    fig.tight_layout()
    return fig
