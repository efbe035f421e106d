"""Callbacks that watch a logged quantity (``monitor``) and act when it stops improving:
EarlyStopping, ModelCheckpoint (best only), ReduceLROnPlateau.

Whether "improving" means down or up is ``mode``: 'min', 'max', or 'auto', which asks
the metric (losses go down, accuracy up, mae down; see :func:`monitor_mode`).
"""

from __future__ import annotations

import os
import warnings

from lucidnet import backend, io
from lucidnet.training import metrics as metrics_module
from lucidnet.training.callbacks import Callback, echo, module_of


def monitor_mode(monitor: str, mode: str, engine, owner: str) -> str:
    """'min' or 'max' for ``monitor`` under ``mode`` ('auto' asks the metric).

    Losses go down; a metric says its direction (accuracy up, mae down); names the
    engine does not know are refused, as Keras's EarlyStopping does.
    """
    if mode in ("min", "max"):
        return mode
    if mode != "auto":
        raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    name = monitor.removeprefix("val_")
    if name == "loss" or name.endswith("_loss"):
        return "min"
    lookup = getattr(engine, "metric_direction", None)
    direction = (lookup(name) if lookup else None) or metrics_module.direction(name)
    if direction is None:
        raise ValueError(
            f"{owner} cannot tell whether {monitor!r} should go up or down; "
            "pass mode='max' or mode='min'"
        )
    return "max" if direction == "up" else "min"


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for
    ``patience`` epochs (Keras's rules).

    An epoch improves when it beats the best so far by more than ``min_delta``
    (``current < best − min_delta`` for a loss). Epochs before ``start_from_epoch``
    are ignored (warm-up). ``restore_best_weights``: at the end, put back the weights
    of the best epoch (even when training was not stopped early).
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0,
                 verbose: int = 0, mode: str = "auto", baseline: float | None = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0):
        super().__init__()
        self.monitor, self.min_delta, self.patience = monitor, abs(min_delta), patience
        self.verbose, self.mode, self.baseline = verbose, mode, baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best, self.best_weights = None, None
        self.direction = None

    def _improves(self, current, reference) -> bool:
        if reference is None:
            return True
        if self.direction == "min":
            return current + self.min_delta < reference
        return current - self.min_delta > reference

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"EarlyStopping: {self.monitor!r} is not in the logs "
                          f"(available: {', '.join(logs or {})})", stacklevel=2)
            return
        if epoch < self.start_from_epoch:
            return
        if self.direction is None:
            self.direction = monitor_mode(self.monitor, self.mode, self.model, "EarlyStopping")
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self._improves(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._improves(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            echo(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                echo("Restoring model weights from the end of the best epoch: "
                     f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(Callback):
    """Save the model and its optimizer at the end of epochs, through :func:`lucidnet.io.save`
    (an atomic write: a crash never leaves half a file), or the engine's own ``save``
    when it has one (the Keras Model, which keeps its compile settings too).

    ``filepath`` may hold fields of the epoch's logs, ``'ckpt-{epoch:02d}-{val_loss:.2f}'``
    (epoch counted from 1; ``{batch}`` too with an integer ``save_freq``).
    The name must end in ``.keras`` or ``.safetensors`` (checked here, as Keras 3 does).
    ``save_best_only``: save only when ``monitor`` improves on the best value so far
    (strictly). ``save_weights_only``: the weights alone (:func:`lucidnet.io.save_weights`;
    the name must end in ``.weights.h5``, as Keras 3 demands). ``save_freq``: 'epoch', or
    every that many training batches (with the batch's running logs). The file's metadata
    records 'epoch' (the next ``initial_epoch``), the logs, the engine's shuffle 'seed'
    and 'rng_state', the state of the generator that draws Dropout's masks. Resuming bit
    for bit::

        saved = lucidnet.io.load_state(path).metadata
        model = lucidnet.io.load(path, optimizer=optimizer)   # (building draws weights)
        lucidnet.set_rng_state(saved["rng_state"])
        Trainer(model, loss, optimizer, seed=saved["seed"]).fit(
            x, y, epochs=total, initial_epoch=saved["epoch"])
    """

    def __init__(self, filepath, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False,
                 mode: str = "auto", save_freq="epoch",
                 initial_value_threshold: float | None = None):
        super().__init__()
        self.filepath, self.monitor, self.verbose = os.fspath(filepath), monitor, verbose
        self.save_best_only, self.mode = save_best_only, mode
        self.save_weights_only = save_weights_only
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int)
                                     or save_freq <= 0):
            raise ValueError(f"ModelCheckpoint save_freq must be 'epoch' or a positive number "
                             f"of batches, got {save_freq!r}")
        if save_weights_only:  # Keras 3 checks the name here, not at the first save
            io.check_weights_name(self.filepath)
        else:
            io.check_model_name(self.filepath, "ModelCheckpoint (save_weights_only=True "
                                "takes '.weights.h5')")
        self.save_freq = save_freq
        self.initial_value_threshold = initial_value_threshold

    def on_train_begin(self, logs=None):
        self.best, self.direction = self.initial_value_threshold, None
        self._batches, self._epoch = 0, 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches += 1
        if self._batches % self.save_freq == 0:
            self._checkpoint(self._epoch, logs or {}, batch=batch + 1)

    def _path(self, epoch: int, logs: dict, **fields) -> str:
        try:
            return self.filepath.format(epoch=epoch + 1, **fields, **logs)
        except (KeyError, IndexError, ValueError) as err:
            raise KeyError(f"ModelCheckpoint cannot fill filepath {self.filepath!r}: {err!r} "
                           f"(available: epoch, {', '.join(logs)})") from None

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._checkpoint(epoch, logs or {})

    def _checkpoint(self, epoch: int, logs: dict, **fields) -> None:
        path = self._path(epoch, logs, **fields)
        if not self.save_best_only:
            self._save(path, epoch, logs)
            return
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"ModelCheckpoint: can save best model only with {self.monitor!r} "
                          f"in the logs, skipping (available: {', '.join(logs)})", stacklevel=2)
            return
        if self.direction is None:
            self.direction = monitor_mode(self.monitor, self.mode, self.model, "ModelCheckpoint")
        if self.best is None:
            better = True
        else:
            better = current < self.best if self.direction == "min" else current > self.best
        if better:
            if self.verbose > 0:
                previous = "none" if self.best is None else f"{self.best:.5f}"
                echo(f"Epoch {epoch + 1}: {self.monitor} improved from {previous} to "
                     f"{current:.5f}, saving model to {path}")
            self.best = current
            self._save(path, epoch, logs)
        elif self.verbose > 0:
            echo(f"Epoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")

    def _save(self, path: str, epoch: int, logs: dict) -> None:
        metadata = {"epoch": epoch + 1, "logs": {k: float(v) for k, v in logs.items()}}
        seed = getattr(self.model, "seed", None)
        if seed is not None:
            metadata["seed"] = seed
        metadata["rng_state"] = backend.get_rng_state()  # Dropout's masks, for resuming
        if self.save_weights_only:
            io.save_weights(module_of(self.model), path, metadata=metadata)
        elif callable(getattr(self.model, "save", None)):
            self.model.save(path, metadata=metadata)  # the Keras Model: compile settings too
        else:
            io.save(module_of(self.model), path, optimizer=self.model.optimizer, metadata=metadata)


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` has not improved by
    more than ``min_delta`` for ``patience`` epochs; then wait ``cooldown`` epochs;
    never below ``min_lr``. Logs the rate as 'learning_rate'."""

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: str = "auto", min_delta: float = 1e-4,
                 cooldown: int = 0, min_lr: float = 0.0):
        super().__init__()
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau factor must be < 1, got {factor}")
        self.monitor, self.factor, self.patience, self.verbose = monitor, factor, patience, verbose
        self.mode, self.min_delta, self.cooldown, self.min_lr = mode, min_delta, cooldown, min_lr

    def on_train_begin(self, logs=None):
        self.wait, self.cooldown_counter, self.best, self.direction = 0, 0, None, None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        optimizer = self.model.optimizer
        logs["learning_rate"] = float(optimizer.lr)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"ReduceLROnPlateau: {self.monitor!r} is not in the logs "
                          f"(available: {', '.join(logs)})", stacklevel=2)
            return
        if self.direction is None:
            self.direction = monitor_mode(self.monitor, self.mode, self.model, "ReduceLROnPlateau")
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.best is None or (current < self.best - self.min_delta if self.direction == "min"
                                 else current > self.best + self.min_delta):
            self.best, self.wait = current, 0
        elif self.cooldown_counter == 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = float(optimizer.lr)
                if old > self.min_lr:
                    new = max(old * self.factor, self.min_lr)
                    optimizer.lr = new
                    if self.verbose > 0:
                        echo(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                             f"to {new}.")
                    self.cooldown_counter, self.wait = self.cooldown, 0
