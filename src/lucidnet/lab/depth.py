"""Lab sections of the lecture on depth: linear layers collapse without a nonlinearity,
XOR needs a hidden ReLU layer, and MLPs approximate functions as they grow.

Every model is float64. lucidnet's Linear computes Y = X W + b with W (in, out).
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

import numpy as np
from matplotlib.figure import Figure

import lucidnet
import lucidnet.functional as F
from lucidnet import backend, nn, optim
from lucidnet.lab.report import Result, section, seed_runs
from lucidnet.training import Trainer


def _f64(build):
    """``build()`` with float64 parameters."""
    with lucidnet.default_dtype("float64"):
        return build()


def _mlp(sizes) -> nn.Sequential:
    """Linear layers of ``sizes`` (input, hidden…, output) with a ReLU between each two."""
    layers = []
    for d_in, d_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(d_in, d_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def _linear_stack(sizes) -> nn.Sequential:
    """Linear layers of ``sizes`` with nothing between them."""
    return nn.Sequential(*[nn.Linear(d_in, d_out) for d_in, d_out in zip(sizes[:-1], sizes[1:])])


def _predict(net, x):
    with lucidnet.no_grad():
        return net(x).numpy()


# -- 4. depth without a nonlinearity ---------------------------------------------------
def _collapse(linears):
    """The one affine map of a chain of Linear layers:

        (…((X W₁ + b₁) W₂ + b₂)…) W_L + b_L = X W + b,
        W = W₁ W₂ ⋯ W_L,   b = (…(b₁ W₂ + b₂)…) W_L + b_L.
    """
    W = np.eye(linears[0].in_features)
    b = np.zeros(linears[0].in_features)
    for layer in linears:
        W = W @ layer.weight.numpy()
        b = b @ layer.weight.numpy() + layer.bias.numpy()
    return W, b


def _single_layer(W, b) -> nn.Linear:
    layer = _f64(lambda: nn.Linear(*W.shape))
    layer.weight.data[...] = backend.asarray(W)
    layer.bias.data[...] = backend.asarray(b)
    return layer


def _affine_residual(x, y) -> float:
    """Largest residual of the least-squares affine fit y ≈ [x, 1] θ (0 iff y is affine in x)."""
    A = np.column_stack([x, np.ones(len(x))])
    theta = np.linalg.lstsq(A, y, rcond=None)[0]
    return float(np.abs(y - A @ theta).max())


@section("depth_without_nonlinearity", "Depth without a nonlinearity collapses to one layer")
def depth_without_nonlinearity(quick: bool = False) -> Result:
    """A stack of Linear layers 4 → 6 → 5 → 3 and the single Linear(4, 3) with the
    collapsed W, b (see :func:`_collapse`) give the same outputs; a ReLU between the same
    layers makes the map non-affine. Well under a second, so ``quick`` runs the same."""
    lucidnet.manual_seed(0)
    sizes = (4, 6, 5, 3)
    stack = _f64(lambda: _linear_stack(sizes))
    linears = list(stack)
    W, b = _collapse(linears)
    single = _single_layer(W, b)
    x = np.random.default_rng(1).normal(size=(100, sizes[0]))
    gap = float(np.abs(_predict(stack, x) - _predict(single, x)).max())
    with_relu = nn.Sequential(linears[0], nn.ReLU(), linears[1], nn.ReLU(), linears[2])
    residual_linear = _affine_residual(x, _predict(stack, x))
    residual_relu = _affine_residual(x, _predict(with_relu, x))

    held = bool(gap < 1e-12 and residual_linear < 1e-12 and residual_relu > 1e-3)
    numbers = {
        "layer_sizes": list(sizes),
        "parameters_stack": stack.num_parameters(),
        "parameters_single": single.num_parameters(),
        "collapsed_W": W.tolist(),
        "collapsed_b": b.tolist(),
        "max_abs_diff_outputs": gap,
        "affine_fit_residual_linear_stack": residual_linear,
        "affine_fit_residual_with_relu": residual_relu,
    }
    summary = (
        f"A float64 Sequential of Linear layers {' → '.join(map(str, sizes))} "
        f"({stack.num_parameters()} parameters) and one Linear(4, 3) with W = W₁W₂W₃ (4, 3), "
        f"b = (b₁W₂ + b₂)W₃ + b₃ ({single.num_parameters()} parameters) differ by at most "
        f"{gap:.1e} on 100 random inputs. The stack's outputs are affine in its inputs "
        f"(least-squares affine fit residual {residual_linear:.1e}); with a ReLU between the "
        f"same layers the residual is {residual_relu:.3f}."
    )
    return Result(
        claim="Without a nonlinearity a stack of linear layers equals one linear layer: "
              "W = W₁W₂⋯W_L, b = (…(b₁W₂ + b₂)…)W_L + b_L.",
        held=held, numbers=numbers, summary=summary,
        figures={"four Linear layers 1 → 8 → 8 → 8 → 1, with and without ReLU":
                 _collapse_figure()},
    )


def _collapse_figure() -> Figure:
    lucidnet.manual_seed(2)
    stack = _f64(lambda: _linear_stack((1, 8, 8, 8, 1)))
    linears = list(stack)
    W, b = _collapse(linears)
    with_relu = nn.Sequential(*[m for layer in linears for m in (layer, nn.ReLU())][:-1])
    x = np.linspace(-3, 3, 201)[:, None]
    fig = Figure(figsize=(5, 3.2))
    ax = fig.subplots()
    ax.plot(x, _predict(stack, x), lw=3, label="Linear stack")
    ax.plot(x, x @ W + b, "k--", label=f"collapsed: {W.item():.3f}·x + {b.item():.3f}")
    ax.plot(x, _predict(with_relu, x), label="same layers with ReLU between")
    ax.set(xlabel="x", ylabel="output")
    ax.legend(fontsize=8)
    return fig


# -- 5. XOR --------------------------------------------------------------------------------
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])
ZERO_LOSS = 1e-6
"""A trained XOR network counts as solving it when its MSE is below this."""


def _course_xor_network() -> nn.Sequential:
    """h = ReLU(x W + c), ŷ = h w + b with W = [[1, 1], [1, 1]], c = [0, −1],
    w = [1, −2]ᵀ, b = 0 (the course's solution)."""
    net = _f64(lambda: _mlp((2, 2, 1)))
    for parameter, values in zip(net.parameters(), ([[1.0, 1.0], [1.0, 1.0]], [0.0, -1.0],
                                                    [[1.0], [-2.0]], [0.0])):
        parameter.data[...] = backend.asarray(values)
    return net


class XorRun(NamedTuple):
    """A trained XOR network: its final MSE, the largest |gradient| there, and the numbers
    of hidden units that are dead (zero on all four points: no gradient reaches their
    weights again) and linear (positive on all four: only an affine function of x there)."""

    mse: float
    max_gradient: float
    dead_units: int
    linear_units: int


def _train_xor(hidden: int, seed: int, epochs: int) -> XorRun:
    """Adam (lr 0.05), full batch, MSE, from lucidnet's default init drawn with ``seed``."""
    lucidnet.manual_seed(seed)
    net = _f64(lambda: _mlp((2, hidden, 1)))
    Trainer(net, "mse", optim.Adam(net.parameters(), lr=0.05), seed=seed).fit(
        XOR_X, XOR_Y, batch_size=4, epochs=epochs, verbose=0, shuffle=False)
    loss = F.mean_squared_error(XOR_Y, net(XOR_X))
    net.zero_grad()
    loss.backward()
    gradient = max(float(np.abs(p.grad).max()) for p in net.parameters())
    active = _predict(net[0], XOR_X) > 0
    return XorRun(loss.item(), gradient, int((~active).all(axis=0).sum()),
                  int(active.all(axis=0).sum()))


@section("xor", "XOR: no linear model, a hidden ReLU layer solves it")
def xor(quick: bool = False) -> Result:
    """XOR on its four points with the MSE:

    * the best linear model, least squares on [x₁, x₂, 1], predicts ½ everywhere: MSE ¼
      (the MSE is convex in (w, b), so no linear model does better);
    * the course's network (see :func:`_course_xor_network`) maps the points to hidden
      codes (0, 0), (1, 0), (1, 0), (2, 1), where they are linearly separable: MSE 0;
    * a 2-unit ReLU network trained from N random starts, and, for comparison, an 8-unit
      one from the same seeds.
    """
    seeds, epochs = (8, 500) if quick else (50, 1000)
    A = np.column_stack([XOR_X, np.ones(4)])
    theta = np.linalg.lstsq(A, XOR_Y, rcond=None)[0]
    linear_mse = float(((A @ theta - XOR_Y) ** 2).mean())
    course = _course_xor_network()
    hidden = _predict(course[1], _predict(course[0], XOR_X))
    course_mse = F.mean_squared_error(XOR_Y, course(XOR_X)).item()

    runs = {h: seed_runs(_train_xor, [(h, seed, epochs) for seed in range(seeds)])
            for h in (2, 8)}
    solved = {h: sum(run.mse < ZERO_LOSS for run in r) for h, r in runs.items()}
    stuck = [run for run in runs[2] if run.mse >= ZERO_LOSS]
    stuck_at = Counter(round(run.mse, 4) for run in stuck)
    with_dead = sum(run.dead_units > 0 for run in stuck)
    affine = sum(run.linear_units == 2 for run in stuck)
    other = len(stuck) - with_dead - affine

    exact = abs(linear_mse - 0.25) < 1e-12 and course_mse == 0.0
    held = bool(exact and solved[2] > seeds / 2)
    numbers = {
        "best_linear_theta": theta.ravel().tolist(),
        "best_linear_mse": linear_mse,
        "course_network_hidden_codes": hidden.tolist(),
        "course_network_mse": course_mse,
        "seeds": seeds,
        "epochs": epochs,
        "zero_loss_threshold": ZERO_LOSS,
        "solved_2_units": solved[2],
        "solved_8_units": solved[8],
        "final_mse_2_units": [run.mse for run in runs[2]],
        "final_mse_8_units": [run.mse for run in runs[8]],
        "unsolved_2_units_by_mse": {str(k): v for k, v in sorted(stuck_at.items())},
        "unsolved_2_units_max_abs_gradient": max((run.max_gradient for run in stuck), default=0.0),
        "unsolved_2_units_with_a_dead_unit": with_dead,
        "unsolved_2_units_affine_on_the_data": affine,
    }
    other_text = f", {other} neither" if other else ""
    spare = (": the solution exists at width 2, but gradient descent finds it reliably only "
             "with spare units") if solved[8] > seeds / 2 else ""
    stuck_text = ", ".join(f"{k:g} ({v} seed{'s' * (v > 1)})" for k, v in sorted(stuck_at.items()))
    summary = (
        f"Least squares on the four XOR points gives w = (0, 0), b = ½ and MSE "
        f"{linear_mse:g}; the course's ReLU network maps the points to hidden codes "
        f"{[tuple(int(v) for v in row) for row in hidden]} and has MSE {course_mse:g}. "
        f"Trained with Adam (lr 0.05, {epochs} full-batch epochs, MSE) from lucidnet's "
        f"default init, a 2-unit ReLU network reached MSE < {ZERO_LOSS:g} from "
        f"{solved[2]} of {seeds} seeds — {'most' if held else 'not most'} of them; the other "
        f"{len(stuck)} stopped at MSE {stuck_text or '–'}, where the largest gradient is "
        f"{numbers['unsolved_2_units_max_abs_gradient']:.0e} (stationary points, not slow "
        f"progress). {with_dead} of them have a dead hidden unit (zero on all four points, so "
        f"its weights get no gradient, and one unit alone cannot fit XOR), {affine} have both "
        f"units positive on all four points (the network is affine there, at the linear "
        f"optimum){other_text}. From the same seeds an 8-unit network "
        f"solved {solved[8]} of {seeds}{spare}."
    )
    return Result(
        claim="No linear model fits XOR (best MSE 0.25); the course's ReLU network W = [[1, 1], "
              "[1, 1]], c = [0, −1], w = [1, −2], b = 0 fits it exactly (MSE 0); a 2-unit ReLU "
              "network trained by gradient descent finds a zero-loss solution from most seeds.",
        held=held, numbers=numbers, summary=summary,
        figures={"XOR through the course's hidden layer": _xor_figure(course, hidden),
                 "final MSE of trained XOR networks, per seed": _xor_runs_figure(runs)},
    )


def _xor_figure(course, hidden) -> Figure:
    fig = Figure(figsize=(8, 3.4))
    left, right = fig.subplots(1, 2)
    g = np.linspace(-0.25, 1.25, 121)
    grid = np.array([[a, b] for b in g for a in g])
    image = left.imshow(_predict(course, grid).reshape(len(g), len(g)), origin="lower",
                        extent=(g[0], g[-1], g[0], g[-1]), cmap="coolwarm", vmin=0, vmax=1)
    fig.colorbar(image, ax=left, label="ŷ")
    for ax, points, name in ((left, XOR_X, "input x"), (right, hidden, "hidden h = ReLU(xW + c)")):
        ax.scatter(*points.T, c=XOR_Y[:, 0], cmap="coolwarm", edgecolors="k", s=80, vmin=0, vmax=1)
        ax.set(title=name, xlabel="1st coordinate", ylabel="2nd coordinate")
    h = np.linspace(-0.2, 2.2, 2)
    right.plot(h, (h - 0.5) / 2, "k--", label="ŷ = h₁ − 2h₂ = ½")
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _xor_runs_figure(runs) -> Figure:
    fig = Figure(figsize=(5, 3.2))
    ax = fig.subplots()
    for k, (h, r) in enumerate(runs.items()):
        losses = np.maximum([run.mse for run in r], 1e-16)  # log scale: show 0 at 1e-16
        ax.scatter(np.arange(len(r)), losses, s=14, marker="os"[k % 2], label=f"{h} hidden units")
    ax.axhline(ZERO_LOSS, color="k", ls=":", label="zero-loss threshold")
    ax.set(xlabel="seed", ylabel="final MSE", yscale="log")
    ax.legend(fontsize=8)
    return fig


# -- 6. universal approximation ----------------------------------------------------------
def _fit_sine(sizes, epochs: int, x, y, x_test, y_test):
    """An MLP of ``sizes`` (ReLU), Adam lr 0.01 full batch; returns the net and its RMSE and
    largest error on the test grid."""
    lucidnet.manual_seed(0)
    net = _f64(lambda: _mlp(sizes))
    Trainer(net, "mse", optim.Adam(net.parameters(), lr=0.01), seed=0).fit(
        x, y, batch_size=len(x), epochs=epochs, verbose=0, shuffle=False)
    error = _predict(net, x_test) - y_test
    return net, float(np.sqrt((error ** 2).mean())), float(np.abs(error).max())


@section("universal_approximation", "Universal approximation: width, and depth")
def universal_approximation(quick: bool = False) -> Result:
    """One-hidden-layer ReLU MLPs 1 → H → 1 of growing width H fitted to sin on [−π, π]
    (200 training points, errors on 1001 grid points); then, at an equal parameter count,
    wide-and-shallow 1 → 56 → 1 against deep-and-narrow 1 → 8 → 8 → 8 → 1 (169 each)."""
    widths, epochs = ((1, 4, 16, 64), 600) if quick else ((1, 2, 4, 8, 16, 32, 64, 128), 2000)
    x = np.linspace(-np.pi, np.pi, 200)[:, None]
    x_test = np.linspace(-np.pi, np.pi, 1001)[:, None]
    y, y_test = np.sin(x), np.sin(x_test)
    fits = {H: _fit_sine((1, H, 1), epochs, x, y, x_test, y_test) for H in widths}
    rmse = [fits[H][1] for H in widths]
    wide, deep = ((1, 56, 1), (1, 8, 8, 8, 1))
    wide_net, wide_rmse, wide_max = _fit_sine(wide, epochs, x, y, x_test, y_test)
    deep_net, deep_rmse, deep_max = _fit_sine(deep, epochs, x, y, x_test, y_test)

    # Training noise may reorder neighbours slightly; the trend must be down and steep.
    falls = all(b <= 1.1 * a for a, b in zip(rmse, rmse[1:])) and rmse[-1] < rmse[0] / 10
    held = bool(falls)
    numbers = {
        "target": "sin(x) on [−π, π]",
        "epochs": epochs,
        "widths": list(widths),
        "parameters": [fits[H][0].num_parameters() for H in widths],
        "rmse": rmse,
        "max_abs_error": [fits[H][2] for H in widths],
        "wide_shallow": {"sizes": list(wide), "parameters": wide_net.num_parameters(),
                         "rmse": wide_rmse, "max_abs_error": wide_max},
        "deep_narrow": {"sizes": list(deep), "parameters": deep_net.num_parameters(),
                        "rmse": deep_rmse, "max_abs_error": deep_max},
    }
    winner = "wide-and-shallow" if wide_rmse < deep_rmse else "deep-and-narrow"
    summary = (
        f"ReLU MLPs 1 → H → 1 trained on 200 points of sin(x), x ∈ [−π, π] (Adam lr 0.01, "
        f"{epochs} full-batch epochs, one seed each): test RMSE "
        + ", ".join(f"{e:.4f} (H = {H})" for H, e in zip(widths, rmse))
        + f" — {'falling' if falls else 'not falling'} with width (1/√2 ≈ 0.707 is the RMSE "
        f"of a constant prediction). At {deep_net.num_parameters()} parameters each, "
        f"wide-and-shallow 1 → 56 → 1 reached RMSE {wide_rmse:.4f} (max error {wide_max:.4f}) "
        f"and deep-and-narrow 1 → 8 → 8 → 8 → 1 RMSE {deep_rmse:.4f} (max {deep_max:.4f}): "
        f"{winner} is better on this smooth 1-D target."
    )
    return Result(
        claim="An MLP with one hidden layer approximates a continuous function on an interval "
              "ever better as its width grows (universal approximation); depth is another way "
              "to spend the same number of parameters.",
        held=held, numbers=numbers, summary=summary,
        figures={"ReLU MLPs of growing width fitting sin":
                 _approximation_figure(fits, x_test, y_test, wide_rmse, deep_rmse)},
    )


def _approximation_figure(fits, x_test, y_test, wide_rmse, deep_rmse) -> Figure:
    fig = Figure(figsize=(9, 3.4))
    left, right = fig.subplots(1, 2)
    left.plot(x_test, y_test, "k", lw=3, alpha=0.3, label="sin x")
    for H, (net, _, _) in fits.items():
        left.plot(x_test, _predict(net, x_test), lw=1, label=f"H = {H}")
    left.set(xlabel="x", ylabel="y")
    left.legend(fontsize=7)
    widths = list(fits)
    right.loglog(widths, [fits[H][1] for H in widths], "o-", label="1 → H → 1")
    right.axhline(wide_rmse, color="C1", ls="--", label="1 → 56 → 1 (169 parameters)")
    right.axhline(deep_rmse, color="C2", ls=":", label="1 → 8 → 8 → 8 → 1 (169 parameters)")
    right.set(xlabel="hidden width H", ylabel="test RMSE")
    right.legend(fontsize=7)
    fig.tight_layout()
    return fig
