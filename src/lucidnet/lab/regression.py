"""Lab sections of the regression and classification lectures: linear regression in
closed form and by gradient descent, why classification wants sigmoid + cross-entropy,
and the gradient of softmax cross-entropy.

Every model is float64, so "agree" means to ~1e-10, not to float32's 1e-6.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

import lucidnet
import lucidnet.functional as F
from lucidnet import backend, nn, optim, tensor
from lucidnet.datasets import embedded
from lucidnet.diagnostics import numerical_gradient
from lucidnet.lab.report import Result, section
from lucidnet.training import Trainer


# -- 1. linear regression ------------------------------------------------------------
def _gaussian_nll(X, y, theta, var) -> float:
    """−ln Πₙ N(yₙ; xₙᵀθ, σ²) = N/2 ln 2πσ² + ‖y − Xθ‖²/(2σ²)."""
    return F.gaussian_nll(y, tensor(X @ theta), var, full=True, reduction="sum").item()


@section("linear_regression",
         "Linear regression: normal equation, pseudo-inverse, gradient descent")
def linear_regression(quick: bool = False) -> Result:
    """House prices (area m², age years → price k€) fitted three ways:

        normal equation   θ = (XᵀX)⁻¹ Xᵀ y,   X = [area, age, 1] (N, 3)
        pseudo-inverse    θ = X⁺ y
        gradient descent  θ ← θ − α ∇θ MSE, full batch, on standardized features

    and the Gaussian negative log-likelihood N/2 ln 2πσ² + ‖y − Xθ‖²/(2σ²), which for any
    fixed σ is smallest where ‖y − Xθ‖² is: at the least-squares θ. Well under a second,
    so ``quick`` runs the same.
    """
    epochs = 300
    x, y, w_true, b_true = embedded.house_prices(500, seed=0)
    X = np.column_stack([x, np.ones(len(x))])
    theta_normal = np.linalg.inv(X.T @ X) @ X.T @ y
    theta_pinv = np.linalg.pinv(X) @ y

    # Raw features differ in scale (area ~100, age ~25, the bias column 1): XᵀX has a
    # condition number ~1e5, so gradient descent would need a tiny step and ~1e5 steps.
    # On standardized features it converges in a few hundred; the fit maps back exactly.
    mu, s = x.mean(axis=0), x.std(axis=0)
    lucidnet.manual_seed(0)
    with lucidnet.default_dtype("float64"):
        model = nn.Linear(2, 1)
    trainer = Trainer(model, "mse", optim.SGD(model.parameters(), lr=0.1), seed=0)
    history = trainer.fit((x - mu) / s, y, batch_size=len(x), epochs=epochs, verbose=0,
                          shuffle=False)
    w_std, b_std = model.weight.numpy()[:, 0], model.bias.numpy()[0]
    theta_gd = np.append(w_std / s, b_std - (w_std * mu / s).sum())  # ŷ = w·(x − μ)/s + b

    residual = y - X @ theta_normal
    var = float(residual @ residual / len(y))  # σ̂², the maximum-likelihood noise variance
    nll_ls = _gaussian_nll(X, y, theta_normal, var)
    theta = tensor(theta_normal, requires_grad=True)
    F.gaussian_nll(y, X @ theta, var, full=True, reduction="sum").backward()
    nll_grad = float(np.abs(theta.grad).max())
    rng = np.random.default_rng(1)
    scale = 0.01 * np.abs(theta_normal)  # 1 % of each parameter
    perturbed = [_gaussian_nll(X, y, theta_normal + rng.normal(0, scale), var)
                 for _ in range(20)]

    gd_gap = float(np.abs(theta_gd - theta_normal).max())
    pinv_gap = float(np.abs(theta_pinv - theta_normal).max())
    held = bool(gd_gap < 1e-6 and pinv_gap < 1e-8 and min(perturbed) > nll_ls
                and nll_grad < 1e-6)
    numbers = {
        "houses": len(y),
        "theta_true": [*w_true.tolist(), float(b_true)],
        "theta_normal_equation": theta_normal.tolist(),
        "theta_pseudo_inverse": theta_pinv.tolist(),
        "theta_gradient_descent": theta_gd.tolist(),
        "max_abs_diff_pinv_vs_normal": pinv_gap,
        "max_abs_diff_gd_vs_normal": gd_gap,
        "gd_epochs": epochs,
        "gd_learning_rate": 0.1,
        "gd_loss_first_last": [history.history["loss"][0], history.history["loss"][-1]],
        "noise_variance_mle": var,
        "nll_at_least_squares": nll_ls,
        "nll_perturbed_min": min(perturbed),
        "nll_perturbed_max": max(perturbed),
        "nll_max_abs_gradient_at_least_squares": nll_grad,
    }
    summary = (
        f"On {len(y)} synthetic houses (price = 3·area − 1.5·age + 50 + N(0, 20²) k€) the "
        f"normal equation gives w = ({theta_normal[0]:.4f}, {theta_normal[1]:.4f}), "
        f"b = {theta_normal[2]:.3f}; the pseudo-inverse differs by at most {pinv_gap:.1e} and "
        f"full-batch gradient descent (nn.Linear, Trainer + SGD lr 0.1, {epochs} epochs on "
        f"standardized features, mapped back) by {gd_gap:.1e}. With σ² = RSS/N = {var:.1f}, "
        f"the Gaussian NLL is {nll_ls:.3f} at the least-squares θ, its gradient there "
        f"{nll_grad:.1e} (autograd through F.gaussian_nll), and 20 random 1 % perturbations "
        f"all raise it (to {min(perturbed):.3f} … {max(perturbed):.3f})."
    )
    return Result(
        claim="Least squares has the closed form θ = (XᵀX)⁻¹Xᵀy = X⁺y; gradient descent on the "
              "MSE reaches the same θ; and the least-squares θ maximizes the Gaussian "
              "likelihood (minimizes its negative log).",
        held=held, numbers=numbers, summary=summary,
        figures={"gradient descent: MSE per epoch": _gd_figure(history.history["loss"], var),
                 "Gaussian NLL around the least-squares solution":
                     _nll_figure(X, y, theta_normal, var)},
    )


def _gd_figure(losses, mse_ls) -> Figure:
    fig = Figure(figsize=(9, 3.2))
    left, right = fig.subplots(1, 2)
    epochs = np.arange(1, len(losses) + 1)
    left.semilogy(epochs, losses, label="gradient descent")
    left.axhline(mse_ls, color="k", ls="--", label="closed form (least squares)")
    left.set(xlabel="epoch", ylabel="training MSE (k€²)", title="House prices: full-batch GD")
    left.legend()
    # float64 rounding leaves ~1e-13 of the excess; zeros would vanish from a log plot
    right.semilogy(epochs, np.maximum(np.array(losses) - mse_ls, 1e-14))
    right.set(xlabel="epoch", ylabel="MSE − least-squares MSE",
              title="Linear convergence to the minimum")
    fig.tight_layout()
    return fig


def _nll_figure(X, y, theta, var) -> Figure:
    fig = Figure(figsize=(9, 2.8))
    names = ("w_area", "w_age", "b")
    for j, ax in enumerate(fig.subplots(1, 3)):
        offsets = np.linspace(-0.05, 0.05, 41) * abs(theta[j])
        nll = []
        for d in offsets:
            t = theta.copy()
            t[j] += d
            nll.append(_gaussian_nll(X, y, t, var))
        ax.plot(theta[j] + offsets, nll)
        ax.axvline(theta[j], color="k", ls="--")
        ax.set(xlabel=names[j], ylabel="NLL" if j == 0 else None)
    fig.suptitle("Gaussian NLL along each parameter (dashed: least-squares value)")
    fig.tight_layout()
    return fig


# -- 2. binary classification ----------------------------------------------------------
def _dl_do(loss, o: float, y: float) -> float:
    """dl/do by lucidnet autograd for a loss of the logit o and the label y."""
    logit = tensor([o], requires_grad=True, dtype="float64")
    loss(tensor([y], dtype="float64"), logit).backward()
    return logit.grad.item()


def _mse_of_sigmoid(y, o):
    """l = (σ(o) − y)²."""
    return F.mean_squared_error(y, F.sigmoid(o))


def _bce_of_logit(y, o):
    """l = −[y ln σ(o) + (1 − y) ln(1 − σ(o))], fused: dl/do = σ(o) − y."""
    return F.binary_crossentropy(y, o, from_logits=True)


def _bce_of_sigmoid(y, o):
    """The same BCE, unfused: σ first, then BCE on the probability."""
    return F.binary_crossentropy(y, F.sigmoid(o))


def _clipped(z):
    """ŷ = max(0, min(1, z)): a linear output clipped to [0, 1]; dŷ/dz = 0 outside."""
    return lucidnet.maximum(0.0, lucidnet.minimum(1.0, z))


def _classifier_loss(kind: str, y, z, reduction: str = "mean"):
    """The squared error of the clipped output ('clipped'), or BCE on the logit z ('bce')."""
    if kind == "clipped":
        return F.mean_squared_error(y, _clipped(z), reduction=reduction)
    return F.binary_crossentropy(y, z, from_logits=True, reduction=reduction)


def _per_point_dz(y, z, kind: str):
    """∂lₙ/∂zₙ for each point at the logits z (N, 1): 2(ŷ − y)·1[0 ≤ z ≤ 1] for the
    clipped output with squared error, σ(z) − y for sigmoid + BCE."""
    leaf = tensor(z, requires_grad=True)
    _classifier_loss(kind, y, leaf, reduction="sum").backward()
    return backend.to_numpy(leaf.grad[:, 0])


def _start_layer():
    """z = wᵀx + b with w = 0, b = −1: ŷ = 0 for every point (clipped, and σ(−1) < ½)."""
    with lucidnet.default_dtype("float64"):
        layer = nn.Linear(2, 1, weight_init="zeros", bias_init="zeros")
    layer.bias.data[...] = -1.0
    return layer


def _train_classifier(x, y, kind: str, steps: int):
    """Full-batch SGD (lr 0.5) on the mean loss from :func:`_start_layer`; returns the
    layer and the loss per step."""
    layer = _start_layer()
    opt = optim.SGD(layer.parameters(), lr=0.5)
    losses = []
    for _ in range(steps):
        loss = _classifier_loss(kind, y, layer(x))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return layer, losses


@section("binary_classification", "Binary classification: sigmoid + cross-entropy")
def binary_classification(quick: bool = False) -> Result:
    """The gradient at a confident mistake (o = 5.6, y = 0):

        sigmoid + MSE  l = (σ(o) − y)²   dl/do = 2(σ(o) − y)σ(o)(1 − σ(o)) = 0.0073
        sigmoid + BCE  l = −ln(1 − σ(o))  dl/do = σ(o) − y = 0.9963

    and a linear output clipped to [0, 1], whose gradient is 0 wherever it is outside
    (0, 1): trained from a start that is completely wrong on one class, it never moves,
    while sigmoid + BCE learns the same points.
    """
    o, y = 5.6, 0.0
    mse_grad = _dl_do(_mse_of_sigmoid, o, y)
    bce_grad = _dl_do(_bce_of_logit, o, y)
    bce_unfused_grad = _dl_do(_bce_of_sigmoid, o, y)

    # Two Gaussian blobs in 2-D, linearly separable: class 0 around (−2, 0), 1 around (2, 0).
    n, steps = (20, 100) if quick else (50, 300)
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal([-2, 0], 0.7, (n, 2)), rng.normal([2, 0], 0.7, (n, 2))])
    labels = np.repeat([0.0, 1.0], n)[:, None]
    start = _start_layer()
    z_start = start(x).numpy()
    wrong = labels[:, 0] == 1  # ŷ = 0 at the start: every class-1 point is completely wrong
    clipped_dz = np.abs(_per_point_dz(labels, z_start, "clipped"))
    bce_dz = np.abs(_per_point_dz(labels, z_start, "bce"))
    clipped, clipped_losses = _train_classifier(x, labels, "clipped", steps)
    logistic, bce_losses = _train_classifier(x, labels, "bce", steps)
    acc_clipped = float(((clipped(x).numpy() > 0.5) == labels).mean())  # ŷ > ½ ⇔ z > ½
    acc_logistic = float(((logistic(x).numpy() > 0) == labels).mean())  # σ(z) > ½ ⇔ z > 0
    clipped_moved = max(float(np.abs(p.numpy() - q.numpy()).max())
                        for p, q in zip(clipped.parameters(), start.parameters()))

    held = bool(round(mse_grad, 4) == 0.0073 and round(bce_grad, 4) == 0.9963
                and abs(bce_unfused_grad - bce_grad) < 1e-9
                and clipped_dz[wrong].max() == 0.0 and bce_dz[wrong].min() > 0.5
                and clipped_moved == 0.0 and acc_logistic == 1.0)
    numbers = {
        "o": o, "y": y,
        "dl_do_sigmoid_mse": mse_grad,
        "dl_do_sigmoid_bce": bce_grad,
        "dl_do_sigmoid_then_bce_unfused": bce_unfused_grad,
        "dl_do_formula_mse": 2 * _sigmoid(o) ** 2 * (1 - _sigmoid(o)),
        "dl_do_formula_bce": _sigmoid(o),
        "points": 2 * n,
        "completely_wrong_at_start": int(wrong.sum()),
        "steps": steps,
        "max_abs_dl_dz_wrong_points_clipped": float(clipped_dz[wrong].max()),
        "min_abs_dl_dz_wrong_points_bce": float(bce_dz[wrong].min()),
        "clipped_parameter_change": clipped_moved,
        "accuracy_clipped_after": acc_clipped,
        "accuracy_sigmoid_bce_after": acc_logistic,
        "loss_clipped_first_last": [clipped_losses[0], clipped_losses[-1]],
        "loss_bce_first_last": [bce_losses[0], bce_losses[-1]],
    }
    summary = (
        f"At o = 5.6, y = 0, lucidnet autograd gives dl/do = {mse_grad:.4f} for sigmoid + MSE "
        f"and {bce_grad:.4f} for sigmoid + BCE (fused on the logit; {bce_unfused_grad:.4f} "
        f"through F.sigmoid then BCE on the probability). On {2 * n} points in two Gaussian "
        f"blobs, both models start at w = 0, b = −1, where the clipped output is ŷ = 0 for "
        f"every point: the {int(wrong.sum())} class-1 points are completely wrong. The "
        f"clipped model max(0, min(1, wᵀx + b)) with MSE gets |dl/dz| = {clipped_dz[wrong].max():g} from those points, and after "
        f"{steps} SGD steps its parameters moved by {clipped_moved:g} (accuracy "
        f"{acc_clipped:.2f}); sigmoid + BCE gets |σ(z) − y| ≥ {bce_dz[wrong].min():.3f} from "
        f"them and reaches accuracy {acc_logistic:.2f}."
    )
    return Result(
        claim="At o = 5.6, y = 0 the gradient dl/do is 0.0073 for sigmoid + MSE but 0.9963 for "
              "sigmoid + BCE; a model clipped to [0, 1] stops learning from points it gets "
              "completely wrong, while sigmoid + BCE learns them.",
        held=held, numbers=numbers, summary=summary,
        figures={"dl/do for y = 0: sigmoid + MSE vs sigmoid + BCE": _gradient_figure(o),
                 "clipped output vs sigmoid + BCE, from a completely wrong start":
                     _clipped_figure(x, labels, clipped, logistic, clipped_losses, bce_losses)},
    )


def _sigmoid(o: float) -> float:
    return 1 / (1 + np.exp(-o))


def _gradient_figure(o_mark: float) -> Figure:
    o = np.linspace(-8, 8, 161)
    mse = [_dl_do(_mse_of_sigmoid, v, 0.0) for v in o]
    bce = [_dl_do(_bce_of_logit, v, 0.0) for v in o]
    fig = Figure(figsize=(5, 3.2))
    ax = fig.subplots()
    ax.plot(o, mse, label="sigmoid + MSE")
    ax.plot(o, bce, label="sigmoid + BCE")
    ax.axvline(o_mark, color="k", ls=":", label=f"o = {o_mark}")
    ax.set(xlabel="logit o (label y = 0)", ylabel="dl/do", title="Gradient at a mistake")
    ax.legend()
    return fig


def _clipped_figure(x, labels, clipped, logistic, clipped_losses, bce_losses) -> Figure:
    fig = Figure(figsize=(9, 3.4))
    left, right = fig.subplots(1, 2)
    left.scatter(*x.T, c=labels[:, 0], cmap="coolwarm", s=14)
    x1 = np.linspace(x[:, 0].min(), x[:, 0].max(), 2)
    for layer, level, name in ((logistic, 0.0, "sigmoid + BCE"), (clipped, 0.5, "clipped")):
        (w1, w2), b = layer.weight.numpy()[:, 0], layer.bias.item()
        if w2 != 0:  # boundary w1 x1 + w2 x2 + b = level
            left.plot(x1, (level - b - w1 * x1) / w2, label=f"{name} boundary")
        elif w1 != 0:
            left.axvline((level - b) / w1, label=f"{name} boundary")
        else:
            left.plot([], [], label=f"{name}: no boundary (w = 0, ŷ = 0 everywhere)")
    left.set(xlabel="x₁", ylabel="x₂", ylim=(x[:, 1].min() - 1, x[:, 1].max() + 1))
    left.legend(fontsize=7)
    right.plot(clipped_losses, label="clipped + MSE")
    right.plot(bce_losses, label="sigmoid + BCE")
    right.set(xlabel="SGD step", ylabel="training loss", yscale="log")
    right.legend()
    fig.tight_layout()
    return fig


# -- 3. multiclass -----------------------------------------------------------------------
@section("multiclass", "Multiclass: the gradient of softmax cross-entropy")
def multiclass(quick: bool = False) -> Result:
    """∂/∂o of l = −Σ_c y_c ln softmax(o)_c is softmax(o) − y, compared three ways:
    lucidnet autograd (fused and unfused), the formula, and central differences."""
    N, C = (3, 4) if quick else (8, 10)
    rng = np.random.default_rng(0)
    o = rng.normal(0, 2, (N, C))
    y = np.eye(C)[rng.integers(C, size=N)]

    logits = tensor(o, requires_grad=True)
    F.categorical_crossentropy(y, logits, from_logits=True, reduction="sum").backward()
    fused = backend.to_numpy(logits.grad)
    logits = tensor(o, requires_grad=True)
    F.categorical_crossentropy(y, F.softmax(logits), reduction="sum").backward()
    unfused = backend.to_numpy(logits.grad)
    e = np.exp(o - o.max(axis=1, keepdims=True))
    formula = e / e.sum(axis=1, keepdims=True) - y
    probe = o.copy()
    numeric = numerical_gradient(
        lambda: F.categorical_crossentropy(y, tensor(probe), from_logits=True,
                                           reduction="sum").item(), probe)

    gaps = {"autograd_fused_vs_formula": float(np.abs(fused - formula).max()),
            "autograd_unfused_vs_formula": float(np.abs(unfused - formula).max()),
            "central_differences_vs_formula": float(np.abs(numeric - formula).max())}
    held = bool(gaps["autograd_fused_vs_formula"] < 1e-12
                and gaps["autograd_unfused_vs_formula"] < 1e-9
                and gaps["central_differences_vs_formula"] < 1e-7)
    numbers = {"samples": N, "classes": C, "max_abs_diff": gaps,
               "gradient_sample_0": {"autograd": fused[0].tolist(), "formula": formula[0].tolist(),
                                     "central_differences": numeric[0].tolist()},
               "row_sums_of_gradient": fused.sum(axis=1).tolist()}
    summary = (
        f"For {N} samples of {C} classes (logits ~ N(0, 2²), one-hot labels), the gradient of "
        f"the summed softmax cross-entropy w.r.t. the logits, by lucidnet autograd through "
        f"the fused loss, differs from softmax(o) − y by at most "
        f"{gaps['autograd_fused_vs_formula']:.1e}; through F.softmax then cross-entropy on "
        f"probabilities by {gaps['autograd_unfused_vs_formula']:.1e}; central differences "
        f"(ε = 1e-6) by {gaps['central_differences_vs_formula']:.1e}. Each row of the "
        f"gradient sums to 0 (largest |sum| {np.abs(fused.sum(axis=1)).max():.1e})."
    )
    return Result(
        claim="The gradient of softmax cross-entropy w.r.t. the logits is softmax(o) − y.",
        held=held, numbers=numbers, summary=summary,
        figures={"dl/do for sample 0: autograd, formula, central differences":
                 _softmax_figure(fused[0], formula[0], numeric[0], y[0])},
    )


def _softmax_figure(autograd, formula, numeric, y) -> Figure:
    fig = Figure(figsize=(6, 3.2))
    ax = fig.subplots()
    c = np.arange(len(y))
    for k, (values, name) in enumerate(((autograd, "autograd"), (formula, "softmax(o) − y"),
                                        (numeric, "central differences"))):
        ax.bar(c + (k - 1) * 0.27, values, width=0.27, label=name)
    ax.axhline(0, color="k", lw=0.5)
    ax.set(xlabel=f"class c (true class {int(np.argmax(y))})", ylabel="∂l/∂o_c", xticks=c)
    ax.legend(fontsize=8)
    return fig
