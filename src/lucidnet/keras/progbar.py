"""What Keras 3 prints while it fits, evaluates and predicts: :class:`Progbar` and the
:class:`ProgbarLogger` callback the Keras facade's ``fit`` uses (stdout, Keras's format).

``verbose=1``: an ``Epoch 1/20`` line (when there are several epochs), then one bar
redrawn in place (backspaces and a carriage return, ANSI bold and colours, as Keras
writes them on every POSIX system, terminal or not)::

    16/16 ━━━━━━━━━━━━━━━━━━━━ 1s 30ms/step - accuracy: 0.8000 - loss: 0.4000

``verbose=2``: one line per epoch at its end, ``16/16 - 1s - 30ms/step - loss: 0.4000``.
While an epoch runs the bar shows each logged value averaged over the steps so far
(weighted by steps); at the end it shows the epoch's values, validation included.
The time per step leaves out the first step (compilation, caches) once there are two.
"""

from __future__ import annotations

import math
import os
import sys
import time

from lucidnet.training.callbacks import Callback

_BOLD, _GREEN, _GREY, _RESET = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _duration(seconds: float) -> str:
    """An ETA as Keras writes it: '5s', '2:05' or '1:02:05'."""
    s = int(seconds)
    if seconds > 3600:
        return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
    if seconds > 60:
        return f"{s // 60}:{s % 60:02d}"
    return f"{s}s"


def _per_unit(seconds: float, unit: str) -> str:
    """' 30ms/step': seconds, milliseconds or microseconds, rounded."""
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f" {seconds * 1e3:.0f}ms/{unit}"
    return f" {seconds * 1e6:.0f}us/{unit}"


class Progbar:
    """A progress bar of ``target`` steps (None when unknown), Keras's
    ``keras.utils.Progbar``: ``update(current, values)`` with ``values`` a list of
    (name, value); names in ``stateful_metrics`` are shown as given, the others
    averaged over the steps so far. ``interval``: least seconds between redraws."""

    def __init__(self, target, width: int = 20, verbose: int = 1, interval: float = 0.05,
                 stateful_metrics=None, unit_name: str = "step"):
        self.target, self.width, self.verbose = target, width, verbose
        self.interval, self.unit_name = interval, unit_name
        self.stateful_metrics = set(stateful_metrics or ())
        # Keras redraws in place on every POSIX system and in notebooks
        self._dynamic = (sys.stdout.isatty() if hasattr(sys.stdout, "isatty") else False) \
            or os.name == "posix" or "ipykernel" in sys.modules
        self._sums: dict[str, list] = {}  # name → [Σ value·steps, Σ steps]
        self._seen = 0
        self._start = time.time()
        self._last_update = 0.0
        self._after_first = None
        self._width_drawn = 0

    def add(self, n: int, values=None) -> None:
        self.update(self._seen + n, values)

    def update(self, current: int, values=None, finalize=None) -> None:
        """Record ``values`` at step ``current`` and redraw (at most every ``interval``
        seconds, and always when ``finalize``, by default when ``current >= target``)."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or ():
            if finalize or name in self.stateful_metrics:
                self._sums[name] = [value, 1]
            else:
                steps = max(current - self._seen, 1)
                total = self._sums.setdefault(name, [0.0, 0])
                total[0] += value * steps
                total[1] += steps
        self._seen = current
        now = time.time()
        per_step = self._step_seconds(current, now)
        if self.verbose == 1 and (finalize or now - self._last_update >= self.interval):
            self._draw(current, now, per_step, finalize)
            self._last_update = now
        elif self.verbose == 2 and finalize and self.target:
            digits = int(math.log10(self.target)) + 1
            line = (f"{current:{digits}d}/{self.target} - {now - self._start:.0f}s -"
                    f"{_per_unit(per_step, self.unit_name)}")
            _write(line + self._values(two=True) + "\n")

    def _draw(self, current, now, per_step, finalize) -> None:
        out = ("\b" * self._width_drawn + "\r") if self._dynamic else "\n"
        hidden = 0  # characters of ANSI codes, which take no column
        if self.target:
            digits = int(math.log10(self.target)) + 1
            bar = f"{_BOLD}{current:{digits}d}/{self.target}{_RESET} "
            done = int(self.width * current / self.target)
            hidden += 8
            if done > 0:
                bar += f"{_GREEN}{'━' * done}{_RESET}"
                hidden += 9
            bar += f"{_GREY}{'━' * (self.width - done)}{_RESET}"
            hidden += 9
        else:
            bar = f"{current:7d}/Unknown"
        if self.target and not finalize:
            clock = _duration(per_step * (self.target - current))
        else:
            clock = f"{now - self._start:.0f}s"
        info = f" {_BOLD}{clock}{_RESET}" + _per_unit(per_step, self.unit_name) + self._values()
        hidden += 8
        width = len(bar) + len(info) - hidden
        out += bar + info + " " * max(self._width_drawn - width, 0)
        _write(out + ("\n" if finalize else ""))
        self._width_drawn = width

    def _values(self, two: bool = False) -> str:
        """' - loss: 0.6931 - accuracy: 0.5000': 4 decimals, small values as 1.0000e-04
        (at verbose 2 Keras tests the value, not its magnitude, against 1e-3)."""
        parts = []
        for name, (total, steps) in self._sums.items():
            mean = total / max(1, steps)
            small = (mean <= 1e-3) if two else (abs(mean) <= 1e-3)
            parts.append(f" - {name}: {mean:.4e}" if small else f" - {name}: {mean:.4f}")
        return "".join(parts)

    def _step_seconds(self, current: int, now: float) -> float:
        """Seconds per step, leaving the first step out once two are done."""
        if not current:
            return 0.0
        if self._after_first is not None and current > 1:
            seconds = (now - self._after_first) / (current - 1)
        else:
            seconds = (now - self._start) / current
        if current == 1:
            self._after_first = now
        return seconds


class ProgbarLogger(Callback):
    """The progress of fit, evaluate and predict as Keras 3 prints it (see the module
    docstring); ``params['verbose']`` picks the level. Validation inside fit is silent."""

    def __init__(self):
        super().__init__()
        self.progbar, self.seen, self._in_fit = None, 0, False

    @property
    def verbose(self) -> int:
        return self.params.get("verbose", 1)

    def _open(self) -> None:
        self.progbar, self.seen = Progbar(self.params.get("steps"), verbose=self.verbose), 0

    def _update(self, batch, logs) -> None:
        if self.progbar is None:
            self._open()
        self.seen = batch + 1
        if self.verbose == 1:
            self.progbar.update(self.seen, list((logs or {}).items()), finalize=False)

    def _finish(self, logs) -> None:
        if self.progbar is None:
            self._open()
        if self.progbar.target is None:
            self.progbar.target = self.seen
        self.progbar.update(self.progbar.target, list((logs or {}).items()), finalize=True)

    def on_train_begin(self, logs=None):
        self._in_fit = True

    def on_epoch_begin(self, epoch, logs=None):
        self._open()
        epochs = self.params.get("epochs", 1)
        if self.verbose and epochs > 1:
            _write(f"Epoch {epoch + 1}/{epochs}\n")

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._finish(logs)

    def on_train_end(self, logs=None):
        self._in_fit = False

    def on_test_begin(self, logs=None):
        if not self._in_fit:
            self._open()

    def on_test_batch_end(self, batch, logs=None):
        if not self._in_fit:
            self._update(batch, logs)

    def on_test_end(self, logs=None):
        if not self._in_fit:
            self._finish(logs)

    def on_predict_begin(self, logs=None):
        self._open()

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch, None)

    def on_predict_end(self, logs=None):
        self._finish(None)
