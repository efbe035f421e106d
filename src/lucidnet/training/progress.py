"""The progress display of fit, evaluate and predict, on tqdm, readable at any width.

Keras's verbose levels: 0 silent, 1 a bar per epoch with the running loss and metrics,
2 one line per epoch. At level 1 the bar is sized to the terminal (80 columns where
there is none, as in a notebook) and shows the metrics that fit beside it; when the
epoch ends, every metric of the epoch, validation ones included, follows on lines of
their own, so none is ever cut off. Everything goes to stdout, as Keras's does.

In a Jupyter kernel the bar is tqdm's widget when ipywidgets is installed, else the
text bar (tqdm.auto would warn "IProgress not found" there). Notes printed while a bar
is open (:func:`~lucidnet.training.callbacks.echo`) wait until it closes.
"""

from __future__ import annotations

import shutil
import sys
import time

from tqdm import tqdm

from lucidnet.training.callbacks import Callback, echo, hold_notes, release_notes

_BAR_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}{postfix}]"
_MIN_BAR = 10  # columns left to the bar itself


def format_logs(logs: dict, sep: str = " - ", colon: str = ": ") -> str:
    """'loss: 0.6931 - accuracy: 0.5000' (4 decimals; small values in scientific form)."""
    return sep.join(f"{key}{colon}{_number(value)}" for key, value in logs.items())


def _number(value) -> str:
    value = float(value)
    return f"{value:.4f}" if value == 0 or 1e-3 <= abs(value) < 1e5 else f"{value:.3e}"


def wrap_logs(logs: dict, width: int, indent: str = "  ") -> list[str]:
    """The logs as 'key: value' items joined by ' - ', in lines of at most ``width``
    columns (an item is never split; one longer than a line has a line of its own)."""
    lines, line = [], ""
    for item in format_logs(logs, sep="\0").split("\0"):
        candidate = f"{line} - {item}" if line else indent + item
        if line and len(candidate) > width:
            lines.append(line)
            candidate = indent + item
        line = candidate
    return lines + [line] if line else lines


def terminal_width() -> int:
    """The terminal's columns ($COLUMNS first), 80 when there is no terminal."""
    return shutil.get_terminal_size((80, 24)).columns


def _notebook_bar():
    """tqdm's notebook widget inside a Jupyter kernel that has ipywidgets, else None."""
    if "ipykernel.zmqshell" not in sys.modules:
        return None
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return None
    from tqdm.notebook import tqdm as notebook_tqdm

    return notebook_tqdm



def verbosity(verbose) -> int:
    """Keras's ``verbose``: 'auto' is 1 (bars), 0 silent, 2 one line per epoch."""
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 'auto', 0, 1 or 2, got {verbose!r}")
    return int(verbose)

class ProgbarLogger(Callback):
    """Progress bars on tqdm. ``verbose``, else ``params['verbose']`` (set by fit),
    picks the level.

    The bar's metrics are refreshed at most every ``interval`` seconds: formatting the
    logs at every batch of a small model would cost more than the batch. A bar opens at
    its first batch, so what other callbacks print as an epoch begins comes before it.
    """

    def __init__(self, interval: float = 0.1, verbose: int | None = None):
        super().__init__()
        self.interval, self._verbose = interval, verbose
        self.bar, self._in_fit, self._desc = None, False, None

    def _begin(self, desc: str) -> None:
        self._desc, self._begun = desc, time.time()  # tqdm's clock

    def _open(self):
        self.width = terminal_width()
        widget = _notebook_bar()
        total = self.params.get("steps")
        if widget is not None:
            self.bar = widget(total=total, desc=self._desc, unit="batch", leave=True)
        else:
            self.bar = tqdm(total=total, desc=self._desc, unit="batch", leave=True,
                            file=sys.stdout, ncols=self.width,
                            bar_format=None if total is None else _BAR_FORMAT)
        self.bar.start_t = self._begun  # the first batch counts in the elapsed time
        digits = len(str(total or 0))
        # desc ': 100%|' bar '| n/total [mm:ss<mm:ss' ', ' postfix ']' (hours shrink the bar)
        self._room = self.width - _MIN_BAR - len(self._desc) - 8 - (2 * digits + 2) - 13 - 3
        self._last = time.perf_counter()
        hold_notes()

    def _postfix(self, logs) -> str:
        """As many of the running 'key=value' as fit beside the bar."""
        text = ""
        for item in format_logs(logs, sep="\0", colon="=").split("\0"):
            candidate = f"{text}, {item}" if text else item
            if len(candidate) > self._room:
                break
            text = candidate
        return text

    def _advance(self, logs) -> None:
        if self.bar is None:
            self._open()
        self.bar.update(1)
        now = time.perf_counter()
        if logs and now - self._last >= self.interval:
            self.bar.set_postfix_str(self._postfix(logs), refresh=False)
            self._last = now

    def _close(self, logs=None) -> None:
        if self.bar is not None:
            if logs:
                self.bar.set_postfix_str(self._postfix(logs), refresh=False)
            self.bar.close()
            self.bar = None
            if logs:
                print("\n".join(wrap_logs(logs, self.width)), flush=True)
            release_notes()
        self._desc = None

    @property
    def verbose(self) -> int:
        """The level given to the constructor, else fit's (a door with its own printer,
        the Keras facade, runs with verbose=0 and this callback at the level asked)."""
        return self.params.get("verbose", 1) if self._verbose is None else self._verbose

    # -- fit --------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._in_fit = True

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()
        if self.verbose == 1:
            self._begin(f"Epoch {epoch + 1}/{self.params.get('epochs')}")

    def on_train_batch_end(self, batch, logs=None):
        if self._desc is not None:
            self._advance(logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.verbose == 1:
            self._close(logs)
        elif self.verbose == 2:
            seconds = time.perf_counter() - self._started
            echo(f"Epoch {epoch + 1}/{self.params.get('epochs')} - {seconds:.1f}s - "
                 + format_logs(logs or {}))

    def on_train_end(self, logs=None):
        self._close()
        self._in_fit = False

    # -- evaluate and predict (validation inside fit stays silent) ------------------
    def on_test_begin(self, logs=None):
        if not self._in_fit and self.verbose == 1:
            self._begin("Evaluate")

    def on_test_batch_end(self, batch, logs=None):
        if self._desc is not None and not self._in_fit:
            self._advance(logs)

    def on_test_end(self, logs=None):
        if self._in_fit:
            return
        if self.verbose == 1:
            self._close(logs)
        elif self.verbose == 2:
            echo(format_logs(logs or {}))

    def on_predict_begin(self, logs=None):
        if self.verbose == 1:
            self._begin("Predict")

    def on_predict_batch_end(self, batch, logs=None):
        if self._desc is not None:
            self._advance(None)

    def on_predict_end(self, logs=None):
        self._close()
