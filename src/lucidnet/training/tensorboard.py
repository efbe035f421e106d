"""The TensorBoard callback: Keras's names, defaults and log layout, written by tensorboardX.

Layout (as Keras 3): ``log_dir/train`` holds ``epoch_loss``, ``epoch_<metric>`` and
``epoch_learning_rate`` at step = epoch (from 0), and, with ``update_freq`` 'batch'
or N, ``batch_loss`` and ``batch_<metric>`` (the running means fit shows) every N
batches at step = the batch count since the first fit; ``log_dir/validation`` holds
the ``val_`` values under the same tags without the prefix (``epoch_loss``, …), and
each evaluation as ``evaluation_loss_vs_iterations`` at step = the batches trained.
Every ``histogram_freq`` epochs, the histogram of each weight (``dense/kernel/histogram``)
and, with ``write_grads``, of its last gradient (``dense/kernel/gradient/histogram``).
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import time
import warnings

from lucidnet import backend
from lucidnet.tensorboard import tensorboardx
from lucidnet.training.callbacks import Callback, module_of


class TensorBoard(Callback):
    """Log the training to TensorBoard, as ``keras.callbacks.TensorBoard``.

    ``log_dir``: the folder (``tensorboard --logdir logs``); ``histogram_freq``: every
    how many epochs to write the weights' histograms (0: never); ``write_graph``: the
    model's graph, through its ONNX export (needs the ``onnx`` extra; without it, or for
    a model that does not export, a warning and no graph); ``write_images``: each 2-D
    weight as a grey image, with the histograms; ``write_steps_per_second``: the
    training speed, per epoch (and per batch with ``update_freq``); ``update_freq``:
    'epoch', 'batch' or N, how often batch values are written; ``write_grads``: the
    gradients' histograms too (Keras 2's argument). Keras's ``profile_batch`` and
    ``embeddings_freq`` are accepted at their defaults only.
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None, write_grads=False):
        super().__init__()
        tensorboardx()  # the missing extra is named now, not at the first epoch
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (not isinstance(update_freq, int) or isinstance(
                update_freq, bool) or update_freq < 1):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive "
                             f"integer, got {update_freq!r}")
        if not isinstance(histogram_freq, int) or histogram_freq < 0:
            raise ValueError(f"TensorBoard: histogram_freq must be an integer ≥ 0, got "
                             f"{histogram_freq!r}")
        if profile_batch or embeddings_freq or embeddings_metadata is not None:
            raise ValueError("TensorBoard: profiling and embeddings are not supported "
                             "(profile_batch=0, embeddings_freq=0, embeddings_metadata=None)")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq, self.update_freq = histogram_freq, update_freq
        self.write_graph, self.write_images = write_graph, write_images
        self.write_steps_per_second, self.write_grads = write_steps_per_second, write_grads
        self._writers = {}
        self._global_train_batch = 0

    def _writer(self, split: str):
        """The writer of ``log_dir/split``, made on first use (no empty folders)."""
        if split not in self._writers:
            folder = os.path.join(self.log_dir, split)
            self._writers[split] = tensorboardx().SummaryWriter(logdir=folder)
        return self._writers[split]

    # -- hooks --------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        if self.write_graph:
            self._log_graph()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()
        self._epoch_first_batch = self._global_train_batch

    def on_train_batch_begin(self, batch, logs=None):
        self._batch_start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self._global_train_batch += 1
        step = self._global_train_batch
        if self.update_freq == "epoch" or step % self.update_freq:
            return
        writer = self._writer("train")
        for name, value in (logs or {}).items():
            writer.add_scalar(f"batch_{name}", value, step)
        if self.write_steps_per_second:
            seconds = time.perf_counter() - self._batch_start
            writer.add_scalar("batch_steps_per_second", 1 / max(seconds, 1e-12), step)

    def on_epoch_end(self, epoch, logs=None):
        train = {k: v for k, v in (logs or {}).items() if not k.startswith("val_")}
        validation = {k[4:]: v for k, v in (logs or {}).items() if k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None:
            train["learning_rate"] = float(optimizer.lr)
        if self.write_steps_per_second:
            steps = self._global_train_batch - self._epoch_first_batch
            train["steps_per_second"] = steps / max(time.perf_counter() - self._epoch_start, 1e-12)
        for split, values in (("train", train), ("validation", validation)):
            if values:
                writer = self._writer(split)
                for name, value in values.items():
                    writer.add_scalar(f"epoch_{name}", value, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_test_end(self, logs=None):
        """Each evaluation (fit's validation, ``evaluate``) against the batches trained."""
        writer = self._writer("validation")
        for name, value in (logs or {}).items():
            writer.add_scalar(f"evaluation_{name}_vs_iterations", value, self._global_train_batch)
        writer.flush()

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    # -- what is written ----------------------------------------------------------
    def _log_weights(self, epoch: int) -> None:
        writer = self._writer("train")
        for name, p in module_of(self.model).named_parameters():
            path = name.replace(".", "/")
            values = backend.to_numpy(p.data)
            writer.add_histogram(f"{path}/histogram", values, epoch)
            if self.write_grads and p.grad is not None:
                writer.add_histogram(f"{path}/gradient/histogram", backend.to_numpy(p.grad), epoch)
            if self.write_images and values.ndim == 2:
                span = values.max() - values.min()
                image = (values - values.min()) / (span if span > 0 else 1)
                writer.add_image(f"{path}/image", image, epoch, dataformats="HW")

    def _log_graph(self) -> None:
        """The model's ONNX export, as TensorBoard's graph (a warning when it cannot be)."""
        model = module_of(self.model)
        try:
            from lucidnet import onnx

            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, "model.onnx")
                if hasattr(model, "export"):  # a Keras model knows its input shape
                    model.export(path, verbose=False)
                else:
                    onnx.export(model, path)
                with contextlib.redirect_stdout(io.StringIO()):  # tensorboardX prints each node
                    self._writer("train").add_onnx_graph(path)
        except (ImportError, TypeError, ValueError) as err:
            warnings.warn(f"TensorBoard: no graph written ({err}); pass write_graph=False "
                          "to silence this", stacklevel=2)
