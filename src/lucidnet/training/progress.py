"""The progress display of fit, evaluate and predict, on ``tqdm.auto`` (a widget in a
notebook, a text bar in a terminal). Keras's verbose levels: 0 silent, 1 a bar per
epoch with the running loss and metrics, 2 one line per epoch.
"""

from __future__ import annotations

import time

from tqdm.auto import tqdm

from lucidnet.training.callbacks import Callback, echo


def format_logs(logs: dict, sep: str = " - ") -> str:
    """'loss: 0.6931 - accuracy: 0.5000' (4 decimals; small values in scientific form)."""
    parts = []
    for key, value in logs.items():
        value = float(value)
        text = f"{value:.4f}" if value == 0 or 1e-3 <= abs(value) < 1e5 else f"{value:.3e}"
        parts.append(f"{key}: {text}")
    return sep.join(parts)


class ProgbarLogger(Callback):
    """Progress bars on tqdm. ``params['verbose']`` (set by fit) picks the level.

    The bar's postfix is refreshed at most every ``interval`` seconds: formatting the
    logs at every batch of a small model would cost more than the batch.
    """

    def __init__(self, interval: float = 0.1):
        super().__init__()
        self.interval = interval
        self.bar, self._in_fit = None, False

    def _open(self, total, desc: str):
        self.bar = tqdm(total=total, desc=desc, unit="batch", leave=True, dynamic_ncols=True)
        self._last = time.perf_counter()

    def _advance(self, logs) -> None:
        self.bar.update(1)
        now = time.perf_counter()
        if logs and now - self._last >= self.interval:
            self.bar.set_postfix_str(format_logs(logs), refresh=False)
            self._last = now

    def _close(self, logs=None) -> None:
        if self.bar is not None:
            if logs:
                self.bar.set_postfix_str(format_logs(logs), refresh=False)
            self.bar.close()
            self.bar = None

    @property
    def verbose(self) -> int:
        return self.params.get("verbose", 1)

    # -- fit --------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._in_fit = True

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()
        if self.verbose == 1:
            self._open(self.params.get("steps"), f"Epoch {epoch + 1}/{self.params.get('epochs')}")

    def on_train_batch_end(self, batch, logs=None):
        if self.bar is not None:
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
            self._open(self.params.get("steps"), "Evaluate")

    def on_test_batch_end(self, batch, logs=None):
        if self.bar is not None and not self._in_fit:
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
            self._open(self.params.get("steps"), "Predict")

    def on_predict_batch_end(self, batch, logs=None):
        if self.bar is not None:
            self.bar.update(1)

    def on_predict_end(self, logs=None):
        self._close()
