"""Lab, text: the course's Reuters network, its information bottleneck, and where its
80 % ceiling comes from.

Two sections, both on Keras's Reuters newswires (46 topics, 8,982 train / 2,246 test
wires, ``lucidnet.datasets.reuters``) as multi-hot CSR rows over the word indices
below 10,000 (``vectorize_sequences_sparse``: the first ``Linear`` takes its sparse
path), and the course's protocol: Dense–ReLU–Dense–ReLU–Dense, Keras's
``glorot_uniform`` weights and zero biases, softmax cross-entropy on the logits
(fused), Adam with lr 1e-3, batch 512, 20 epochs, validated on the test split.

- ``bottleneck``: hidden layers 64-64 against 64-4 and 4-4. Everything the output
  layer sees has passed through the narrowest layer; 4 units cannot carry what 46
  topics need (Keras reference, 3 seeds: 79.4 %, 69.0 %, 62.6 %). The full mode
  also sweeps the width k of the second hidden layer (64-k).
- ``reuters_variants``: Keras's texts (``variant='keras'``, 207 test wires carry
  another wire's body: ``reuters.borrowed_mask``) against each wire's own text
  (``variant='clean'``; Keras reference 79.4 % vs 88.5 %), and the accuracy on the
  borrowed wires against the rest.

Data: ``reuters/reuters21578`` in the data home (``lucidnet.datasets.home``: the
place every loader looks). Without Reuters the sections run on scikit-learn's
digits (``lucidnet.datasets.load('digits')``) and say so in their claim, summary
and ``numbers['dataset']``; the variants section then copies another sample's
pixels onto 9 % of the samples (Reuters: 207 of 2,246 test wires), the analogue
of the borrowed texts.
"""

from __future__ import annotations

import contextlib
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

from lucidnet import losses, manual_seed, nn, optim
from lucidnet.datasets.home import locate
from lucidnet.lab.report import Result, section, seed_runs
from lucidnet.training import Trainer

#: Keras 3.15 (torch backend), 3 seeds, accuracy on the test split after epoch 20
#: (shared/data/README.md, "How Keras's reuters.npz was made").
KERAS_REFERENCE = {"64-64": 0.794, "64-4": 0.690, "4-4": 0.626, "clean 64-64": 0.885}
#: Keras's 64-64 at its best epoch (mean over the same 3 seeds).
KERAS_BEST_64 = 0.800
#: The course's networks: widths of the two hidden layers.
NETWORKS = {"64-64": (64, 64), "64-4": (64, 4), "4-4": (4, 4)}
#: Widths k of the 64-k sweep (full mode only).
SWEEP = (1, 2, 4, 8, 16, 32, 64)
NUM_WORDS = 10000
BATCH_SIZE = 512
#: The digits stand-in's batch: about as many steps an epoch as Reuters with 512.
STAND_IN_BATCH_SIZE = 64
LEARNING_RATE = 1e-3
EPOCHS, QUICK_EPOCHS = 20, 10
SEEDS, QUICK_SEEDS = (0, 1, 2), (0,)
#: The 4-4 network's seeds spread by ±10 points (dying ReLUs), ten times the others':
#: it gets ten seeds in the full mode (0.3–1 s each).
SEEDS_4_4 = tuple(range(10))
#: Bands of ``held`` (accuracy points, as fractions): a 64-64 mean within
#: ±BAND_WIDE of Keras's, a 4-unit network's mean within ±BAND_NARROW of Keras's.
BAND_WIDE, BAND_NARROW = 0.02, 0.05


class TextData(NamedTuple):
    """One train/test split as the networks take it."""

    name: str            # 'reuters' (variant …) or the stand-in's name
    x_train: object      # CSR (N, 10000) multi-hot, or a dense float32 array
    y_train: np.ndarray
    x_test: object
    y_test: np.ndarray
    num_classes: int
    stand_in: bool       # True when Reuters was absent and another dataset is used
    batch_size: int = 512
    missing: str = ""    # with a stand-in: what was not found, and where it was looked for


# -- data ---------------------------------------------------------------------------
def reuters_path() -> Path:
    """Where the Reuters-21578 SGML files belong: ``reuters/reuters21578`` in the data
    home (a path, so the cached load follows a change of home)."""
    return locate("reuters", "reuters21578")


@lru_cache(maxsize=4)
def _reuters(path: Path | None, variant: str) -> TextData:
    from lucidnet.datasets import reuters, vectorize_sequences_sparse

    (x_train, y_train), (x_test, y_test) = reuters.load_data(
        path=path, num_words=NUM_WORDS, variant=variant)
    return TextData(f"reuters (variant '{variant}')",
                    vectorize_sequences_sparse(x_train, NUM_WORDS), y_train,
                    vectorize_sequences_sparse(x_test, NUM_WORDS), y_test,
                    len(reuters.get_label_names()), stand_in=False)


@lru_cache(maxsize=1)
def _borrowed(path: Path | None) -> tuple[np.ndarray, np.ndarray]:
    from lucidnet.datasets import reuters

    return reuters.borrowed_mask(path=path)


@lru_cache(maxsize=1)
def _digits() -> TextData:
    from lucidnet.datasets import load

    d = load("digits")
    # Batch 64: 23 steps an epoch on 1,437 images, as Reuters's 18 of 512 on 8,982.
    return TextData("digits (stand-in: Reuters not found)", d.x_train, d.y_train,
                    d.x_test, d.y_test, d.num_classes, stand_in=True,
                    batch_size=STAND_IN_BATCH_SIZE)


def load_text(variant: str = "keras") -> TextData:
    """Reuters (``variant``), or the digits stand-in when the SGML files are absent."""
    try:
        return _reuters(reuters_path(), variant)
    except FileNotFoundError as err:
        return _digits()._replace(missing=f"Reuters-21578 was not found ({err}); the section "
                                          "ran on scikit-learn's digits as a stand-in")


def _stand_in_borrowing(data: TextData, share: float = 0.09, seed: int = 113):
    """The borrowed-text mechanism on a stand-in: ``share`` of the samples of each
    split take the features of another sample of the same split.

    Returns (the data with copied features, train mask, test mask); the labels stay.
    """
    rng = np.random.default_rng(seed)
    out, masks = [], []
    for x in (data.x_train, data.x_test):
        x = np.array(x, copy=True)
        n = len(x)
        mask = np.zeros(n, dtype=bool)
        who = rng.choice(n, int(round(share * n)), replace=False)
        mask[who] = True
        x[who] = x[(who + 1 + rng.integers(0, n - 1, len(who))) % n]  # never itself
        out.append(x)
        masks.append(mask)
    copied = data._replace(name="digits (stand-in: Reuters not found; 9 % of samples "
                                "carry another sample's pixels)",
                           x_train=out[0], x_test=out[1])
    return copied, masks[0], masks[1]


# -- the network and its training ---------------------------------------------------
def network(n_features: int, hidden: tuple[int, ...], n_classes: int) -> nn.Sequential:
    """Dense–ReLU per hidden width, then a Dense of logits; Keras's initialization."""
    layers, width = [], n_features
    for units in hidden:
        layers += [nn.Linear(width, units, weight_init="glorot_uniform", bias_init="zeros"),
                   nn.ReLU()]
        width = units
    layers.append(nn.Linear(width, n_classes, weight_init="glorot_uniform", bias_init="zeros"))
    return nn.Sequential(*layers)


class Run(NamedTuple):
    val_accuracy: list[float]   # test-split accuracy after each epoch
    predictions: np.ndarray     # predicted class of every test sample after the last epoch
    model: nn.Sequential        # the trained network


def _one_blas_thread():
    """One BLAS thread while training (threadpoolctl, when installed).

    The products here are small ((512, 64) @ (64, 64); the big first-layer one is
    SciPy's sparse kernel, single-threaded anyway). On a machine whose cores are
    busy, OpenBLAS's threads spin-wait on each of them: measured 7x slower
    (2.6 s against 0.38 s for five 64-64 epochs, load average 7 on 2 cores).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def train(data: TextData, hidden: tuple[int, ...], seed: int, epochs: int) -> Run:
    """Fit the network with the course's protocol; accuracy on the test split per epoch."""
    with _one_blas_thread():
        return _train(data, hidden, seed, epochs)


def _train(data: TextData, hidden: tuple[int, ...], seed: int, epochs: int) -> Run:
    manual_seed(seed)
    model = network(data.x_train.shape[1], hidden, data.num_classes)
    trainer = Trainer(model, losses.get("sparse_categorical_crossentropy", from_logits=True),
                      optim.Adam(model.parameters(), lr=LEARNING_RATE),
                      metrics=["accuracy"], seed=seed)
    history = trainer.fit(data.x_train, data.y_train, batch_size=data.batch_size, epochs=epochs,
                          validation_data=(data.x_test, data.y_test), verbose=0)
    predictions = trainer.predict(data.x_test, batch_size=4096, verbose=0).argmax(axis=1)
    return Run([float(a) for a in history.history["val_accuracy"]], predictions, model)


def _mean_sd(values) -> tuple[float, float]:
    values = np.asarray(values, dtype=float)
    return float(values.mean()), (float(values.std(ddof=1)) if len(values) > 1 else 0.0)


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _curves_figure(curves: dict, title: str, references: dict | None = None):
    """Test accuracy per epoch (mean over seeds, min–max band) for each network."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3.6))
    ax = fig.add_subplot()
    for i, (name, runs) in enumerate(curves.items()):
        acc = np.array(runs) * 100
        epochs = np.arange(1, acc.shape[1] + 1)
        line, = ax.plot(epochs, acc.mean(axis=0), label=name, color=f"C{i}")
        if len(acc) > 1:
            ax.fill_between(epochs, acc.min(axis=0), acc.max(axis=0), alpha=0.2,
                            color=line.get_color())
        if references and name in references:
            ax.axhline(100 * references[name], ls=":", color=line.get_color(), lw=1)
    ax.set(xlabel="epoch", ylabel="test accuracy (%)", title=title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


# -- section: the information bottleneck -------------------------------------------
def dead_units(model: nn.Sequential, x) -> list[int]:
    """Per hidden layer, the ReLU units that output 0 for every row of ``x`` (dead)."""
    from lucidnet.autograd import no_grad

    counts, h = [], x
    with no_grad():
        for layer in model:
            h = layer(h)
            if isinstance(layer, nn.ReLU):
                counts.append(int((h.data.max(axis=0) <= 0).sum()))
    return counts


def _band(reference: float, band: float, per_seed: list[float]) -> float:
    """Allowed |mean − reference|: ``band``, or twice the standard error of the
    difference of our mean and Keras's 3-seed mean when the seeds spread more
    (the same spread assumed for Keras's seeds)."""
    if len(per_seed) < 2:
        return band
    sd = float(np.std(per_seed, ddof=1))
    return max(band, 2 * sd * float(np.sqrt(1 / len(per_seed) + 1 / 3)))


@section("bottleneck", "Information bottleneck on Reuters")
def bottleneck(quick: bool = False) -> Result:
    """64-64 against the 4-unit bottlenecks 64-4 and 4-4 (and, in full, a 64-k sweep)."""
    data = load_text("keras")
    epochs = EPOCHS  # the 4-unit networks are still climbing at epoch 10: never fewer
    seeds = {name: (QUICK_SEEDS if quick else SEEDS_4_4 if name == "4-4" else SEEDS)
             for name in NETWORKS}
    runs = {name: seed_runs(train, [(data, hidden, seed, epochs) for seed in seeds[name]])
            for name, hidden in NETWORKS.items()}
    curves = {name: [r.val_accuracy for r in rs] for name, rs in runs.items()}
    per_seed = {name: [c[-1] for c in cs] for name, cs in curves.items()}
    final = {name: _mean_sd(v) for name, v in per_seed.items()}
    best = {name: _mean_sd([max(c) for c in cs]) for name, cs in curves.items()}
    dead = {name: [dead_units(r.model, data.x_test) for r in rs] for name, rs in runs.items()}
    numbers = {
        "dataset": data.name, "stand_in": data.stand_in, "quick": quick,
        "protocol": {"hidden": {k: list(v) for k, v in NETWORKS.items()},
                     "num_words": NUM_WORDS if not data.stand_in else None,
                     "epochs": epochs, "batch_size": data.batch_size,
                     "optimizer": f"Adam lr={LEARNING_RATE}",
                     "seeds": {k: list(v) for k, v in seeds.items()},
                     "loss": "softmax cross-entropy (fused, on logits)",
                     "init": "glorot_uniform weights, zero biases",
                     "validation": "test split"},
        "final_accuracy": {k: v[0] for k, v in final.items()},
        "final_accuracy_sd": {k: v[1] for k, v in final.items()},
        "best_epoch_accuracy": {k: v[0] for k, v in best.items()},
        "per_seed_final": per_seed,
        "dead_units_per_seed": dead,
        "curves": curves,
    }
    # The 4-4 spread is dying ReLUs: a seed that loses units of a 4-unit layer
    # is a narrower network.
    alive = [a for a, d in zip(per_seed["4-4"], dead["4-4"]) if not any(d)]
    lost = [a for a, d in zip(per_seed["4-4"], dead["4-4"]) if any(d)]
    numbers["4-4_seeds_without_dead_units"] = {"count": len(alive),
                                               "mean": _mean_sd(alive)[0] if alive else None}
    numbers["4-4_seeds_with_dead_units"] = {"count": len(lost),
                                            "mean": _mean_sd(lost)[0] if lost else None}
    a64, a644, a44 = (final[k][0] for k in NETWORKS)
    ordered = a64 > a644 > a44
    if data.stand_in or quick:
        # One seed against Keras's 3-seed means, or another dataset: ordering only.
        bands_ok = None
        held = ordered
    else:
        numbers["keras_reference"] = {k: KERAS_REFERENCE[k] for k in NETWORKS}
        numbers["keras_best_epoch_64_64"] = KERAS_BEST_64
        fixed = {"64-64": BAND_WIDE, "64-4": BAND_NARROW, "4-4": BAND_NARROW}
        numbers["bands"] = {k: _band(KERAS_REFERENCE[k], fixed[k], per_seed[k])
                            for k in NETWORKS}
        numbers["difference_to_keras"] = {k: final[k][0] - KERAS_REFERENCE[k] for k in NETWORKS}
        bands_ok = all(abs(numbers["difference_to_keras"][k]) <= numbers["bands"][k]
                       for k in NETWORKS)
        held = ordered and bands_ok
    figures = {"Test accuracy per epoch: 64-64 vs the 4-unit bottlenecks":
               _curves_figure(curves, f"{data.name}: hidden widths",
                              None if data.stand_in else KERAS_REFERENCE)}
    sweep_text = ""
    if not quick:
        sweep = {k: (per_seed["64-4"] if k == 4 else per_seed["64-64"] if k == 64 else
                     [train(data, (64, k), seed, epochs).val_accuracy[-1] for seed in SEEDS])
                 for k in SWEEP}
        numbers["sweep_64_k_final_accuracy"] = {str(k): _mean_sd(v)[0] for k, v in sweep.items()}
        numbers["sweep_64_k_per_seed"] = {str(k): v for k, v in sweep.items()}
        figures["Test accuracy after the last epoch against the width k of 64-k"] = \
            _sweep_figure(sweep, data.name)
        sweep_text = (" Sweeping the second layer's width k of 64-k (3 seeds): "
                      + ", ".join(f"k={k} {_pct(_mean_sd(v)[0])}" for k, v in sweep.items())
                      + ".")
    where = ("on scikit-learn's digits, a STAND-IN because Reuters was not found"
             if data.stand_in else f"on Reuters ({data.x_train.shape[0]} train / "
             f"{data.x_test.shape[0]} test wires, {NUM_WORDS} words multi-hot, sparse)")
    measured = ", ".join(f"{k} {_pct(final[k][0])} ± {_pct(final[k][1])} "
                         f"({len(seeds[k])} seed{'s' * (len(seeds[k]) > 1)})" for k in NETWORKS)
    summary = (f"Measured {where}, {epochs} epochs, batch {data.batch_size}, Adam "
               f"{LEARNING_RATE:g}, test accuracy after the last epoch (mean ± sd over "
               f"seeds): {measured}; best epoch of 64-64 {_pct(best['64-64'][0])}. "
               f"Ordering 64-64 > 64-4 > 4-4: {'yes' if ordered else 'NO'}. "
               f"Dying ReLUs (units never active on the test split): {len(lost)} of "
               f"{len(per_seed['4-4'])} 4-4 seed(s) lost units of a 4-unit layer"
               + (f" ({_pct(numbers['4-4_seeds_with_dead_units']['mean'])} against "
                  f"{_pct(numbers['4-4_seeds_without_dead_units']['mean'])} for the others)"
                  if lost and alive else "") + ".")
    if bands_ok is not None:
        bands = numbers["bands"]
        summary += (" Keras 3.15 reference (3 seeds, epoch 20): 79.4 %, 69.0 %, 62.6 % "
                    "(best epoch of 64-64: 80.0 %). Held requires the ordering and each mean "
                    "within its band of Keras's (±2 points for 64-64, ±5 for the 4-unit "
                    "networks, widened to twice the standard error of the difference of "
                    "the two means when the seeds spread more: "
                    + ", ".join(f"{k} ±{100 * bands[k]:.1f}" for k in NETWORKS)
                    + "): differences " + ", ".join(
                        f"{k} {100 * numbers['difference_to_keras'][k]:+.1f}" for k in NETWORKS)
                    + f" points, {'inside' if bands_ok else 'NOT inside'} the bands.")
    else:
        summary += (" The Keras reference (79.4 / 69.0 / 62.6 % on Reuters, 3 seeds) is not "
                    "compared in this mode; held tests the ordering only.")
    claim = ("The course's 64-64 ReLU network reaches about 80 % test accuracy on Reuters; "
             "squeezing a hidden layer to 4 units loses information the 46 topics need: "
             "64-4 about 70 %, 4-4 about 62.6 % (Keras: 79.4 %, 69.0 %, 62.6 %).")
    if data.stand_in:
        claim += " [Run on digits as a stand-in: Reuters-21578 was not found.]"
    return Result(claim, bool(held), numbers, summary + sweep_text, figures,
                  not_measured=data.missing)


def _sweep_figure(sweep: dict, name: str):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 3.4))
    ax = fig.add_subplot()
    ks = np.array(list(sweep))
    acc = np.array([sweep[k] for k in ks]) * 100
    ax.errorbar(ks, acc.mean(axis=1), yerr=acc.std(axis=1), marker="o", capsize=3)
    ax.set_xscale("log", base=2)
    ax.set(xlabel="units k in the second hidden layer (64-k)", ylabel="test accuracy (%)",
           title=f"{name}: the bottleneck's width")
    ax.grid(alpha=0.3)
    return fig


# -- section: Keras's texts against each wire's own ---------------------------------
@section("reuters_variants", "Reuters: Keras's borrowed texts against each wire's own")
def reuters_variants(quick: bool = False) -> Result:
    """64-64 on ``variant='keras'`` vs ``'clean'``; accuracy on the borrowed wires."""
    seeds, epochs = (QUICK_SEEDS, QUICK_EPOCHS) if quick else (SEEDS, EPOCHS)
    keras_data = load_text("keras")
    hidden = NETWORKS["64-64"]
    if keras_data.stand_in:
        clean_data = keras_data
        keras_data, _, borrowed = _stand_in_borrowing(clean_data)
        duplicates = None
    else:
        clean_data = load_text("clean")
        path = reuters_path()
        borrowed = _borrowed(path)[1]
        duplicates = _borrowed_text_in_train(path, borrowed)
    y = keras_data.y_test
    runs = {"keras": [train(keras_data, hidden, s, epochs) for s in seeds],
            "clean": [train(clean_data, hidden, s, epochs) for s in seeds]}

    def accuracy(variant, mask=None):
        per_seed = [float(np.mean((r.predictions == y)[slice(None) if mask is None else mask]))
                    for r in runs[variant]]
        return per_seed

    acc = {v: accuracy(v) for v in runs}
    acc_borrowed = {v: accuracy(v, borrowed) for v in runs}
    acc_own = {v: accuracy(v, ~borrowed) for v in runs}
    m = {v: _mean_sd(acc[v])[0] for v in runs}
    mb = {v: _mean_sd(acc_borrowed[v])[0] for v in runs}
    mo = {v: _mean_sd(acc_own[v])[0] for v in runs}
    share = float(borrowed.mean())
    numbers = {
        "dataset": keras_data.name, "stand_in": keras_data.stand_in, "quick": quick,
        "protocol": {"hidden": list(hidden),
                     "num_words": None if keras_data.stand_in else NUM_WORDS, "epochs": epochs,
                     "batch_size": keras_data.batch_size, "optimizer": f"Adam lr={LEARNING_RATE}",
                     "seeds": list(seeds), "validation": "test split"},
        "test_samples": int(len(y)), "borrowed_test_samples": int(borrowed.sum()),
        "borrowed_share": share,
        "accuracy": m, "accuracy_sd": {v: _mean_sd(acc[v])[1] for v in runs},
        "accuracy_per_seed": acc,
        "accuracy_on_borrowed": mb, "accuracy_on_own_text": mo,
        "accuracy_on_borrowed_per_seed": acc_borrowed,
        "accuracy_on_own_text_per_seed": acc_own,
        "best_epoch_accuracy": {v: _mean_sd([max(r.val_accuracy) for r in runs[v]])[0]
                                for v in runs},
        # the keras-variant accuracy the own-text wires alone would give, had the
        # borrowed wires been classified as well as they are
        "borrowed_cost_points": mo["keras"] - m["keras"],
        "curves": {v: [r.val_accuracy for r in runs[v]] for v in runs},
    }
    if duplicates is not None:
        numbers["borrowed_test_text_in_train"] = duplicates[0]
        numbers["borrowed_test_text_in_train_other_label_only"] = duplicates[1]
    gap = m["clean"] - m["keras"]
    # the property: borrowed wires cost accuracy, and own texts remove the cost
    worse = mb["keras"] < mo["keras"] - 0.10
    cleaner = gap > 0.0
    if keras_data.stand_in or epochs != EPOCHS:
        bands_ok = None
        held = worse and cleaner
    else:
        ref = {"keras": KERAS_REFERENCE["64-64"], "clean": KERAS_REFERENCE["clean 64-64"]}
        numbers["keras_reference"] = ref
        numbers["bands"] = {v: _band(ref[v], BAND_WIDE, acc[v]) for v in runs}
        numbers["difference_to_keras"] = {v: m[v] - ref[v] for v in runs}
        bands_ok = all(abs(m[v] - ref[v]) <= numbers["bands"][v] for v in runs)
        held = worse and cleaner and bands_ok
    figures = {"Test accuracy per epoch: Keras's texts vs each wire's own":
               _curves_figure({"keras": numbers["curves"]["keras"],
                               "clean": numbers["curves"]["clean"]},
                              "64-64, test accuracy per epoch",
                              None if keras_data.stand_in else
                              {"keras": KERAS_REFERENCE["64-64"],
                               "clean": KERAS_REFERENCE["clean 64-64"]}),
               "Accuracy on borrowed and own-text test samples": _split_figure(mb, mo, m)}
    n_b = int(borrowed.sum())
    if keras_data.stand_in:
        where = ("on scikit-learn's digits, a STAND-IN because Reuters was not found: "
                 f"{n_b} of {len(y)} test samples ({_pct(share)}) carry another sample's "
                 "pixels in the 'keras' run, the 'clean' run has the original pixels")
    else:
        where = (f"on Reuters, {len(y)} test wires of which {n_b} "
                 f"({_pct(share)}) carry another wire's body in Keras's texts")
    kind = "pixels" if keras_data.stand_in else "texts"
    summary = (f"Measured {where}; 64-64, {len(seeds)} seed(s), {epochs} epochs, batch "
               f"{keras_data.batch_size}, Adam {LEARNING_RATE:g}. Test accuracy: with borrowed "
               f"{kind} ('keras') {_pct(m['keras'])}, with own {kind} ('clean') "
               f"{_pct(m['clean'])} ({100 * gap:+.1f} points). With borrowed {kind} the "
               f"borrowed samples are classified at {_pct(mb['keras'])} against "
               f"{_pct(mo['keras'])} for the rest (with own {kind}: {_pct(mb['clean'])} and "
               f"{_pct(mo['clean'])}).")
    if duplicates is not None:
        summary += (f" {duplicates[0]} of the {n_b} borrowed test wires have the very same "
                    f"text in the training split, {duplicates[1]} of them only under other "
                    "topics: no network can get those right.")
    if bands_ok is not None:
        summary += (f" Keras 3.15 reference: 79.4 % vs 88.5 %; held requires borrowed wires "
                    f"at least 10 points below the rest, clean above keras, and both means "
                    f"within ±{100 * BAND_WIDE:.0f} points of Keras (widened to twice the "
                    f"standard error of the difference if the seeds spread more): differences "
                    f"{100 * numbers['difference_to_keras']['keras']:+.1f} (keras) and "
                    f"{100 * numbers['difference_to_keras']['clean']:+.1f} (clean) points, "
                    f"{'inside' if bands_ok else 'NOT inside'} the bands.")
    else:
        summary += (" The Keras reference (79.4 % vs 88.5 % at epoch 20 on Reuters) is not "
                    "compared in this mode; held requires borrowed samples at least 10 points "
                    "below the rest and clean above keras.")
    claim = ("The course's 80 % on Reuters is a ceiling of Keras's 2015 preprocessing, not of "
             "the task: the 207 test wires whose text is borrowed from another wire are "
             "mostly misclassified, and with each wire's own text the same network reaches "
             "about 88.5 % (Keras: 79.4 % vs 88.5 %).")
    if keras_data.stand_in:
        claim += " [Run on digits as a stand-in: Reuters-21578 was not found.]"
    return Result(claim, bool(held), numbers, summary, figures,
                  not_measured=keras_data.missing)


def _borrowed_text_in_train(path, borrowed_test: np.ndarray) -> tuple[int, int]:
    """How many borrowed test wires have their exact text in the training split, and
    how many of those only under labels other than their own (Keras's texts)."""
    from lucidnet.datasets import reuters

    (x_train, y_train), (x_test, y_test) = reuters.load_data(path=path, num_words=NUM_WORDS)
    labels: dict[tuple, set] = {}
    for seq, label in zip(x_train, y_train):
        labels.setdefault(tuple(seq), set()).add(int(label))
    found = other = 0
    for i in np.flatnonzero(borrowed_test):
        seen = labels.get(tuple(x_test[i]))
        if seen is not None:
            found += 1
            other += int(y_test[i]) not in seen
    return found, other


def _split_figure(borrowed: dict, own: dict, overall: dict):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 3.4))
    ax = fig.add_subplot()
    groups = ("borrowed", "own text", "all")
    width = 0.38
    for i, variant in enumerate(("keras", "clean")):
        values = [100 * borrowed[variant], 100 * own[variant], 100 * overall[variant]]
        ax.bar(np.arange(3) + (i - 0.5) * width, values, width, label=f"{variant} texts")
    ax.set_xticks(np.arange(3), groups)
    ax.set(ylabel="test accuracy (%)", ylim=(0, 100), title="64-64: which test samples")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return fig
