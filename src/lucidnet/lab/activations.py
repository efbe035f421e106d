"""Lecture 7, activation functions: the gallery, saturation, the zig-zag of
all-positive inputs, dying ReLUs, and how fast ReLU trains against tanh and sigmoid.

Every derivative shown is computed by lucidnet's autograd (``y.sum().backward()`` on
an elementwise f gives x.grad = f'(x)); every network is a lucidnet model trained on
the digits (scikit-learn's 8x8 images, 1437 training images, 64 pixels in [0, 1]).
"""

from __future__ import annotations

import math

import numpy as np

from lucidnet import activations as registry
from lucidnet import backend
from lucidnet import datasets, functional as F, manual_seed, nn, no_grad, optim, stack, tensor
from lucidnet.lab.report import Result, section, seed_runs
from lucidnet.registry import ACTIVATIONS
from lucidnet.training import DataLoader

SATURATION = 0.05
"""σ'(x) below this value counts as saturated (the lecture: outside about [−3, 3])."""

MAXOUT_LINES = ((-1.0, -1.0), (0.2, 0.0), (1.5, -1.2))
"""(slope, intercept) of the k = 3 pieces maxout takes the max of in the gallery."""

NORMAL_LR, LARGE_LR = 1e-3, 3e-2
"""Adam's default learning rate, and thirty times it (the dying-ReLU run)."""

TARGET_ERRORS = (0.25, 0.05)
"""Training errors to reach: 25 % is Krizhevsky et al.'s criterion (CIFAR-10)."""


# -- the gallery -----------------------------------------------------------------------
def _maxout_view(f, x):
    pieces = [a * x + b for a, b in MAXOUT_LINES]
    return f(stack(pieces, axis=-1), pieces=len(pieces)).reshape(-1)


def _first_of_two(f, x):
    return f(stack([x, 0 * x], axis=-1))[:, 0]


_VIEWS = {
    "prelu": ("prelu(x, α = 0.25)", lambda f, x: f(x, 0.25)),
    "maxout": ("maxout of 3 lines", _maxout_view),
    "softmax": ("softmax([x, 0])₀ = σ(x)", _first_of_two),
    "log_softmax": ("log_softmax([x, 0])₀", _first_of_two),
}
"""One-variable views of the activations that are not elementwise functions of x."""


def _apply(name: str, x):
    """(label, f(x)) for a Tensor x (N,), through the entry's view if it has one."""
    f = registry.get(name)
    if name in _VIEWS:
        label, view = _VIEWS[name]
        return label, view(f, x)
    if ACTIVATIONS.meta(name).get("requires"):
        raise ValueError(f"activation {name!r} needs {ACTIVATIONS.meta(name)['requires']}: "
                         "give it a one-variable view in _VIEWS")
    return name, f(x)


def _curve(name: str, points: int = 601, eps: float = 1e-6) -> dict:
    """f and f' (autograd) of ``name`` on its registered domain, in float64, and f'
    against central differences (f(x+ε) − f(x−ε))/2ε where f is locally smooth:
    where the one-sided quotients (f(x+ε) − f(x))/ε and (f(x) − f(x−ε))/ε disagree,
    x is a kink or a jump and autograd returns the convention chosen there."""
    lo, hi = ACTIVATIONS.meta(name)["domain"]
    x = np.linspace(lo, hi, points)
    leaf = tensor(x, requires_grad=True)
    label, y = _apply(name, leaf)
    y.sum().backward()  # each y_i depends on x_i only: x.grad = f'(x)
    with no_grad():
        plus, minus = (_apply(name, tensor(x + s))[1].numpy() for s in (eps, -eps))
    y, dy = y.numpy(), backend.to_numpy(leaf.grad)  # on the host, from any backend
    forward, backward = (plus - y) / eps, (y - minus) / eps
    central = (plus - minus) / (2 * eps)
    smooth = np.abs(forward - backward) <= 1e-4 * (1 + np.abs(central))
    return {"label": label, "x": x, "y": y, "dy": dy, "smooth": smooth,
            "error": float(np.abs(dy - central)[smooth].max())}


def _gallery() -> tuple[dict, bool, object]:
    curves = {name: _curve(name) for name in registry.names()}
    numbers = {}
    for name, c in curves.items():
        facts = registry.info(name)
        rising, falling = (c["dy"] >= 0).all(), (c["dy"] <= 0).all()
        numbers[name] = {
            "view": c["label"],
            "domain": list(ACTIVATIONS.meta(name)["domain"]),
            "f_range_on_domain": [float(c["y"].min()), float(c["y"].max())],
            "max_abs_derivative": float(np.abs(c["dy"]).max()),
            "kinks_or_jumps_on_grid": [float(v) for v in c["x"][~c["smooth"]]],
            "max_error_autograd_vs_central_differences": c["error"],
            "monotonic_measured": bool(rising or falling),
            "monotonic_registry": facts.monotonic,
        }
    # prelu and maxout take their shape from parameters: the registry's fact is about
    # the family, the measurement about one member; compare only functions of x alone.
    checked = [n for n in curves if not ACTIVATIONS.meta(n).get("requires")]
    facts_agree = all(numbers[n]["monotonic_measured"] == numbers[n]["monotonic_registry"]
                      for n in checked)
    worst = max(c["error"] for c in curves.values())
    overview = {"activations": len(curves), "max_error_autograd_vs_central_differences": worst,
                "monotonic_facts_checked": checked, "monotonic_facts_agree": facts_agree}
    held = worst < 1e-6 and facts_agree
    return {"per_activation": numbers, **overview}, held, _gallery_figure(curves)


def _gallery_figure(curves: dict):
    from matplotlib.figure import Figure

    cols = 4
    rows = math.ceil(len(curves) / cols)
    fig = Figure(figsize=(12, 2.6 * rows), layout="constrained")
    axes = fig.subplots(rows, cols).ravel()
    for ax, (name, c) in zip(axes, curves.items()):
        ax.axhline(0, color="0.8", lw=0.8)
        ax.axvline(0, color="0.8", lw=0.8)
        ax.plot(c["x"], c["y"], label="f(x)")
        ax.plot(c["x"], c["dy"], "--", label="f'(x), autograd")
        ax.set_title(c["label"], fontsize=10)
        ax.tick_params(labelsize=8)
    for ax in axes[len(curves):]:
        ax.set_axis_off()
    axes[0].legend(fontsize=8)
    fig.suptitle("Every registered activation and its derivative (lucidnet autograd)")
    return fig


# -- saturation ------------------------------------------------------------------------
def _sigmoid_derivative(x) -> np.ndarray:
    """σ'(x) by autograd, in float64."""
    leaf = tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    F.sigmoid(leaf).sum().backward()
    return backend.to_numpy(leaf.grad)


def _crossing(lo: float, hi: float) -> float:
    """The x in [lo, hi] where σ'(x) = SATURATION, by bisection on autograd's σ'."""
    inside = _sigmoid_derivative([lo])[0] > SATURATION
    for _ in range(60):
        mid = (lo + hi) / 2
        if (_sigmoid_derivative([mid])[0] > SATURATION) == inside:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _saturation() -> tuple[dict, bool, object]:
    x = np.linspace(-8, 8, 1601)
    ds = _sigmoid_derivative(x)
    left, right = _crossing(-8.0, 0.0), _crossing(0.0, 8.0)
    # σ(1 − σ) = c ⇔ σ = (1 + √(1 − 4c))/2 ⇔ x = ln(σ/(1 − σ)) = 2 artanh √(1 − 4c)
    exact = 2 * math.atanh(math.sqrt(1 - 4 * SATURATION))
    outside = np.abs(x) > right
    numbers = {
        "threshold": SATURATION,
        "crossing_negative_side": left,
        "crossing_positive_side": right,
        "crossing_closed_form": exact,
        "max_derivative_outside_crossing": float(ds[outside].max()),
        "min_derivative_inside_crossing": float(ds[~outside].min()),
        "derivative_at_0": float(_sigmoid_derivative([0.0])[0]),
        "derivative_at_5": float(_sigmoid_derivative([5.0])[0]),
    }
    held = abs(right - 3) <= 0.5 and abs(left + right) < 1e-9 and abs(right - exact) < 1e-9
    return numbers, held, _saturation_figure(x, ds, right)


def _saturation_figure(x, ds, crossing):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 3.5), layout="constrained")
    ax = fig.subplots()
    ax.plot(x, F.sigmoid(tensor(x)).numpy(), label="σ(x)")
    ax.plot(x, ds, label="σ'(x) (autograd)")
    ax.axhline(SATURATION, color="k", ls=":", lw=1, label=f"σ' = {SATURATION}")
    for side in (-1, 1):
        edge = side * crossing
        ax.axvspan(edge, side * x.max(), color="tab:red", alpha=0.1)
        ax.axvline(edge, color="tab:red", lw=0.8)
    ax.set_title(f"σ' < {SATURATION} for |x| > {crossing:.3f} (shaded: saturated)")
    ax.set_xlabel("x")
    ax.legend(fontsize=8)
    return fig


# -- the zig-zag of all-positive inputs ------------------------------------------------
def _unit_gradients(activation: str, X, y, batch: int):
    """Gradients of the second layer's weights W (32, 10) of a 64-32-10 network on digits,
    one per batch of ``batch`` examples; column j is unit j's incoming weights, whose
    gradient is Σₙ hₙ δₙⱼ: the hidden outputs h times the unit's error δⱼ."""
    manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), nn.Activation(activation), nn.Linear(32, 10))
    W = model[2].weight
    grads = []
    for start in range(0, len(X), batch):
        part = slice(start, start + batch)
        loss = F.sparse_categorical_crossentropy(y[part], model(X[part]), from_logits=True)
        model.zero_grad()
        loss.backward()
        grads.append(backend.to_numpy(W.grad).copy())
    return np.stack(grads)  # (batches, 32, 10)


def _one_sign_share(G) -> float:
    """Fraction of (batch, unit) gradients whose components all have one sign."""
    return float(((G > 0).all(axis=1) | (G < 0).all(axis=1)).mean())


def _zigzag(quick: bool) -> tuple[dict, bool, object]:
    data = datasets.load("digits")
    n = 128 if quick else 512
    X, y = data.x_train[:n], data.y_train[:n]
    numbers, shares = {"examples": n, "hidden_units": 32, "outputs": 10}, {}
    for activation in ("sigmoid", "tanh"):
        single = _unit_gradients(activation, X, y, batch=1)
        numbers[activation] = {
            "one_sign_share_per_example": _one_sign_share(single),
            "one_sign_share_batches_of_32": _one_sign_share(_unit_gradients(activation, X, y, 32)),
        }
        shares[activation] = (single > 0).mean(axis=1).ravel()  # positive share per unit
    held = (numbers["sigmoid"]["one_sign_share_per_example"] == 1.0
            and numbers["tanh"]["one_sign_share_per_example"] < 0.05)
    return numbers, held, _zigzag_figure(shares)


def _zigzag_figure(shares: dict):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 3.5), layout="constrained")
    ax = fig.subplots()
    bins = np.linspace(0, 1, 34)
    for activation, share in shares.items():
        ax.hist(share, bins=bins, alpha=0.6, label=f"{activation} hidden layer")
    ax.set_xlabel("share of a unit's 32 weight gradients that are positive (one example)")
    ax.set_ylabel("(example, unit) pairs")
    ax.set_title("Sigmoid outputs > 0: every unit's update has one sign (0 or 1)")
    ax.legend(fontsize=8)
    return fig


# -- dying ReLU ------------------------------------------------------------------------
def _rectifier(name: str, width: int):
    """A hidden activation layer: PReLU holds one learned slope per unit (init 0.25)."""
    return nn.PReLU(width) if name == "prelu" else nn.Activation(name)


def _dead_units(model, X, y) -> tuple[float, float]:
    """(dead, negative) fractions of the hidden units of ``model`` on (X, y).

    Dead: the gradient of the loss over the whole set w.r.t. the unit's incoming
    weights and bias is exactly 0, so no update can change them. Negative: the
    pre-activation is ≤ 0 on every example (for ReLU the same units; a leaky unit
    there still passes the slope's share of the gradient). An ELU unit dies too in
    float32 once its pre-activations all lie below about −17, where its derivative
    αeˣ, computed from the output as y + α, rounds to 0.
    """
    loss = F.sparse_categorical_crossentropy(y, model(X), from_logits=True)
    model.zero_grad()
    loss.backward()
    hidden = [m for m in model if isinstance(m, nn.Linear)][:-1]
    dead = np.concatenate([backend.to_numpy((abs(m.weight.grad).sum(0) + abs(m.bias.grad)) == 0)
                           for m in hidden])
    negative = []
    with no_grad():
        h = tensor(X)
        for m in model:
            h = m(h)
            if any(m is lin for lin in hidden):
                negative.append(backend.to_numpy((h.data <= 0).all(axis=0)))
    return float(dead.mean()), float(np.concatenate(negative).mean())


def _train_rectifier(name, lr, seed, epochs, width, X, y) -> dict:
    manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, width), _rectifier(name, width),
                          nn.Linear(width, width), _rectifier(name, width),
                          nn.Linear(width, 10))
    dead_at_init, _ = _dead_units(model, X, y)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    loader = DataLoader((X, y), batch_size=32, shuffle=True, seed=seed)
    for epoch in range(epochs):
        loader.set_epoch(epoch)
        for xb, yb in loader:
            loss = F.sparse_categorical_crossentropy(yb, model(xb), from_logits=True)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    dead, negative = _dead_units(model, X, y)
    with no_grad():
        accuracy = float((model(tensor(X)).numpy().argmax(axis=1) == y).mean())
    return {"dead_at_init": dead_at_init, "dead": dead, "negative_everywhere": negative,
            "train_accuracy": accuracy}


def _dying(quick: bool) -> tuple[dict, bool, object]:
    data = datasets.load("digits")
    X, y = data.x_train, data.y_train
    rates = (NORMAL_LR, LARGE_LR) if quick else (NORMAL_LR, 1e-2, LARGE_LR, 1e-1)
    seeds, epochs, width = (range(1), 2, 64) if quick else (range(3), 5, 128)
    names = ("relu", "leaky_relu", "prelu", "elu")
    runs = {name: {lr: seed_runs(_train_rectifier, [(name, lr, s, epochs, width, X, y)
                                                    for s in seeds])
                   for lr in rates} for name in names}
    mean = {name: {lr: {key: float(np.mean([r[key] for r in rs])) for key in rs[0]}
                   for lr, rs in by_lr.items()} for name, by_lr in runs.items()}
    numbers = {"network": f"64-{width}-{width}-10, Adam, batch 32", "epochs": epochs,
               "seeds": len(seeds), "learning_rates": list(rates),
               **{name: {str(lr): m for lr, m in by_lr.items()} for name, by_lr in mean.items()}}
    relu = mean["relu"][LARGE_LR]["dead"]
    held = (relu > mean["relu"][NORMAL_LR]["dead"]
            and all(relu > mean[name][LARGE_LR]["dead"] for name in names[1:]))
    return numbers, held, _dying_figure(mean, rates)


def _dying_figure(mean: dict, rates):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3.5), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    for name, by_lr in mean.items():
        left.plot(rates, [by_lr[lr]["dead"] for lr in rates], "o-", label=name)
        right.plot(rates, [by_lr[lr]["negative_everywhere"] for lr in rates], "o-", label=name)
    for ax, title in ((left, "dead: zero gradient on every example"),
                      (right, "pre-activation ≤ 0 on every example")):
        ax.set_xscale("log")
        ax.set_xlabel("Adam learning rate")
        ax.set_title(title, fontsize=10)
    left.set_ylabel("fraction of hidden units")
    left.legend(fontsize=8)
    return fig


# -- speed of convergence --------------------------------------------------------------
def _training_curve(activation, lr, seed, max_epochs, every, X, y):
    """Training error of a 4×64-unit MLP every ``every`` steps of SGD with momentum
    0.9, until the strictest target error or ``max_epochs``: [(epoch, error), ...].
    Each activation gets the init made for it: He for ReLU, Glorot for tanh, sigmoid."""
    manual_seed(seed)
    init = "he_uniform" if activation == "relu" else "glorot_uniform"
    layers, width = [], X.shape[1]
    for _ in range(4):
        layers += [nn.Linear(width, 64, weight_init=init, bias_init="zeros"),
                   nn.Activation(activation)]
        width = 64
    model = nn.Sequential(*layers, nn.Linear(width, 10, weight_init="glorot_uniform"))
    optimizer = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    loader = DataLoader((X, y), batch_size=32, shuffle=True, seed=seed)
    inputs = tensor(X)

    def error():
        with no_grad():
            return float((model(inputs).numpy().argmax(axis=1) != y).mean())

    curve, step = [(0.0, error())], 0
    for epoch in range(max_epochs):
        loader.set_epoch(epoch)
        for xb, yb in loader:
            loss = F.sparse_categorical_crossentropy(yb, model(xb), from_logits=True)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            if step % every == 0:
                curve.append((step / len(loader), error()))
                if curve[-1][1] <= min(TARGET_ERRORS):
                    return curve
    return curve


def _epochs_to(curve, target: float):
    """The first epoch at which the training error is ≤ ``target``; None if never."""
    return next((epoch for epoch, err in curve if err <= target), None)


def _median_epochs(curves, target: float):
    """Median over seeds of the epochs to ``target`` (None when most never reach it)."""
    reached = [_epochs_to(c, target) for c in curves]
    ordered = sorted(reached, key=lambda e: math.inf if e is None else e)
    return ordered[(len(ordered) - 1) // 2]


def _speed(quick: bool) -> tuple[dict, bool, object]:
    data = datasets.load("digits")
    X, y = data.x_train, data.y_train
    rates = (3e-2,) if quick else (1e-2, 3e-2, 1e-1)
    seeds, max_epochs, every = (range(1), 3, 3) if quick else (range(3), 20, 2)
    primary = TARGET_ERRORS[0]
    numbers = {"task": "digits, 1437 training images; MLP 64-64-64-64-64-10, SGD momentum "
                       "0.9, batch 32; He init for ReLU, Glorot for tanh and sigmoid",
               "max_epochs": max_epochs, "evaluated_every_steps": every, "seeds": len(seeds),
               "learning_rates": list(rates), "target_errors": list(TARGET_ERRORS)}
    best = {}
    for activation in ("relu", "tanh", "sigmoid"):
        by_lr = {lr: seed_runs(_training_curve, [(activation, lr, s, max_epochs, every, X, y)
                                                 for s in seeds]) for lr in rates}
        # as Krizhevsky et al., each network trains with the learning rate fastest for it
        lr = min(rates, key=lambda r: (_median_epochs(by_lr[r], primary) or math.inf))
        best[activation] = by_lr[lr]
        numbers[activation] = {
            "best_learning_rate": lr,
            **{f"epochs_to_{t:g}_error": _median_epochs(by_lr[lr], t) for t in TARGET_ERRORS},
            "epochs_to_0.25_error_per_learning_rate":
                {str(r): [_epochs_to(c, primary) for c in cs] for r, cs in by_lr.items()},
            "train_error_when_stopped": float(np.median([c[-1][1] for c in by_lr[lr]])),
        }
    key = f"epochs_to_{primary:g}_error"
    relu = numbers["relu"][key]
    for other in ("tanh", "sigmoid"):
        theirs = numbers[other][key]
        numbers[f"speedup_vs_{other}"] = None if relu is None or theirs is None else theirs / relu
        if relu is not None and theirs is None:  # never reached: a lower bound only
            numbers[f"speedup_vs_{other}_at_least"] = max_epochs / relu
    held = relu is not None and all(
        numbers[o][key] is None or relu < numbers[o][key] for o in ("tanh", "sigmoid"))
    return numbers, held, _speed_figure(best, primary)


def _speed_figure(best: dict, target: float):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 3.5), layout="constrained")
    ax = fig.subplots()
    for activation, curves in best.items():
        for k, curve in enumerate(curves):
            epochs, errors = zip(*curve[1:])  # from the first evaluation: a log axis
            ax.plot(epochs, errors, color=f"C{list(best).index(activation)}", lw=1,
                    label=activation if k == 0 else None)
    ax.axhline(target, color="k", ls=":", lw=1, label=f"{target:.0%} training error")
    ax.set_xscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training error")
    ax.set_title("Digits, 4 hidden layers: training error, best learning rate each")
    ax.legend(fontsize=8)
    return fig


# -- the summary, one sentence per claim -----------------------------------------------
def _gallery_sentence(g: dict) -> str:
    agree = "agrees" if g["monotonic_facts_agree"] else "disagrees"
    return (f"Gallery: {g['activations']} registered activations on their domains, the "
            f"derivative by autograd, within {g['max_error_autograd_vs_central_differences']:.1e}"
            f" of central differences away from kinks; the registry's 'monotonic' fact "
            f"{agree} with the measured sign of f' for every function of x alone.")


def _saturation_sentence(s: dict) -> str:
    return (f"Saturation: σ'(x) < {SATURATION} exactly for |x| > "
            f"{s['crossing_positive_side']:.4f} (closed form 2 artanh √0.8), "
            f"σ'(0) = {s['derivative_at_0']:.2f}.")


def _zigzag_sentence(z: dict) -> str:
    sigmoid, tanh = z["sigmoid"], z["tanh"]
    return (f"Zig-zag (digits, 64-32-10): with a sigmoid hidden layer "
            f"{sigmoid['one_sign_share_per_example']:.0%} of the per-example gradients of a "
            f"unit's incoming weights have one sign, against "
            f"{tanh['one_sign_share_per_example']:.1%} with tanh (batches of 32: "
            f"{sigmoid['one_sign_share_batches_of_32']:.0%} vs "
            f"{tanh['one_sign_share_batches_of_32']:.1%}).")


def _dying_sentence(d: dict) -> str:
    others = ("leaky_relu", "prelu", "elu")
    large = ", ".join(f"{n} {d[n][str(LARGE_LR)]['dead']:.0%}" for n in others)
    elsewhere = "; ".join(f"{n} {v['dead']:.0%} at lr {lr}" for n in others
                          for lr, v in d[n].items() if v["dead"] > 0) or "none"
    return (f"Dying ReLU (digits, {d['network']}, lr {LARGE_LR:g}, {d['epochs']} epochs): "
            f"{d['relu'][str(LARGE_LR)]['dead']:.0%} of the ReLU units pass no gradient on "
            f"any training example (at lr {NORMAL_LR:g}: "
            f"{d['relu'][str(NORMAL_LR)]['dead']:.0%}); {large}; dead units of these at any "
            f"learning rate tried: {elsewhere}.")


def _speed_sentence(s: dict) -> str:
    def epochs(activation):
        e = s[activation]["epochs_to_0.25_error"]
        return f"{e:.2f}" if e is not None else f"never in {s['max_epochs']}"

    factor = s["speedup_vs_tanh"]
    return (f"Speed (digits, 4 hidden layers of 64, SGD with momentum, each at its fastest "
            f"learning rate): epochs to 25 % training error ReLU {epochs('relu')}, tanh "
            f"{epochs('tanh')}, sigmoid {epochs('sigmoid')}; the course cites about 6x for "
            f"ReLU over tanh (Krizhevsky et al., a convolutional network on CIFAR-10); "
            f"measured {'no finite factor' if factor is None else f'{factor:.2f}x'} over "
            f"tanh on this task.")

# -- the section -----------------------------------------------------------------------
@section("activations", "Activation functions: gallery, saturation, zig-zag, dying ReLU, speed")
def activations(quick: bool = False) -> Result:
    """The lecture's claims on activation functions, each measured (see the module)."""
    gallery, gallery_held, gallery_fig = _gallery()
    saturation, saturation_held, saturation_fig = _saturation()
    zigzag, zigzag_held, zigzag_fig = _zigzag(quick)
    dying, dying_held, dying_fig = _dying(quick)
    speed, speed_held, speed_fig = _speed(quick)
    held = {"gallery": gallery_held, "saturation": saturation_held, "zigzag": zigzag_held,
            "dying_relu": dying_held, "relu_faster": speed_held}
    summary = " ".join([_gallery_sentence(gallery), _saturation_sentence(saturation),
                        _zigzag_sentence(zigzag), _dying_sentence(dying),
                        _speed_sentence(speed),
                        "Held: " + ", ".join(f"{k} {'yes' if v else 'no'}"
                                             for k, v in held.items()) + "."])
    return Result(
        claim="Each activation has a derivative autograd computes; sigmoid saturates "
              "(σ' < 0.05 outside about [−3, 3]); all-positive inputs (sigmoid outputs) "
              "make every weight update of a unit one-signed (zig-zag), zero-centred tanh "
              "does not; a large learning rate kills ReLU units, while Leaky ReLU, PReLU "
              "and ELU keep a gradient; ReLU trains faster than tanh and sigmoid (about "
              "six times, Krizhevsky et al. 2012).",
        held=all(held.values()),
        numbers={"held": held, "gallery": gallery, "saturation": saturation,
                 "zigzag": zigzag, "dying_relu": dying, "speed": speed},
        summary=summary,
        figures={"gallery": gallery_fig, "sigmoid saturation": saturation_fig,
                 "zig-zag: signs of weight updates": zigzag_fig,
                 "dying ReLU": dying_fig, "speed of convergence": speed_fig},
    )
