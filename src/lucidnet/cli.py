"""The ``lucidnet`` command: train, evaluate, predict, summary, trace, export, activations,
lab, datasets, sweep.

Every failure a user can cause (an unknown dataset, a missing file, a CSV of the wrong
width) ends in one clear line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
import time
from pathlib import Path

from lucidnet._version import __version__

EXAMPLES = {
    "train": """examples:
  lucidnet train                                  # digits, 64-64 ReLU MLP, a few seconds
  lucidnet train breast_cancer --hidden 32 --epochs 50
  lucidnet train fashion_mnist --hidden 256 128 --dropout 0.2 --out runs/fmnist
  lucidnet train --tensorboard logs               # then: tensorboard --logdir logs""",
    "evaluate": "example:\n  lucidnet evaluate runs/digits/model.safetensors digits",
    "predict": """examples:
  lucidnet predict runs/digits/model.safetensors samples.csv
  lucidnet predict runs/digits/model.safetensors samples.csv --proba --output predictions.json""",
    "summary": "example:\n  lucidnet summary runs/digits/model.safetensors",
    "trace": "examples:\n  lucidnet trace runs/digits/model.safetensors digits --batch 4\n"
             "  lucidnet trace runs/digits/model.safetensors digits --html trace.html",
    "export": "example:\n  lucidnet export runs/digits/model.safetensors digits.onnx",
    "activations": "example:\n  lucidnet activations --out activations/",
    "lab": "examples:\n  lucidnet lab --quick\n  lucidnet lab --only xor --out lab-report\n"
           "  lucidnet lab --quick --jobs 2                  # the seeds on 2 local processes",
    "datasets": """examples:
  lucidnet datasets                         # what is known, where, present, checksum
  lucidnet datasets --fetch fashion_mnist   # download it (pip install lucidnet[datasets])
  lucidnet datasets --data-dir ~/data""",
    "sweep": """examples:
  lucidnet sweep grid.json --jobs 2               # local processes
  lucidnet sweep grid.json --engine dask://scheduler:8786

grid.json: the flags of lucidnet train that stay fixed, and those searched:
  {"train": {"dataset": "digits", "epochs": 10},
   "space": {"activation": ["relu", "tanh"], "lr": [0.001, 0.01]},
   "seeds": [0, 1], "search": "grid", "metric": "val_loss"}
also "trials" (random or tpe search), "pruner" (halving, hyperband, median).""",
}


class UsageError(Exception):
    """A mistake on the command line: reported in one line, exit status 2."""


def _listing(title: str, names) -> str:
    """``title:`` and the names, wrapped at 88 columns and indented."""
    import textwrap

    return f"{title}:\n" + textwrap.fill(", ".join(names), 88, initial_indent="  ",
                                          subsequent_indent="  ")


def _train_choices() -> str:
    from lucidnet import activations, initializers, optimizers
    from lucidnet.datasets import catalogue

    rows = [f"  {name:14s} {n:>6,} samples × {d:>6,} features, {task}"
            for name, (n, d, task) in catalogue.SIZES.items()]
    return "\n".join(["datasets (lucidnet datasets says which are on this machine):", *rows,
                      _listing("activations", activations.names()),
                      _listing("initializers", initializers.names()),
                      _listing("optimizers", optimizers.names())])


def _trace_choices() -> str:
    from lucidnet import losses

    return _listing("losses", losses.names())


def _lab_choices() -> str:
    from lucidnet import lab

    return _listing("sections, in the lectures' order", lab.SECTIONS)


CHOICES = {"train": _train_choices, "trace": _trace_choices, "lab": _lab_choices}
"""Command → the choices its help lists, computed only when help is asked for (the lab's
sections need matplotlib, a second to import)."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose help ends with its command's :data:`CHOICES`."""

    def format_help(self) -> str:
        choices = CHOICES.get(self.prog.split()[-1])
        return super().format_help() + ("\n" + choices() + "\n" if choices else "")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lucidnet",
        description="Train, inspect and explain neural networks with lucidnet.",
    )
    parser.add_argument("--version", action="version", version=f"lucidnet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                parser_class=_Parser)
    data_dir = argparse.ArgumentParser(add_help=False)
    data_dir.add_argument("--data-dir", default=None, metavar="FOLDER",
                          help="where datasets are found (default: $LUCIDNET_DATA, else the "
                               "platform's user data folder; see lucidnet datasets)")

    def command(name, help_text, data=False):
        return sub.add_parser(
            name, help=help_text, description=help_text, epilog=EXAMPLES[name],
            formatter_class=argparse.RawDescriptionHelpFormatter,
            parents=[data_dir] if data else [],
        )

    train = command("train", "Train an MLP on a dataset and save the model, history and curves.",
                    data=True)
    train.add_argument("dataset", nargs="?", default="digits", help="dataset name (default: digits)")
    train.add_argument("--hidden", type=int, nargs="*", default=[64, 64], metavar="UNITS",
                       help="hidden layer sizes (default: 64 64)")
    train.add_argument("--activation", default="relu", help="hidden activation (default: relu)")
    train.add_argument("--init", default="he_normal", help="kernel initializer (default: he_normal)")
    train.add_argument("--optimizer", default="adam", help="optimizer (default: adam)")
    train.add_argument("--lr", type=float, default=1e-3, help="learning rate (default: 1e-3)")
    train.add_argument("--epochs", type=int, default=20, help="epochs (default: 20)")
    train.add_argument("--batch-size", type=int, default=128, help="batch size (default: 128)")
    train.add_argument("--dropout", type=float, default=0.0, help="dropout rate after each hidden layer")
    train.add_argument("--validation-split", type=float, default=0.1,
                       help="last fraction of the training data held out (default: 0.1)")
    train.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    train.add_argument("--out", default=None,
                       help="output folder (default: runs/DATASET, or runs/DATASET-2, -3, ... "
                            "when it holds a run)")
    train.add_argument("--overwrite", action="store_true",
                       help="replace the run in the output folder instead of refusing")
    train.add_argument("--quiet", action="store_true", help="no progress bars")
    train.add_argument("--health", action="store_true",
                       help="watch dead and saturated units, gradient norms and update ratios "
                            "per layer; warn, print a table, write health.png")
    train.add_argument("--tensorboard", default=None, metavar="DIR",
                       help="log loss, metrics and learning rate for TensorBoard in DIR")

    evaluate = command("evaluate", "Evaluate a saved model on a dataset's test split.", data=True)
    evaluate.add_argument("model", help="model file written by lucidnet train or save")
    evaluate.add_argument("dataset", help="dataset name")

    predict = command("predict", "Predict from a CSV or .npy file of samples (one per row).")
    predict.add_argument("model", help="model file")
    predict.add_argument("input", help="samples: .csv (numbers, optional header) or .npy")
    predict.add_argument("--output", default=None,
                         help="write predictions here (.csv, .json, or .npy for the raw outputs)")
    predict.add_argument("--proba", action="store_true",
                         help="add each class's probability (classification models)")
    predict.add_argument("--format", choices=("csv", "json"), default=None,
                         help="how to print them (default: csv; --output's extension decides)")

    summary = command("summary", "Print a saved model's layers and parameter counts.")
    summary.add_argument("model", help="model file")

    trace = command("trace", "Show one training step of a saved model through the chain rule.",
                    data=True)
    trace.add_argument("model", help="model file")
    trace.add_argument("dataset", help="dataset name: the batch is its first training samples")
    trace.add_argument("--batch", type=int, default=4, help="batch size (default: 4)")
    trace.add_argument("--loss", default=None,
                       help="loss name (default: the one lucidnet train uses for the dataset)")
    trace.add_argument("--width", type=int, default=100, help="columns of text (default: 100)")
    trace.add_argument("--html", default=None, metavar="PATH",
                       help="also write the trace as HTML with typeset formulas")

    export = command("export", "Write a saved model as ONNX, for onnxruntime, Netron or a browser.")
    export.add_argument("model", help="model file")
    export.add_argument("output", help="the .onnx file to write")
    export.add_argument("--opset", type=int, default=None, help="ONNX opset (default: 17)")

    gallery = command("activations", "Plot every activation and its derivative; print their facts.")
    gallery.add_argument("--out", default="activations", help="output folder (default: activations)")

    lab = command("lab", "Reproduce the lectures' claims and figures as an HTML report.", data=True)
    lab.add_argument("--quick", action="store_true", help="small versions: about 30 s on 2 cores")
    lab.add_argument("--out", default="lab-report", help="output folder (default: lab-report)")
    lab.add_argument("--only", action="append", default=None, metavar="SECTION",
                     help="run only this section (repeatable)")
    _engine_arguments(lab, "the seeds of a section")

    known = command("datasets", "List the datasets: where each is looked for, whether it is "
                    "there and intact; fetch one.", data=True)
    known.add_argument("--fetch", action="append", default=None, metavar="NAME",
                       help="download this dataset from its official source, checking its "
                            "pinned hashes (repeatable)")

    sweep = command("sweep", "Train every configuration of a grid or random search; "
                             "write the table, the best configuration and the curves.",
                    data=True)
    sweep.add_argument("config", help="the sweep as JSON (see the example below)")
    sweep.add_argument("--out", default=None, help="output folder (default: sweeps/CONFIG)")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")
    _engine_arguments(sweep, "the trials")
    return parser


def _engine_arguments(parser, what: str) -> None:
    parser.add_argument("--jobs", type=int, default=1,
                        help=f"run {what} in this many workers (default: 1, serial)")
    parser.add_argument("--engine", default=None, metavar="ENGINE",
                        help="joblib (local processes, the default), dask (a local "
                             "cluster) or dask://HOST:PORT (a running scheduler)")
    parser.add_argument("--blas-threads", type=int, default=None, metavar="N",
                        help="BLAS threads per run (default: cores // jobs; serial: all). "
                             "Results repeat bit for bit with the same N")


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    handler = globals()[f"_cmd_{args.command}"]
    if getattr(args, "data_dir", None):
        import os

        os.environ["LUCIDNET_DATA"] = os.path.abspath(os.path.expanduser(args.data_dir))
    try:
        handler(args)
    except KeyboardInterrupt:
        print("lucidnet: interrupted", file=sys.stderr)
        return 130
    except MemoryError as err:
        detail = f" ({err})" if str(err) else ""
        print(f"lucidnet {args.command}: error: out of memory{detail}; use a smaller model "
              "or less data", file=sys.stderr)
        return 2
    except (UsageError, ValueError, TypeError, FileNotFoundError, KeyError, OSError,
            ImportError) as err:
        from lucidnet._text import printable

        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        print(f"lucidnet {args.command}: error: {printable(str(message))}", file=sys.stderr)
        return 2
    return 0


# -- train ------------------------------------------------------------------------
def _cmd_train(args) -> None:
    import numpy

    from lucidnet import datasets, keras

    started = time.perf_counter()
    if args.epochs < 1:
        raise UsageError(f"--epochs must be at least 1, got {args.epochs}: nothing would be "
                         "trained")
    # raw features: the model scales them itself, and keeps that scaling in its file
    data = datasets.load(args.dataset, seed=args.seed, raw=True)
    out = _run_folder(args, data.name)
    model = _build_model(data, args)
    verbose = 0 if args.quiet else 1
    if not args.quiet:
        print(f"{data.name}: {data.description}")
        print(f"{len(data.x_train)} training samples, {len(data.x_test)} test samples, task {data.task}")
        model.summary()
    from lucidnet.keras.callbacks import TerminateOnNaN
    from lucidnet.training.progress import ProgbarLogger

    # the samples fit trains and validates on: N_train = ⌊N(1 − fraction)⌋, as fit's split
    n_train = math.floor(len(data.x_train) * (1.0 - args.validation_split))
    health = _health(data.x_train[:n_train], args.seed) if args.health else None
    guard = TerminateOnNaN()  # on by default: it names where the loss broke, said below
    board = [keras.callbacks.TensorBoard(log_dir=args.tensorboard)] if args.tensorboard else []
    # the bars readable at any width (training.progress), not the Keras facade's printer
    shown = [ProgbarLogger(verbose=verbose)] if verbose else []
    x_val, y_val = data.x_train[n_train:], data.y_train[n_train:]
    # regression: the best epoch's weights, or the start (the training mean), see below
    select = data.task == "regression" and len(x_val) > 0
    best = [keras.callbacks.EarlyStopping(patience=10, restore_best_weights=True,
                                          verbose=verbose)] if select else []
    start = (model.get_weights(), _squared_errors(model, x_val, y_val)) if select else None
    with numpy.errstate(over="ignore", invalid="ignore"):
        history = model.fit(
            data.x_train, data.y_train, epochs=args.epochs, batch_size=args.batch_size,
            validation_split=args.validation_split, verbose=0,
            callbacks=[*shown, guard] + ([health] if health else []) + best + board,
        )
    if guard.stopped_batch is not None:
        raise UsageError(f"the training loss became {guard.invalid_loss} at epoch "
                         f"{guard.stopped_epoch + 1}, batch {guard.stopped_batch} (from 0); "
                         f"nothing was saved: try a smaller learning rate than --lr {args.lr:g}")
    kept_the_mean = select and _keep_the_start_unless_better(model, *start, x_val, y_val)
    splits = {"train": (data.x_train[:n_train], data.y_train[:n_train])}
    if n_train < len(data.x_train):
        splits["validation"] = (x_val, y_val)
    splits["test"] = (data.x_test, data.y_test)
    results = {name: model.evaluate(x, y, verbose=0, return_dict=True) for name, (x, y) in splits.items()}
    _print_table(results)
    if data.task == "regression" and not kept_the_mean:
        _compare_with_the_mean(data, n_train, results["test"])

    from lucidnet._files import atomic_write

    for previous in ("history.json", "command.txt", "curves.png", "health.png"):
        (out / previous).unlink(missing_ok=True)  # never beside the new model, if killed
    model.save(out / "model.safetensors", metadata={"dataset": {
        "name": data.name, "task": data.task, "class_names": list(data.class_names)}})
    with atomic_write(out / "history.json", "w") as f:
        record = {"history": history.history, "results": results}
        if health is not None:
            record["health"] = history.health
        json.dump(record, f, indent=2)
    with atomic_write(out / "command.txt", "w") as f:
        f.write(_reproduce_command(args, out) + "\n")
    curves = _plot_history(history, out / "curves.png", data.name)
    if health is not None:
        print(health.report())
        if curves:
            _save_figure(health.plot(), out / "health.png")
    elapsed = time.perf_counter() - started
    saved = "model, history.json, curves.png and command.txt" if curves else (
        "model, history.json and command.txt (no curves.png: pip install lucidnet[plot])")
    print(f"saved {saved} in {out}/ ({elapsed:.1f} s)")
    if args.tensorboard:
        print(f"TensorBoard logs in {args.tensorboard}/: "
              f"tensorboard --logdir {shlex.quote(args.tensorboard)}")


def _run_folder(args, name: str) -> Path:
    """``--out``, or runs/NAME; a folder holding a run is kept: the default becomes the
    first free runs/NAME-2, -3, ..., an explicit --out is refused without --overwrite."""
    out = Path(args.out or Path("runs") / name)
    if args.overwrite or not out.exists() or not any(out.iterdir()):
        return out
    if args.out is not None:
        raise UsageError(f"{out} already holds files; pass --overwrite to replace them, or "
                         "choose another --out")
    n = 2
    while (out.parent / f"{out.name}-{n}").exists():
        n += 1
    return out.parent / f"{out.name}-{n}"


def _fit(args, verbose: int, callbacks=None):
    """Load ``args.dataset`` raw, build ``lucidnet train``'s model (its scaling inside)
    and fit it: (data, model, History)."""
    from lucidnet import datasets

    data = datasets.load(args.dataset, seed=args.seed, raw=True)  # as lucidnet train
    model = _build_model(data, args)
    history = model.fit(
        data.x_train, data.y_train, epochs=args.epochs, batch_size=args.batch_size,
        validation_split=args.validation_split, verbose=verbose, callbacks=callbacks,
    )
    return data, model, history


def _build_model(data, args):
    """The course's MLP for ``data``: the scaling of the raw features (a Normalization
    layer, saved with the model), hidden Dense layers, then the output layer and loss
    that the problem type calls for (lucidnet.training.last_layer). A regression model
    predicts standardized targets and its last layer turns them back into the targets'
    units, so it starts at the training mean and its steps are the same size whatever
    the units."""
    import numpy

    from lucidnet import keras, manual_seed
    from lucidnet.training.last_layer import output_for

    manual_seed(args.seed)
    activation, loss = output_for(data.task, data.y_train)
    model = keras.Sequential(name=data.name)
    model.add(keras.Input(shape=data.x_train.shape[1:]))
    if len(data.x_train.shape) > 2:
        model.add(keras.layers.Flatten(name="flatten"))
    if data.scaling is not None:
        mean, variance = data.scaling
        model.add(keras.layers.Normalization(axis=None if numpy.ndim(mean) == 0 else -1,
                                             mean=mean, variance=variance, name="scaling"))
    for i, units in enumerate(args.hidden, start=1):
        model.add(keras.layers.Dense(units, activation=args.activation,
                                     kernel_initializer=args.init, name=f"hidden_{i}"))
        if args.dropout:
            model.add(keras.layers.Dropout(args.dropout, name=f"dropout_{i}"))
    regression = data.task == "regression"
    # regression: a zero kernel makes the first prediction the training mean exactly
    model.add(keras.layers.Dense(data.output_units, activation=activation, name="output",
                                 kernel_initializer="zeros" if regression else "glorot_uniform"))
    if regression:
        n_train = math.floor(len(data.y_train) * (1.0 - args.validation_split))
        y = numpy.asarray(data.y_train[:n_train], dtype=numpy.float64)
        model.add(keras.layers.Normalization(mean=y.mean(axis=0), variance=y.var(axis=0),
                                             invert=True, name="target_units"))
    metrics = ["mae"] if data.task == "regression" else ["accuracy"]
    optimizer = keras.optimizers.get(args.optimizer, learning_rate=args.lr)
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
    return model


def _squared_errors(model, x, y):
    """Each sample's squared error, averaged over the targets: (N,), float64; their
    mean is the mean squared error."""
    import numpy

    y = numpy.asarray(y, dtype=numpy.float64).reshape(len(y), -1)
    predicted = numpy.asarray(model.predict(x, verbose=0), dtype=numpy.float64)
    return ((predicted.reshape(y.shape) - y) ** 2).mean(axis=1)


def _keep_the_start_unless_better(model, weights, start_errors, x_val, y_val) -> bool:
    """The one-standard-error rule (Hastie, Tibshirani & Friedman, ESL §7.10) between the
    untrained regression model, which predicts the training mean, and the trained one:
    keep the trained weights only when their validation error beats the start's by more
    than its standard error, SE = s / √n_val (s: the samples' squared errors' standard
    deviation; one sample has none, and cannot show an improvement). On a few validation
    samples an improvement of a few percent is noise (linnerud: 2 samples). Puts the
    start back and says so; True when it did."""
    errors = _squared_errors(model, x_val, y_val)
    se = errors.std(ddof=1) / math.sqrt(len(errors)) if len(errors) > 1 else math.inf
    if errors.mean() + se < start_errors.mean():
        return False
    model.set_weights(weights)
    print(f"note: the trained model's validation error ({errors.mean():.4g} ± {se:.3g}) is "
          f"not lower than the training mean's ({start_errors.mean():.4g}) by more than one "
          "standard error: the model keeps predicting the training mean")
    return True


def _compare_with_the_mean(data, n_train: int, test: dict) -> None:
    """Warn when the test error is no better than predicting the training targets' mean."""
    import numpy

    y_train, y_test = data.y_train[:n_train].astype("float64"), data.y_test.astype("float64")
    baseline = float(numpy.mean((y_test - y_train.mean(axis=0)) ** 2))
    if test["loss"] >= baseline:
        print(f"warning: the test error (mean squared error {test['loss']:.4g}) is no better "
              f"than predicting the training mean ({baseline:.4g}): try more --epochs, "
              "another --lr or more data", file=sys.stderr)


def _print_table(results: dict) -> None:
    names = sorted(next(iter(results.values())), key=lambda n: n != "loss")  # loss first
    header = f"{'':<12}" + "".join(f"{n:>14}" for n in names)
    print(header)
    print("-" * len(header))
    for split, values in results.items():
        print(f"{split:<12}" + "".join(f"{values[n]:>14.4f}" for n in names))


def _reproduce_command(args, out: Path) -> str:
    parts = ["lucidnet", "train", args.dataset, "--hidden", *map(str, args.hidden)]
    for flag in ("activation", "init", "optimizer", "lr", "epochs", "batch_size", "dropout",
                 "validation_split", "seed"):
        parts += [f"--{flag.replace('_', '-')}", str(getattr(args, flag))]
    parts += ["--out", str(out)] + (["--health"] if args.health else [])
    if args.tensorboard:
        parts += ["--tensorboard", args.tensorboard]
    return shlex.join(parts)


def _health(x_train, seed: int):
    """The Health callback, probing a sample of up to 2048 training rows."""
    import numpy

    from lucidnet.training import Health

    rows = numpy.random.default_rng(seed).permutation(x_train.shape[0])[:2048]
    return Health(x_train[numpy.sort(rows)])


def _save_figure(figure, path: Path) -> None:
    from lucidnet._files import atomic_write

    with atomic_write(path) as f:
        figure.savefig(f, format="png", dpi=100)


def _plot_history(history, path: Path, title: str) -> bool:
    """Write the training curves to ``path``; False when matplotlib (optional) is missing."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    figure = history.plot(title=title)
    try:
        _save_figure(figure, path)
    finally:
        plt.close(figure)  # History.plot made it with pyplot, which keeps it open
    return True


# -- evaluate, predict, summary ---------------------------------------------------
def _load_model(path):
    from lucidnet import keras

    if not Path(path).is_file():
        raise FileNotFoundError(f"no model file at {path}")
    return keras.models.load_model(path)


def _scales_its_inputs(model) -> bool:
    """Whether the model's first computing layer is a Normalization (raw rows go in)."""
    from lucidnet import keras

    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.Flatten)]
    return bool(layers) and isinstance(layers[0], keras.layers.Normalization)


def _cmd_evaluate(args) -> None:
    from lucidnet import datasets

    model = _load_model(args.model)
    data = datasets.load(args.dataset, raw=_scales_its_inputs(model))
    _print_table({"test": model.evaluate(data.x_test, data.y_test, verbose=0, return_dict=True)})


def _read_samples(path: str, n_features: int):
    """(x, what the CSV reader decided, None for .npy): the samples as float32 rows."""
    import numpy

    path, note = Path(path), None
    if not path.is_file():
        raise FileNotFoundError(f"no input file at {path}")
    if path.suffix == ".npy":  # mapped first: a header claiming 10¹⁰ rows fails at once
        try:
            x = numpy.array(numpy.load(path, mmap_mode="r", allow_pickle=False))
        except ValueError as err:
            raise UsageError(f"{path.name}: not a .npy file of numbers that lucidnet can "
                             f"read ({err})") from None
    elif path.suffix == ".csv":
        from lucidnet._text import printable
        from lucidnet.datasets.csvfile import read_csv

        table = read_csv(path)
        x = table.values
        row_one = "no header" if table.header is None else (
            "row 1 is a header (" + printable(", ".join(table.header))[:200] + ")")
        note = f"{printable(path.name)}: {len(x)} samples, {row_one}"
    else:
        raise UsageError(f"input must be a .csv or .npy file, got {path.name}")
    if x.ndim == 0:
        raise UsageError(f"{path.name}: expected samples, one per row, got a single number")
    if x.ndim == 1:  # one sample, or one feature per sample
        x = x.reshape(-1, 1) if n_features == 1 else x.reshape(1, -1)
    x = x.reshape(len(x), -1) if x.ndim > 2 else x
    if x.shape[1] != n_features:
        raise UsageError(f"{path.name}: the model expects {n_features} features per row, got {x.shape[1]}")
    return x.astype(numpy.float32), note


def _cmd_predict(args) -> None:
    import numpy

    from lucidnet import io
    from lucidnet.training import predictions

    output = None if args.output is None else Path(args.output)
    if output is not None and output.suffix not in (".csv", ".json", ".npy"):
        raise UsageError(f"--output must end in .csv, .json or .npy, got {output.name}")
    model = _load_model(args.model)
    n_features = int(numpy.prod(model._input_shape[1:]))
    x, note = _read_samples(args.input, n_features)
    x = x.reshape((len(x), *model._input_shape[1:]))
    y = model.predict(x, verbose=0)
    about = io.load_state(args.model).metadata.get("dataset")
    about = about if isinstance(about, dict) else {}
    names = about.get("class_names")
    names = [str(n) for n in names] if isinstance(names, list) else []
    task = about.get("task")
    if args.proba and task not in ("binary", "multiclass", "multilabel"):
        what = predictions.printable(str(task)) if task else "not recorded in its file"
        raise UsageError("--proba needs a classification model (one that lucidnet train "
                         f"made for a classification dataset); this one's task: {what}")
    if note:
        print(note, file=sys.stderr)  # stdout holds only the predictions
    header, rows = predictions.table(y, task, names, proba=args.proba)
    form = output.suffix[1:] if output is not None else (args.format or "csv")
    text = predictions.to_json(header, rows) if form == "json" else predictions.to_csv(header, rows)
    if output is None:
        sys.stdout.write(text)
        return
    from lucidnet._files import atomic_write

    with atomic_write(output, "wb" if form == "npy" else "w") as f:
        if form == "npy":
            numpy.save(f, y)
        else:
            f.write(text)
    print(f"wrote {len(y)} predictions to {output}")


def _cmd_summary(args) -> None:
    _load_model(args.model).summary()


def _cmd_trace(args) -> None:
    from lucidnet import datasets
    from lucidnet.tracing import trace
    from lucidnet.training.last_layer import output_for

    if args.batch < 1 or args.width < 40:
        raise UsageError(f"--batch must be ≥ 1 and --width ≥ 40, got {args.batch} and {args.width}")
    model = _load_model(args.model)
    data = datasets.load(args.dataset, raw=_scales_its_inputs(model))
    loss = args.loss or output_for(data.task, data.y_train).loss
    steps = trace(model, data.x_train[:args.batch], data.y_train[:args.batch], loss)
    print(steps.to_text(args.width))
    if args.html:
        from lucidnet._files import atomic_write

        with atomic_write(args.html) as f:
            f.write(steps.to_html().encode("utf-8"))
        print(f"wrote {args.html}")


def _cmd_export(args) -> None:
    from lucidnet import io, keras, onnx

    if not Path(args.model).is_file():
        raise FileNotFoundError(f"no model file at {args.model}")
    model = io.load(args.model)
    opset = {} if args.opset is None else {"opset": args.opset}
    if isinstance(model, keras.Model):
        model.export(args.output, verbose=False, **opset)
    else:
        onnx.export(model, args.output, **opset)
    print(f"wrote {args.output} (ONNX opset {args.opset or onnx.DEFAULT_OPSET}, float32)")


# -- activations and lab ----------------------------------------------------------
def _cmd_activations(args) -> None:
    from lucidnet import plotting

    paths = plotting.activation_gallery(args.out)
    print(plotting.facts_table())
    print(f"wrote {len(paths)} figures to {args.out}/")


def _cmd_datasets(args) -> None:
    from lucidnet.datasets import data_home, sources

    for name in args.fetch or []:
        print(f"{name}: fetched into {sources.fetch(name)}")
    print(f"data home: {data_home()} (--data-dir or $LUCIDNET_DATA to change it)")
    rows = sources.listing()
    width = max(len(row["name"]) for row in rows)
    print(f"{'dataset':<{width}}  present  checksum  folder")
    for row in rows:
        print(f"{row['name']:<{width}}  {row['present']:>7}  {row['checksum']:<8}  {row['folder']}")
    print("fetch with --fetch NAME: " + ", ".join(r["name"] for r in rows if r["fetch"] == "yes"))
    for row in rows:
        if row["fetch"] != "yes":
            print(f"{row['name']}: {row['fetch']}; put them in its folder above")
    print("The embedded sets (digits, iris, ...) need no files.")


def _cmd_lab(args) -> None:
    from lucidnet import lab

    report = lab.run(out=args.out, quick=args.quick, only=args.only, engine=args.engine,
                     jobs=args.jobs, blas_threads=args.blas_threads)
    print(f"report: {report}")


# -- sweep ------------------------------------------------------------------------
SWEEP_KEYS = ("train", "space", "seeds", "search", "trials", "metric", "mode", "pruner", "seed")
FIXED = ("command", "seed", "out", "quiet", "overwrite", "health", "data_dir")  # set by the sweep


def train_spec(config: dict, callbacks=None):
    """A sweep's training function for ``lucidnet train``'s flags: ``config`` maps flag
    names (``dataset``, ``hidden``, ``activation``, ``lr``, ``epochs``, ..., ``seed``)
    to values; the model is the one ``lucidnet train`` builds. Returns the History."""
    return _fit(_train_args(config), verbose=0, callbacks=callbacks)[2]


def _train_args(config: dict) -> argparse.Namespace:
    """``lucidnet train``'s arguments with ``config``'s flags set, each checked."""
    args = _parser().parse_args(["train"])
    for key, value in config.items():
        if key != "seed" and (key in FIXED or not hasattr(args, key)):
            flags = sorted(k for k in vars(args) if k not in FIXED)
            raise UsageError(f"{key!r} is not a flag of lucidnet train that a sweep sets; "
                             f"the flags are {flags}")
        setattr(args, key, _as_type_of(getattr(args, key), value, key))
    return args


def _as_type_of(default, value, key: str):
    """``value`` (from JSON) as the type of the flag's ``default``; a clear error else."""
    kind = type(default)
    ok = (isinstance(value, list) and all(type(v) is int for v in value) if kind is list
          else isinstance(value, (int, float)) and not isinstance(value, bool) if kind is float
          else type(value) is int if kind is int else isinstance(value, kind))
    if not ok:
        wanted = {list: "a list of integers", float: "a number", int: "an integer"}
        raise UsageError(f"{key}: expected {wanted.get(kind, kind.__name__)}, got {value!r}")
    return float(value) if kind is float else value


def _read_sweep(path: Path) -> dict:
    if not path.is_file():
        raise FileNotFoundError(f"no sweep configuration at {path}")
    try:
        config = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise UsageError(f"{path.name} is not valid JSON: {err}") from None
    if not isinstance(config, dict) or "space" not in config:
        raise UsageError(f"{path.name}: expected an object with a \"space\", got "
                         f"{type(config).__name__}")
    unknown = sorted(set(config) - set(SWEEP_KEYS))
    if unknown:
        raise UsageError(f"{path.name}: unknown keys {unknown}; the keys are {list(SWEEP_KEYS)}")
    if not isinstance(config.get("train", {}), dict):
        raise UsageError(f"{path.name}: \"train\" must map flags to values")
    return config


def _cmd_sweep(args) -> None:
    import functools

    from lucidnet import sweep

    path = Path(args.config)
    config = _read_sweep(path)
    fixed = config.get("train", {})
    _train_args({**fixed, **{k: v[0] for k, v in config["space"].items()
                             if isinstance(v, list) and v}})  # checks every flag
    result = sweep.run(
        functools.partial(_train_fixed, fixed), config["space"],
        search=config.get("search", "grid"), trials=config.get("trials"),
        seeds=config.get("seeds", [0]), metric=config.get("metric", "val_loss"),
        mode=config.get("mode", "auto"), pruner=config.get("pruner"),
        seed=config.get("seed", 0), engine=args.engine, jobs=args.jobs,
        blas_threads=args.blas_threads, progress=not args.quiet)
    out = Path(args.out or Path("sweeps") / path.stem)
    written = result.save(out)
    failed = [t for t in result.trials if t.status == "failed"]
    for t in failed[:3]:
        print(f"trial {t.number} failed: {_escape(t.error)}", file=sys.stderr)
    best = result.best
    print(f"{len(result.trials)} trials ({len(failed)} failed); best {result.metric}: "
          f"{best['score']:.4f} ± {best['std']:.4f} over seeds {best['seeds']} with "
          f"{json.dumps(best['params'])}")
    print(f"wrote {', '.join(p.name for p in written)} to {out}/")


def _train_fixed(fixed: dict, config: dict, callbacks):
    """train_spec with the sweep's fixed flags under the trial's configuration."""
    return train_spec({**fixed, **config}, callbacks)


def _escape(text: str) -> str:
    """A stranger's text safe for a terminal: control characters as escapes."""
    return text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text


if __name__ == "__main__":
    sys.exit(main())
