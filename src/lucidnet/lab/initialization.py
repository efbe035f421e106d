"""Lecture 8, initialization: what the first weights do to the signal through a
20-layer network, forward (activations) and backward (gradients).

The network: 20 hidden layers of equal width, biases 0, a one-unit output with binary
cross-entropy on the breast-cancer data (455 training tumours, 30 standardized
features, labels malignant/benign), the whole training split as one batch. Per layer l
the section records the activations hₗ and the backpropagated gradient dL/dhₗ, read
from a zero probe added to hₗ (hₗ + pₗ with pₗ = 0 leaves the forward unchanged and
pₗ.grad = dL/dhₗ).
"""

from __future__ import annotations

import numpy as np

from lucidnet import (datasets, default_dtype, functional as F, initializers, manual_seed,
                      nn, optim, tensor)
from lucidnet.lab.report import Result, section, seed_runs

DEPTH = 20

SCHEMES = {
    "zeros": ("zeros", "sigmoid"),
    "small normal": (initializers.RandomNormal(0.0, 0.01), "tanh"),
    "glorot + tanh": ("glorot_normal", "tanh"),
    "glorot + relu": ("glorot_normal", "relu"),
    "he + relu": ("he_normal", "relu"),
    "lecun + selu": ("lecun_normal", "selu"),
}
"""Scheme → (weight initializer, activation). Small normal is N(0, 0.01²); 'glorot +
relu' is the contrast He et al. start from. Zeros runs with sigmoid: with tanh or ReLU,
zero weights give h = 0 and not even the output layer's weights would move."""

VANISHED = 1e-6
"""A signal has vanished when it is a million times smaller than at the other end."""

STEADY = 10.0
"""'Roughly constant': the largest per-layer std is at most ten times the smallest."""

SELU_BAND = 0.1
"""At depth 20, LeCun + SELU must have |mean| ≤ 0.1 and |variance − 1| ≤ 0.1."""


def _network(scheme: str, width: int, inputs: int):
    weight_init, activation = SCHEMES[scheme]
    layers = [nn.Linear(inputs if l == 0 else width, width, weight_init=weight_init,
                        bias_init="zeros") for l in range(DEPTH)]
    head = nn.Linear(width, 1, weight_init=weight_init, bias_init="zeros")
    return layers, nn.Activation(activation), head


def _forward(layers, activation, head, X, y, probe: bool):
    """(loss, [hₗ], [pₗ]) with a zero probe pₗ on each hₗ when ``probe``."""
    h, hs, probes = tensor(X), [], []
    for layer in layers:
        h = activation(layer(h))
        if probe:
            p = tensor(np.zeros(h.shape, dtype=h.dtype), requires_grad=True)
            probes.append(p)
            h = h + p
        hs.append(h)
    loss = F.binary_crossentropy(y, head(h), from_logits=True)
    return loss, hs, probes


def _statistics(scheme: str, width: int, seed: int, X, y) -> dict:
    """Per-layer mean, std and variance of hₗ, std of dL/dhₗ and of dL/dWₗ."""
    manual_seed(seed)
    layers, activation, head = _network(scheme, width, X.shape[1])
    loss, hs, probes = _forward(layers, activation, head, X, y, probe=True)
    loss.backward()
    return {
        "activation_mean": [float(h.data.mean()) for h in hs],
        "activation_std": [float(h.data.std()) for h in hs],
        "activation_variance": [float(h.data.var()) for h in hs],
        "gradient_std": [float(p.grad.std()) for p in probes],
        "weight_gradient_std": [float(layer.weight.grad.std()) for layer in layers],
        "unit_spread": [float(np.ptp(h.data, axis=1).max()) for h in hs],
    }


def _relative_spread(W) -> float:
    """max over inputs i of (maxⱼ Wᵢⱼ − minⱼ Wᵢⱼ) / max |W|: 0 when every unit j (a
    column of W) has the same incoming weights."""
    scale = np.abs(W).max()
    return float(np.ptp(W, axis=1).max() / scale) if scale > 0 else 0.0


def _zeros_training(width: int, steps: int, X, y) -> dict:
    """Full-batch SGD from zero weights, in float64: are the units still copies?"""
    with default_dtype("float64"):
        layers, activation, head = _network("zeros", width, X.shape[1])
        params = [p for m in (*layers, head) for p in m.parameters()]
        optimizer = optim.SGD(params, lr=0.5)
        X64, y64 = X.astype(np.float64), y.astype(np.float64)
        losses = []
        for _ in range(steps):
            loss, hs, _ = _forward(layers, activation, head, X64, y64, probe=False)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(float(loss.data))
    weight_spread = [_relative_spread(layer.weight.data) for layer in layers]
    moved = [l + 1 for l, layer in enumerate(layers) if np.abs(layer.weight.data).max() > 0]
    return {"width": width, "steps": steps, "learning_rate": 0.5, "loss_first_step": losses[0],
            "loss_last_step": losses[-1], "layers_whose_weights_moved": moved,
            "max_relative_weight_spread_across_units": max(weight_spread),
            "max_activation_spread_across_units": max(float(np.ptp(h.data, axis=1).max())
                                                      for h in hs)}


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else 0.0


def _verdicts(stats: dict, zeros: dict) -> dict:
    def steady(values):
        return max(values) <= STEADY * min(values)

    small, selu = stats["small normal"], stats["lecun + selu"]
    glorot_relu, he = stats["glorot + relu"], stats["he + relu"]
    return {
        "zeros: units stay identical": zeros["max_relative_weight_spread_across_units"] < 1e-12
        and zeros["max_activation_spread_across_units"] < 1e-12,
        "small normal: activations vanish": _ratio(small["activation_std"][-1],
                                                   small["activation_std"][0]) < VANISHED,
        "small normal: gradients vanish": _ratio(small["gradient_std"][0],
                                                 small["gradient_std"][-1]) < VANISHED,
        "glorot + tanh: steady": steady(stats["glorot + tanh"]["activation_std"])
        and steady(stats["glorot + tanh"]["gradient_std"]),
        "he + relu: steady": steady(he["activation_std"]) and steady(he["gradient_std"]),
        "glorot + relu: halves the variance per layer":
            abs(_per_layer_factor(glorot_relu) - 0.5) <= 0.1,
        "lecun + selu: mean 0, variance 1 at depth 20":
            abs(selu["activation_mean"][-1]) <= SELU_BAND
            and abs(selu["activation_variance"][-1] - 1) <= SELU_BAND,
    }


def _per_layer_factor(stats: dict) -> float:
    """The geometric mean of Var(hₗ₊₁)/Var(hₗ) over the 19 steps from layer 1 to 20."""
    v = stats["activation_variance"]
    return float((v[-1] / v[0]) ** (1 / (len(v) - 1)))


@section("initialization", "Initialization: signals through 20 layers")
def initialization(quick: bool = False) -> Result:
    """Activation and gradient statistics per layer for each scheme (see the module)."""
    data = datasets.load("breast_cancer")
    X, y = data.x_train, data.y_train.astype(np.float32)[:, None]
    width, seeds = (256, range(1)) if quick else (512, range(5))
    zeros_width, steps = (64, 30) if quick else (128, 100)  # the symmetry needs no width
    runs = {scheme: seed_runs(_statistics, [(scheme, width, s, X, y) for s in seeds])
            for scheme in SCHEMES}
    stats = {scheme: {key: np.mean([r[key] for r in rs], axis=0).tolist() for key in rs[0]}
             for scheme, rs in runs.items()}
    zeros = _zeros_training(zeros_width, steps, X, y)
    verdicts = _verdicts(stats, zeros)
    selu = [(r["activation_mean"][-1], r["activation_variance"][-1])
            for r in runs["lecun + selu"]]
    small, he = stats["small normal"], stats["he + relu"]
    numbers = {
        "data": "breast_cancer train split, 455 x 30 standardized features, one batch",
        "depth": DEPTH, "width": width, "seeds": len(seeds),
        "per_layer_mean_over_seeds": stats,
        "selu_depth_20_mean_variance_per_seed": [list(mv) for mv in selu],
        "glorot_relu_variance_factor_per_layer": _per_layer_factor(stats["glorot + relu"]),
        "he_relu_variance_factor_per_layer": _per_layer_factor(he),
        "zeros_training": zeros,
        "held": verdicts,
    }
    glorot, moved = stats["glorot + tanh"], zeros["layers_whose_weights_moved"]
    summary = (
        f"A {DEPTH}-layer network of width {width} on the breast-cancer training split "
        f"(455 x 30, one batch; {len(seeds)} seed(s)). Zeros (sigmoid): every unit of a "
        f"layer has the same activations at init, and after {steps} full-batch SGD steps "
        f"(float64, width {zeros_width}) the incoming weights of the units of each layer "
        f"still agree to {zeros['max_relative_weight_spread_across_units']:.1e} "
        f"(relative); only layers {moved[0]}–{moved[-1]} moved at all (the gradient "
        f"reaches one layer deeper per step and underflows on the way). Small N(0, 0.01²) "
        f"with tanh: "
        f"activation std {small['activation_std'][0]:.2g} at layer 1, "
        f"{small['activation_std'][-1]:.2g} at layer {DEPTH}; dL/dh std "
        f"{small['gradient_std'][-1]:.2g} at layer {DEPTH}, {small['gradient_std'][0]:.2g} at "
        f"layer 1. Glorot + tanh: activation std {glorot['activation_std'][0]:.2f} → "
        f"{glorot['activation_std'][-1]:.2f}, dL/dh std within a factor "
        f"{max(glorot['gradient_std']) / min(glorot['gradient_std']):.1f} over the layers. "
        f"Glorot + ReLU loses a factor {numbers['glorot_relu_variance_factor_per_layer']:.2f}"
        f" of variance per layer, He + ReLU {numbers['he_relu_variance_factor_per_layer']:.2f}."
        f" LeCun normal + SELU at layer {DEPTH}: mean "
        f"{stats['lecun + selu']['activation_mean'][-1]:+.3f}, variance "
        f"{stats['lecun + selu']['activation_variance'][-1]:.3f} (band ±{SELU_BAND}). Held: "
        + ", ".join(f"{k}: {'yes' if v else 'no'}" for k, v in verdicts.items()) + "."
    )
    return Result(
        claim="Zero weights never break the symmetry between the units of a layer; small "
              "random weights make activations and gradients vanish with depth; Glorot "
              "(tanh) and He (ReLU) keep their scale through the layers, He's factor 2 "
              "making up for ReLU halving the variance; LeCun normal with SELU "
              "self-normalizes to mean 0 and variance 1.",
        held=all(verdicts.values()),
        numbers=numbers,
        summary=summary,
        figures={"std per layer": _figure(stats)},
    )


def _figure(stats: dict):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(13, 4), layout="constrained")
    forward, backward, selu = fig.subplots(1, 3)
    layers = np.arange(1, DEPTH + 1)
    for k, (scheme, s) in enumerate(stats.items()):
        if scheme == "zeros":  # std exactly 0: nothing to draw on a log axis
            continue
        forward.semilogy(layers, s["activation_std"], "o-", ms=3, color=f"C{k}", label=scheme)
        backward.semilogy(layers, s["gradient_std"], "o-", ms=3, color=f"C{k}", label=scheme)
    forward.set_title("std of activations hₗ (zeros: exactly 0)", fontsize=10)
    backward.set_title("std of backpropagated dL/dhₗ (zeros: exactly 0)", fontsize=10)
    s = stats["lecun + selu"]
    selu.plot(layers, s["activation_mean"], "o-", ms=3, label="mean")
    selu.plot(layers, s["activation_variance"], "o-", ms=3, label="variance")
    selu.axhspan(1 - SELU_BAND, 1 + SELU_BAND, color="0.9")
    selu.axhspan(-SELU_BAND, SELU_BAND, color="0.9")
    selu.set_title("LeCun normal + SELU: self-normalizing", fontsize=10)
    for ax in (forward, backward, selu):
        ax.set_xlabel("layer")
        ax.set_xticks([1, 5, 10, 15, 20])
    forward.legend(fontsize=8)
    selu.legend(fontsize=8)
    return fig
