"""Callbacks: code that runs at fixed points of ``fit`` (Keras's hooks and classes).

A callback overrides the hooks it needs: ``on_train_begin/end(logs)``,
``on_epoch_begin/end(epoch, logs)``, ``on_train_batch_begin/end(batch, logs)`` (and
the ``on_test_*``/``on_predict_*`` twins run by evaluate and predict). ``epoch``
counts from 0; ``logs`` maps the logged names ('loss', 'accuracy', 'val_loss',
'head_loss', ...) to floats: running means over the epoch at batch ends, the epoch's
values at its end.

``self.model`` is the training engine (a :class:`~lucidnet.training.Trainer`, or the
Keras facade's Model) with:

- ``model``: the Module being trained (or the engine is itself that Module);
- ``optimizer``: its optimizer (learning rate in ``param_groups[i]['lr']``);
- ``stop_training``: set it to True to end ``fit`` after the current batch;
- ``get_weights()`` / ``set_weights(weights)``: every parameter and buffer as arrays.
"""

from __future__ import annotations

import csv
import inspect
import math
import numbers
import os
import threading

from lucidnet import backend
from lucidnet.nn.module import Module


_notes = threading.local()


def echo(message: str) -> None:
    """Print a line on stdout; while this thread's progress bar is open, keep it until
    the bar closes, so that a note never lands inside a bar."""
    held = getattr(_notes, "held", None)
    if held is None:
        print(message, flush=True)
    else:
        held.append(message)


def hold_notes() -> None:
    """From now on, :func:`echo` keeps this thread's lines (a progress bar opened)."""
    release_notes()  # a bar left open by an exception must not swallow them
    _notes.held = []


def release_notes() -> None:
    """Print the lines :func:`echo` kept, and print the next ones at once."""
    held, _notes.held = getattr(_notes, "held", None) or [], None
    for message in held:
        print(message, flush=True)


def module_of(engine) -> Module:
    """The Module an engine trains (the engine itself when it is one)."""
    return engine if isinstance(engine, Module) else engine.model


class Callback:
    """Base class: every hook does nothing. ``self.model`` is the engine (see module),
    ``self.params`` the fit parameters ('epochs', 'steps', 'verbose')."""

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def on_train_begin(self, logs=None): ...

    def on_train_end(self, logs=None): ...

    def on_epoch_begin(self, epoch, logs=None): ...

    def on_epoch_end(self, epoch, logs=None): ...

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)

    def on_batch_begin(self, batch, logs=None):
        """Keras 2's name for ``on_train_batch_begin``."""

    def on_batch_end(self, batch, logs=None):
        """Keras 2's name for ``on_train_batch_end``."""

    def on_test_begin(self, logs=None): ...

    def on_test_end(self, logs=None): ...

    def on_test_batch_begin(self, batch, logs=None): ...

    def on_test_batch_end(self, batch, logs=None): ...

    def on_predict_begin(self, logs=None): ...

    def on_predict_end(self, logs=None): ...

    def on_predict_batch_begin(self, batch, logs=None): ...

    def on_predict_batch_end(self, batch, logs=None): ...


_BATCH_HOOKS = {
    "on_train_batch_begin": ("on_train_batch_begin", "on_batch_begin"),
    "on_train_batch_end": ("on_train_batch_end", "on_batch_end"),
    "on_test_batch_begin": ("on_test_batch_begin",),
    "on_test_batch_end": ("on_test_batch_end",),
    "on_predict_batch_begin": ("on_predict_batch_begin",),
    "on_predict_batch_end": ("on_predict_batch_end",),
}


def _overrides(callback, names) -> bool:
    return any(getattr(type(callback), n) is not getattr(Callback, n) for n in names)


class CallbackList:
    """Several callbacks called in order; batch hooks reach only the callbacks that
    define them, so an idle hook costs nothing per batch.

    ``progbar`` (a progress callback) goes first, unless one of its class is there
    already (it closes its line before other callbacks print at epoch end);
    ``add_history`` puts a :class:`History` last (it records what the others added to
    the logs, such as 'learning_rate').
    """

    def __init__(self, callbacks=None, add_history: bool = False, progbar=None,
                 model=None, **params):
        self.callbacks = list(callbacks or [])
        if progbar is not None and not any(isinstance(c, type(progbar)) for c in self.callbacks):
            self.callbacks.insert(0, progbar)
        self.history = next((c for c in self.callbacks if isinstance(c, History)), None)
        if add_history and self.history is None:
            self.history = History()
            self.callbacks.append(self.history)
        self._batch = {hook: [c for c in self.callbacks if _overrides(c, names)]
                       for hook, names in _BATCH_HOOKS.items()}
        if model is not None:
            self.set_model(model)
        self.set_params(params)

    @property
    def wants_train_batch_logs(self) -> bool:
        """Whether any callback reads the logs at the end of a training batch."""
        return bool(self._batch["on_train_batch_end"])

    def set_model(self, model) -> None:
        for c in self.callbacks:
            c.set_model(model)

    def set_params(self, params: dict) -> None:
        for c in self.callbacks:
            c.set_params(params)

    def _each(self, hook: str, *args) -> None:
        """Call ``hook`` on every callback; absent logs arrive as {} (as Keras passes)."""
        *head, logs = args
        logs = {} if logs is None else logs
        for c in self.callbacks:
            getattr(c, hook)(*head, logs)

    def _batch_hook(self, hook: str, batch: int, logs) -> None:
        logs = {} if logs is None else logs
        for c in self._batch[hook]:
            getattr(c, hook)(batch, logs)

    def on_train_begin(self, logs=None):
        self._each("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._each("on_train_end", logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._each("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._each("on_epoch_end", epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._batch_hook("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._batch_hook("on_train_batch_end", batch, logs)

    def on_test_begin(self, logs=None):
        self._each("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._each("on_test_end", logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._batch_hook("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._batch_hook("on_test_batch_end", batch, logs)

    def on_predict_begin(self, logs=None):
        self._each("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._each("on_predict_end", logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._batch_hook("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._batch_hook("on_predict_batch_end", batch, logs)


class History(Callback):
    """Records the logs of every epoch: ``history['loss'][e]``, ``history['val_accuracy']``...

    ``epoch`` lists the epoch indices recorded (from ``initial_epoch`` on); ``health``
    the table of a :class:`~lucidnet.training.health.Health` callback that ran (else None).
    """

    def __init__(self):
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.health: list[dict] | None = None

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        self.model.history = self

    def plot(self, metrics=None, title: str | None = None):
        """One panel per quantity (loss first, then each metric), training and
        validation against the epoch; returns the matplotlib Figure.

        ``metrics`` picks the quantities (names without 'val_'); by default all.
        """
        import matplotlib.pyplot as plt

        names = metrics or [k for k in self.history if not k.startswith("val_")]
        names = sorted(names, key=lambda k: (k != "loss", not k.endswith("loss")))
        if not names:
            raise ValueError("History.plot: nothing recorded yet (fit has not run an epoch)")
        fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 3.4), squeeze=False)
        epochs = [e + 1 for e in self.epoch]
        for ax, name in zip(axes[0], names):
            ax.plot(epochs, self.history[name], "o-", ms=3, label="training")
            if f"val_{name}" in self.history:
                ax.plot(epochs, self.history[f"val_{name}"], "o-", ms=3, label="validation")
            ax.set_xlabel("epoch")
            ax.set_title(name)
            ax.grid(alpha=0.3)
            ax.legend()
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        return fig


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch to ``schedule(epoch, lr)``
    (or ``schedule(epoch)``), epoch counted from 0; logs it as 'learning_rate'."""

    def __init__(self, schedule, verbose: int = 0):
        super().__init__()
        self.schedule, self.verbose = schedule, verbose
        params = inspect.signature(schedule).parameters.values()
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        self._takes_lr = len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in params)

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        lr = self.schedule(epoch, float(optimizer.lr)) if self._takes_lr else self.schedule(epoch)
        if not isinstance(lr, numbers.Real) or isinstance(lr, bool) or not math.isfinite(lr):
            raise ValueError(f"LearningRateScheduler: schedule({epoch}) must return a finite "
                             f"number, got {lr!r}")
        optimizer.lr = float(lr)
        if self.verbose > 0:
            echo(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {float(lr)}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.lr)


class TerminateOnNaN(Callback):
    """Stop at the first NaN or infinite loss and keep the last good weights.

    Before every batch the parameters and buffers are copied (two alternating
    snapshots); at a non-finite loss the snapshot from before that batch is put back,
    or the one from a batch earlier when that snapshot already holds a NaN or an
    infinity (an infinite gradient at the previous step). Keras stops too but keeps
    the weights the bad step made. The optimizer's state (moments) is not restored.
    ``stopped_epoch`` and ``stopped_batch`` (from 0) and ``invalid_loss`` say where.
    """

    def on_train_begin(self, logs=None):
        self._snapshots = [None, None]
        self.stopped_epoch = self.stopped_batch = self.invalid_loss = None
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def _state(self) -> list:
        module = module_of(self.model)
        arrays = [p.data for p in module.parameters()]
        arrays += [b for _, b in module.named_buffers() if hasattr(b, "shape")]
        return arrays

    def on_train_batch_begin(self, batch, logs=None):
        arrays = self._state()
        self._snapshots.reverse()
        snapshot = self._snapshots[0]
        if snapshot is None or [s.shape for s in snapshot] != [a.shape for a in arrays]:
            self._snapshots[0] = [a.copy() for a in arrays]
        else:
            for s, a in zip(snapshot, arrays):
                s[...] = a

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(loss):
            return
        xp = backend.xp
        good = next((s for s in self._snapshots
                     if s is not None and all(bool(xp.isfinite(a).all()) for a in s)), None)
        if good is not None:
            for a, s in zip(self._state(), good):
                a[...] = s
        self.stopped_epoch, self.stopped_batch, self.invalid_loss = self._epoch, batch, loss
        self.model.stop_training = True
        echo(f"Epoch {self._epoch + 1}, batch {batch}: invalid loss {loss}, terminating training"
             + ("; weights restored from before the failing step" if good is not None else ""))


class CSVLogger(Callback):
    """Append one row per epoch to a CSV file: 'epoch' (from 0), then the logs' keys
    in alphabetical order (Keras's layout). ``append`` keeps an existing file and
    writes the header only into an empty one. Rows are flushed as they come."""

    def __init__(self, filename, separator: str = ",", append: bool = False):
        super().__init__()
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self.keys, self._file, self._writer = None, None, None

    def on_train_begin(self, logs=None):
        exists = os.path.exists(self.filename)
        self._write_header = not (self.append and exists and os.path.getsize(self.filename) > 0)
        self._file = open(self.filename, "a" if self.append else "w", newline="", encoding="utf-8")
        self.keys, self._writer = None, None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            self._writer = csv.DictWriter(self._file, fieldnames=["epoch", *self.keys],
                                          delimiter=self.sep)
            if self._write_header:
                self._writer.writeheader()
        self._writer.writerow({"epoch": epoch, **{k: logs.get(k, "NA") for k in self.keys}})
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
            self._file, self._writer = None, None

