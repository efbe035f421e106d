"""Hyperparameter sweeps: a grid or random search over a training function.

A training function takes a configuration (the sweep's parameters and ``seed``) and
the callbacks to pass to ``fit``, and returns the history (a ``History`` or its
``.history`` dict of per-epoch values)::

    def train(config, callbacks):
        lucidnet.manual_seed(config["seed"])
        model = keras.Sequential([keras.layers.Dense(config["units"], activation="relu"),
                                  keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer=keras.optimizers.Adam(config["lr"]),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model.fit(X, y, validation_split=0.2, epochs=10, verbose=0,
                         callbacks=callbacks)

    result = sweep.run(train, {"units": [16, 64], "lr": [1e-3, 1e-2]}, seeds=[0, 1],
                       jobs=2)
    result.best            # the configuration with the best mean score over its seeds
    result.save("sweep/")  # trials.csv, sweep.json, curves.png

The space maps each parameter to a list of values (the grid; random search picks
from it) or, for random search, to a range: ``{"log": [1e-4, 1e-1]}`` (log-uniform),
``{"uniform": [0, 0.5]}``, ``{"int": [16, 128]}``. A trial's score is the best epoch's
value of ``metric``. Every trial is its configuration and its seed, so rerunning
``train(config, [])`` gives its result bit for bit, on any engine
(:mod:`lucidnet.parallel`: local processes by default, Dask for a cluster).

``search='tpe'``, or any ``pruner``, hands the search to Optuna (``sweep`` extra):
TPE or random sampling, and early stopping of bad trials by Optuna's own pruners
(``'halving'``: successive halving (ASHA), ``'hyperband'``, ``'median'``, or an
``optuna.pruners`` object), fed by a callback that reports ``metric`` after each epoch.
Optuna runs its trials in ``jobs`` threads of this process.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import math
import numbers
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy

from lucidnet import parallel
from lucidnet.training.callbacks import Callback
from lucidnet.training.metric_callbacks import monitor_mode

SEARCHES = ("grid", "random", "tpe")
RANGES = ("log", "uniform", "int")


@dataclass
class Trial:
    """One training run: its parameters, seed, per-epoch history and score."""

    number: int
    params: dict
    seed: int
    history: dict = field(default_factory=dict)
    score: float = math.nan
    status: str = "complete"  # 'complete', 'pruned' or 'failed'
    seconds: float = 0.0
    error: str = ""

    @property
    def config(self) -> dict:
        """What the training function receives: the parameters and the seed."""
        return {**self.params, "seed": self.seed}


def _check_space(space: dict, search: str) -> None:
    if not isinstance(space, dict) or not space:
        raise ValueError(f"space must be a non-empty dict of parameter → values, got {space!r}")
    for name, values in space.items():
        if isinstance(values, dict):
            kind = next(iter(values), None)
            bounds = values.get(kind)
            if (len(values) != 1 or kind not in RANGES or not isinstance(bounds, (list, tuple))
                    or len(bounds) != 2):
                raise ValueError(f"space[{name!r}]: a range is one of {RANGES} with [low, "
                                 f"high], e.g. {{'log': [1e-4, 1e-1]}}; got {values!r}")
            if search == "grid":
                raise ValueError(f"space[{name!r}] is a range; a grid needs a list of values")
        elif not isinstance(values, (list, tuple)) or not values:
            raise ValueError(f"space[{name!r}] must be a non-empty list of values or a "
                             f"range, got {values!r}")


def grid(space: dict) -> list[dict]:
    """Every combination of the space's values, the last parameter varying fastest."""
    _check_space(space, "grid")
    names = list(space)
    return [dict(zip(names, values)) for values in itertools.product(*space.values())]


def sample(space: dict, trials: int, seed: int = 0) -> list[dict]:
    """``trials`` random configurations; configuration i is drawn from the generator
    seeded by (seed, i), so it does not depend on how many are drawn."""
    _check_space(space, "random")
    configs = []
    for i in range(trials):
        rng = numpy.random.default_rng((seed, i))
        configs.append({name: _draw(rng, values) for name, values in space.items()})
    return configs


def _draw(rng, values):
    if not isinstance(values, dict):
        return values[int(rng.integers(len(values)))]
    (kind, (low, high)), = values.items()
    if kind == "int":
        return int(rng.integers(low, high + 1))
    if kind == "log":
        return float(math.exp(rng.uniform(math.log(low), math.log(high))))
    return float(rng.uniform(low, high))


def _suggest(trial, name, values):
    """Optuna's suggestion for one parameter of the space."""
    if not isinstance(values, dict):
        return trial.suggest_categorical(name, list(values))
    (kind, (low, high)), = values.items()
    if kind == "int":
        return trial.suggest_int(name, int(low), int(high))
    return trial.suggest_float(name, float(low), float(high), log=kind == "log")


def _history_of(returned) -> dict:
    history = getattr(returned, "history", returned)
    if not isinstance(history, dict):
        raise TypeError("a training function returns a History or its .history dict, got "
                        f"{type(returned).__name__}")
    return {key: [float(v) for v in values] for key, values in history.items()}


def _score(history: dict, metric: str, mode: str) -> float:
    values = [v for v in history.get(metric, []) if not math.isnan(v)]
    if not values:
        return math.nan
    return min(values) if mode == "min" else max(values)


def run_trial(train, trial: Trial, metric: str, mode: str, callbacks=()) -> Trial:
    """Train one trial; a failure is recorded on the trial (status 'failed'), not raised."""
    started = time.perf_counter()
    try:
        trial.history = _history_of(train(trial.config, list(callbacks)))
        trial.score = _score(trial.history, metric, mode)
    except Exception as err:  # noqa: BLE001 — a failed trial is a result of the sweep
        if type(err).__name__ == "TrialPruned":
            raise
        trial.status, trial.error = "failed", f"{type(err).__name__}: {err}"
    finally:
        trial.seconds = time.perf_counter() - started
    return trial


class ReportToOptuna(Callback):
    """After each epoch, report ``metric`` to an Optuna trial and stop the training
    (``optuna.TrialPruned``) when its pruner says so. Keeps the epochs' logs."""

    def __init__(self, trial, metric: str):
        super().__init__()
        self.trial, self.metric, self.history = trial, metric, {}

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        if self.metric not in (logs or {}):
            raise KeyError(f"the sweep's metric {self.metric!r} is not logged; the logs "
                           f"have {sorted(logs or {})}")
        self.trial.report(float(logs[self.metric]), epoch)
        if self.trial.should_prune():
            import optuna

            raise optuna.TrialPruned(f"pruned after epoch {epoch + 1}")


def _finite(value: float):
    """JSON has no NaN or infinity: those become null."""
    return value if math.isfinite(value) else None


@dataclass
class SweepResult:
    """The trials of a sweep, with the metric that scored them."""

    trials: list
    metric: str
    mode: str

    @property
    def best(self) -> dict:
        """The parameters with the best mean score over their seeds, with ``score`` (the
        mean), ``std`` and ``seeds``; failed and pruned trials do not count."""
        groups = {}
        for t in self.trials:
            if t.status == "complete" and not math.isnan(t.score):
                groups.setdefault(json.dumps(t.params, sort_keys=True), []).append(t)
        if not groups:
            logged = sorted({key for t in self.trials for key in t.history})
            raise ValueError(f"no trial of the sweep completed with a score for "
                             f"{self.metric!r}; the trials logged {logged}")
        pick = min if self.mode == "min" else max
        trials = pick(groups.values(), key=lambda ts: float(numpy.mean([t.score for t in ts])))
        scores = [t.score for t in trials]
        return {"params": trials[0].params, "score": float(numpy.mean(scores)),
                "std": float(numpy.std(scores)), "seeds": [t.seed for t in trials]}

    def table(self) -> list[dict]:
        """One row per trial: number, parameters, seed, status, epochs, seconds, score
        and each logged quantity's last value."""
        rows = []
        for t in self.trials:
            row = {"trial": t.number, **t.params, "seed": t.seed, "status": t.status,
                   "epochs": max((len(v) for v in t.history.values()), default=0),
                   "seconds": round(t.seconds, 3), f"best_{self.metric}": t.score}
            row.update({key: values[-1] for key, values in t.history.items() if values})
            rows.append(row)
        return rows

    def to_csv(self) -> str:
        rows = self.table()
        columns = list(dict.fromkeys(key for row in rows for key in row))
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()

    def to_json(self) -> str:
        trials = [{"trial": t.number, "params": t.params, "seed": t.seed, "status": t.status,
                   "score": _finite(t.score), "seconds": t.seconds, "error": t.error,
                   "history": {k: [_finite(v) for v in vs] for k, vs in t.history.items()}}
                  for t in self.trials]
        try:
            best = self.best
        except ValueError:
            best = None
        return json.dumps({"metric": self.metric, "mode": self.mode, "best": best,
                           "trials": trials}, indent=2, allow_nan=False, default=str)

    def plot(self):
        """A matplotlib Figure: ``metric`` per epoch for every trial, the best
        configuration's trials drawn bold."""
        try:
            from matplotlib.figure import Figure
        except ImportError as err:
            raise ImportError("the sweep's figure needs matplotlib: pip install "
                              "'lucidnet[plot]'") from err
        figure = Figure(figsize=(7, 4.5))
        ax = figure.add_subplot()
        try:
            best = self.best["params"]
        except ValueError:
            best = None
        for t in self.trials:
            curve = t.history.get(self.metric)
            if curve:
                bold = t.params == best
                ax.plot(range(1, len(curve) + 1), curve, lw=2.2 if bold else 0.8,
                        alpha=1.0 if bold else 0.5, color="C3" if bold else "C0",
                        label=f"best: {best}" if bold else None)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_xlabel("epoch")
        ax.set_ylabel(self.metric)
        ax.set_title(f"{len(self.trials)} trials")
        if best is not None:
            handles, labels = ax.get_legend_handles_labels()
            ax.legend(handles[:1], labels[:1], fontsize=8)
        return figure

    def save(self, out) -> list[Path]:
        """Write ``trials.csv``, ``sweep.json`` and (with matplotlib) ``curves.png``
        to the folder ``out``; the paths written."""
        from lucidnet._files import atomic_write

        out = Path(out)
        written = []
        for name, text in (("trials.csv", self.to_csv()), ("sweep.json", self.to_json())):
            with atomic_write(out / name, "w") as f:
                f.write(text)
            written.append(out / name)
        try:
            figure = self.plot()
        except ImportError:
            return written
        with atomic_write(out / "curves.png") as f:
            figure.savefig(f, format="png", dpi=100)
        return [*written, out / "curves.png"]


def _progress_bar(total: int, progress: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="trials", unit="trial", disable=not progress,
                dynamic_ncols=True)


def run(train, space: dict, *, search: str = "grid", trials: int | None = None,
        seeds=(0,), metric: str = "val_loss", mode: str = "auto", engine=None,
        jobs: int = 1, blas_threads: int | None = None, pruner=None, seed: int = 0,
        progress: bool = True) -> SweepResult:
    """Run ``train`` over ``space`` and return the trials (see the module docstring).

    ``search``: 'grid' (every combination, each with every seed), 'random' (``trials``
    configurations drawn with ``seed``, each with every seed) or 'tpe' (Optuna).
    ``mode``: 'min', 'max' or 'auto' (losses down, accuracy up). ``engine``, ``jobs``
    and ``blas_threads``: :func:`lucidnet.parallel.get`.
    """
    if search not in SEARCHES:
        raise ValueError(f"search must be one of {SEARCHES}, got {search!r}")
    given = list(seeds) if hasattr(seeds, "__iter__") and not isinstance(seeds, str) else []
    if not given or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool)
                            for s in given):
        raise ValueError(f"seeds must be a non-empty list of integers, got {seeds!r}")
    seeds = [int(s) for s in given]
    mode = monitor_mode(metric, mode, None, "sweep")
    if search == "tpe" or pruner is not None:
        return _run_optuna(train, space, search, trials, seeds, metric, mode, jobs,
                           blas_threads, pruner, seed, progress, engine)
    if search == "random" and (not isinstance(trials, int) or trials < 1):
        raise ValueError(f"a random search needs trials ≥ 1, got {trials!r}")
    configs = grid(space) if search == "grid" else sample(space, trials, seed)
    planned = [Trial(i, params, s) for i, (params, s)
               in enumerate(itertools.product(configs, seeds))]
    bar = _progress_bar(len(planned), progress)
    try:
        done = parallel.run_all(run_trial, [(train, t, metric, mode) for t in planned],
                                engine, jobs, progress=lambda i, t: bar.update(1),
                                blas_threads=blas_threads)
    finally:
        bar.close()
    return SweepResult(done, metric, mode)


_PRUNERS = {"halving": "SuccessiveHalvingPruner", "hyperband": "HyperbandPruner",
            "median": "MedianPruner"}


def _run_optuna(train, space, search, trials, seeds, metric, mode, jobs, blas_threads,
                pruner, seed, progress, engine):
    optuna = parallel.import_extra("optuna")
    if engine not in (None, "serial"):
        raise ValueError("an Optuna search runs its trials in threads of this process "
                         f"(jobs={jobs}); engine must be None or 'serial', got {engine!r}")
    _check_space(space, "grid" if search == "grid" else "random")
    if isinstance(pruner, str):
        if pruner not in _PRUNERS:
            raise ValueError(f"pruner must be one of {sorted(_PRUNERS)} or an optuna "
                             f"pruner, got {pruner!r}")
        pruner = getattr(optuna.pruners, _PRUNERS[pruner])()
    if search == "grid":
        sampler = optuna.samplers.GridSampler({k: list(v) for k, v in space.items()}, seed=seed)
        trials = trials or math.prod(len(v) for v in space.values())
    elif search == "random":
        sampler = optuna.samplers.RandomSampler(seed=seed)
    else:
        sampler = optuna.samplers.TPESampler(seed=seed)
    if not isinstance(trials, int) or trials < 1:
        raise ValueError(f"an Optuna search needs trials ≥ 1, got {trials!r}")
    direction = "minimize" if mode == "min" else "maximize"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction=direction, sampler=sampler, pruner=pruner)
    done = []

    def objective(optuna_trial):
        params = {name: _suggest(optuna_trial, name, values) for name, values in space.items()}
        trial = Trial(optuna_trial.number, params, seeds[0])
        reporter = ReportToOptuna(optuna_trial, metric)
        done.append(trial)
        try:
            run_trial(train, trial, metric, mode, [reporter])
        except optuna.TrialPruned:
            trial.status, trial.history = "pruned", reporter.history
            trial.score = _score(trial.history, metric, mode)
            raise
        if trial.status == "failed":
            raise RuntimeError(trial.error)
        return trial.score

    bar = _progress_bar(trials, progress)
    try:
        with contextlib.ExitStack() as stack:
            if blas_threads is not None:  # threads share the process's BLAS threads
                limits = parallel.import_extra("threadpoolctl").threadpool_limits
                stack.enter_context(limits(limits=blas_threads, user_api="blas"))
            study.optimize(objective, n_trials=trials, n_jobs=jobs,
                           catch=(RuntimeError,),
                           callbacks=[lambda study, frozen: bar.update(1)])
    finally:
        bar.close()
    return SweepResult(sorted(done, key=lambda t: t.number), metric, mode)
