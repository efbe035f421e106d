"""Lecture 10, multi-task learning: one shared trunk with a head per task against one
separate network per task, on the Linnerud data (20 men; from chin-ups, sit-ups and
jumps predict weight, waist and pulse at once).

Both are trained by lucidnet's Trainer: the shared model returns a dict of outputs,
one per task, each with its mean-squared-error loss (the engine sums them); each
separate model returns one output. Targets are standardized with the training split's
mean and std; errors are reported in that scale (a mean-predictor has error ≈ 1) and
in each target's own unit. With 16 training men a single split says little, so every
number is over repeated random 80/20 splits (``datasets.load('linnerud', seed=s)``).
"""

from __future__ import annotations

import numpy as np

from lucidnet import datasets, manual_seed, nn, optim
from lucidnet.lab.report import Result, section, seed_runs
from lucidnet.training import Trainer

TASKS = ("weight", "waist", "pulse")
UNITS = ("lb", "in", "beats/min")
HIDDEN = 8
EPOCHS = 100
LEARNING_RATE = 0.01


class SharedTrunk(nn.Module):
    """h = tanh(X W + b) shared; one linear head per task: ŷₜ = h wₜ + bₜ.
    Shapes: X (N, 3) → {task: (N, 1)}."""

    def __init__(self, inputs: int = 3, hidden: int = HIDDEN):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(inputs, hidden), nn.Tanh())
        self.heads = nn.ModuleList([nn.Linear(hidden, 1) for _ in TASKS])

    def forward(self, x):
        h = self.trunk(x)
        return {task: head(h) for task, head in zip(TASKS, self.heads)}


def _separate(inputs: int = 3, hidden: int = HIDDEN):
    """The network of one task alone: the same trunk shape and one head."""
    return nn.Sequential(nn.Linear(inputs, hidden), nn.Tanh(), nn.Linear(hidden, 1))


def _fit(model, x, y, seed: int) -> Trainer:
    trainer = Trainer(model, "mean_squared_error",
                      optim.Adam(model.parameters(), lr=LEARNING_RATE), seed=seed)
    trainer.fit(x, y, batch_size=len(x), epochs=EPOCHS, verbose=0)
    return trainer


def _split(seed: int) -> dict:
    """Test errors of shared, separate and mean-predictor on split ``seed``: the mean
    squared error per task in standardized units (N_test, T)."""
    data = datasets.load("linnerud", seed=seed)
    mean, std = data.y_train.mean(axis=0), data.y_train.std(axis=0)
    y_train, y_test = (data.y_train - mean) / std, (data.y_test - mean) / std
    manual_seed(seed)
    shared = SharedTrunk()
    trainer = _fit(shared, data.x_train,
                   {task: y_train[:, [t]] for t, task in enumerate(TASKS)}, seed)
    out = trainer.predict(data.x_test, verbose=0)
    predictions = {"shared": np.column_stack([out[task][:, 0] for task in TASKS])}
    columns, sizes = [], []
    for t in range(len(TASKS)):
        model = _separate()
        columns.append(_fit(model, data.x_train, y_train[:, [t]], seed)
                       .predict(data.x_test, verbose=0)[:, 0])
        sizes.append(model.num_parameters())
    predictions["separate"] = np.column_stack(columns)
    predictions["mean predictor"] = np.zeros_like(y_test)  # the training mean, standardized
    errors = {name: ((p - y_test) ** 2).mean(axis=0) for name, p in predictions.items()}
    return {"errors": errors, "std": std, "parameters": (shared.num_parameters(), sum(sizes))}


@section("multitask", "Multi-task learning: a shared trunk against separate networks")
def multitask(quick: bool = False) -> Result:
    """Shared trunk vs separate networks on Linnerud (see the module)."""
    seeds = range(5) if quick else range(20)
    splits = seed_runs(_split, [(s,) for s in seeds])
    models = ("shared", "separate", "mean predictor")
    per_split = {m: np.array([s["errors"][m] for s in splits]) for m in models}  # (S, T)
    overall = {m: per_split[m].mean(axis=1) for m in models}  # (S,)
    variance = np.array([s["std"] for s in splits]) ** 2  # (S, T): back to each unit
    labels = [f"{task} ({unit})" for task, unit in zip(TASKS, UNITS)]
    difference = overall["shared"] - overall["separate"]
    standard_error = float(difference.std(ddof=1) / np.sqrt(len(difference)))
    mean_difference = float(difference.mean())
    params_shared, params_separate = splits[0]["parameters"]
    numbers = {
        "data": "linnerud: 20 men, 3 features, 3 targets; 80/20 splits (16 train, 4 test)",
        "splits": len(splits), "hidden_units": HIDDEN, "epochs": EPOCHS,
        "optimizer": f"Adam lr {LEARNING_RATE}, full batch",
        "parameters": {"shared": params_shared, "separate": params_separate},
        "test_mse_standardized": {m: float(overall[m].mean()) for m in models},
        "test_mse_standardized_per_task": {m: dict(zip(TASKS, per_split[m].mean(axis=0)
                                                       .tolist())) for m in models},
        "test_rmse_in_units": {m: dict(zip(labels, np.sqrt((per_split[m] * variance)
                                                           .mean(axis=0)).tolist()))
                               for m in models},
        "shared_minus_separate": mean_difference,
        "shared_minus_separate_standard_error": standard_error,
        "splits_where_shared_is_better": int((difference < 0).sum()),
        "per_split_test_mse_standardized": {m: overall[m].tolist() for m in models},
    }
    # helped: better by more than one standard error; matched: within one either way
    helped, matched = mean_difference < -standard_error, abs(mean_difference) <= standard_error
    verdict = "helped" if helped else "matched" if matched else "hurt"
    numbers["verdict"] = verdict
    e = numbers["test_mse_standardized"]
    per_task = numbers["test_mse_standardized_per_task"]
    beats = {m: ", ".join(t for t in TASKS if per_task[m][t] < per_task["mean predictor"][t])
             or "none" for m in ("shared", "separate")}
    summary = (
        f"Linnerud, {len(splits)} random 80/20 splits (16 training men each). A shared tanh "
        f"trunk of {HIDDEN} units with three linear heads ({params_shared} parameters, one "
        f"Trainer, a dict of three MSE losses) against three separate {HIDDEN}-unit networks "
        f"({params_separate} parameters), {EPOCHS} epochs of Adam each. Test MSE in "
        f"standardized units, mean over splits: shared {e['shared']:.3f}, separate "
        f"{e['separate']:.3f} (difference {mean_difference:+.3f} ± {standard_error:.3f} "
        f"standard error; shared better on {numbers['splits_where_shared_is_better']} of "
        f"{len(splits)} splits), predicting the training mean {e['mean predictor']:.3f}. "
        f"Sharing {verdict} with {params_shared / params_separate:.0%} of the parameters. "
        f"Tasks predicted better than by the mean: shared {beats['shared']}, "
        f"separate {beats['separate']}"
        + ("; on 16 men the exercises say little about the targets, and the shared trunk "
           "mainly overfits less." if min(e["shared"], e["separate"]) >= e["mean predictor"]
           else ".")
    )
    return Result(
        claim="A network that shares its hidden layers between related tasks generalizes "
              "as well as or better than separate networks, with fewer parameters.",
        held=bool(helped or matched),
        numbers=numbers,
        summary=summary,
        figures={"test error per task": _figure(numbers, per_split, overall)},
    )


def _figure(numbers: dict, per_split: dict, overall: dict):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 3.8), layout="constrained")
    bars, scatter = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    width = 0.27
    positions = np.arange(len(TASKS))
    for k, model in enumerate(per_split):
        label = model if model == "mean predictor" else \
            f"{model} ({numbers['parameters'][model]} parameters)"
        bars.bar(positions + (k - 1) * width, per_split[model].mean(axis=0), width, label=label)
    bars.set_xticks(positions, TASKS)
    bars.set_ylabel("test MSE (standardized targets)")
    bars.set_title(f"Linnerud, mean over {len(overall['shared'])} splits", fontsize=10)
    bars.legend(fontsize=8)
    scatter.scatter(overall["separate"], overall["shared"], s=14)
    top = max(overall["separate"].max(), overall["shared"].max()) * 1.05
    scatter.plot([0, top], [0, top], "k:", lw=1)
    scatter.set_xlabel("separate networks")
    scatter.set_ylabel("shared trunk")
    scatter.set_title("test MSE per split (below the line: sharing better)", fontsize=10)
    return fig
