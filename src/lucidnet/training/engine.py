"""The training engine: :class:`Trainer` fits, evaluates and predicts with any Module.

One training step is the PyTorch loop written once::

    ŷ = model(x);  L = Σₕ wₕ·lossₕ(yₕ, ŷₕ) + Σ penalties;  zero_grad();  L.backward();  step()

(without the tape when the model is one Function: :mod:`~lucidnet.training.step`), and
fit adds what Keras adds around it, with Keras's semantics:

- the data are cast once, at the start, to the model's float dtype (x, float targets
  and sample weights; integer class indices stay integers);
- ``validation_split`` holds out the last fraction of the samples before any shuffling
  (and warns when that tail holds a single class); epoch e is shuffled from (seed, e),
  so a run resumed at ``initial_epoch`` repeats the uninterrupted one bit for bit;
- ``class_weight`` and ``sample_weight`` weight the per-sample losses: L = Σᵢ wᵢ lᵢ / N;
- the logged 'loss' of an epoch is the mean of the batch losses weighted by batch size;
  metrics run on the training batches in train mode and on the validation data in eval
  mode ('val_' twins), unweighted (Keras's ``metrics``, not ``weighted_metrics``);
- a model returning a dict or list of outputs is multi-task (see
  :mod:`~lucidnet.training.outputs`): the logs hold 'loss', '<head>_loss' and
  '<head>_<metric>';
- a ``losses`` attribute of the model (the Keras layers' regularization penalties, scalar
  Tensors) is added to the training loss;
- subnormal floats are flushed to zero while fit trains (``flush_denormal=True``, see
  :mod:`lucidnet.denormals`), and the thread's flags are restored when it returns.
"""

from __future__ import annotations

import contextlib
import logging

import numpy

from lucidnet import backend, optimizers
from lucidnet.autograd import Tensor, no_grad
from lucidnet.denormals import flush_denormal
from lucidnet.nn.module import Module, function_of
from lucidnet.training.callbacks import CallbackList, echo
from lucidnet.training.data import DataLoader, is_sparse
from lucidnet.training.inputs import (FitData, as_model_input, check_schedule, model_inputs,
                                      warn_single_class_tail)
from lucidnet.training.outputs import (Head, build_heads, check_loss_weights, join_outputs,
                                       split_outputs)
from lucidnet.training.progress import ProgbarLogger, verbosity
from lucidnet.training.step import TapeFreeStep, loss_function

_NOTES = logging.getLogger("lucidnet")


class Trainer:
    """Fits ``model`` with ``loss`` and ``optimizer``; reports ``metrics``.

    ``loss``: a name, a callable, or a dict/list per output; ``optimizer``: an
    optimizer (bound to the model's parameters on first use if created unbound) or a
    Keras name (Keras's optimizer, :mod:`lucidnet.optimizers`); ``metrics``: names,
    Metric objects or functions (a list, or per output); ``loss_weights``: per output.
    ``seed`` fixes the shuffles (drawn from ``backend.rng()`` when None).
    ``callback_model`` is what callbacks see as ``self.model`` and whose
    ``stop_training`` ends fit (default: this Trainer; the Keras facade passes its Model).

    The engine protocol callbacks rely on: ``model``, ``optimizer``,
    ``stop_training``, ``get_weights()``/``set_weights()``, ``metric_direction(name)``,
    ``seed``. ``flush_denormal``: flush subnormal floats to zero inside ``fit``
    (:mod:`lucidnet.denormals`; False leaves the thread's flags as they are).
    ``progress``: the progress callback class of verbose runs (the Keras facade passes
    Keras 3's printer); ``sorted_logs``: log the names sorted, validation after (Keras
    3's order); ``print_notes``: print what a self-resolving metric chose ('accuracy'
    → ...) at its first use; it goes to the 'lucidnet' logger at INFO either way.
    Example: ``Trainer(model, 'sparse_categorical_crossentropy', optim.Adam(model.parameters(),
    lr=1e-3), metrics=['accuracy']).fit(X, y, epochs=10, validation_split=0.2)``.
    """

    def __init__(self, model: Module, loss=None, optimizer=None, metrics=None,
                 loss_weights=None, seed: int | None = None, callback_model=None,
                 run_eagerly: bool = False, flush_denormal: bool = True,
                 progress=ProgbarLogger, sorted_logs: bool = False, print_notes: bool = True):
        if not isinstance(model, Module):
            raise TypeError(f"Trainer trains a lucidnet Module, got {type(model).__name__}")
        self.model, self.loss, self.loss_weights = model, loss, check_loss_weights(loss_weights)
        self.metrics_spec = metrics
        if isinstance(optimizer, (str, dict)):
            optimizer = optimizers.get(optimizer)
        self.optimizer = optimizer
        self.seed = int(backend.rng().integers(2**63)) if seed is None else int(seed)
        self.callback_model = self if callback_model is None else callback_model
        self.run_eagerly = bool(run_eagerly)
        self.flush_denormal = bool(flush_denormal)
        self.progress, self.sorted_logs, self.print_notes = progress, sorted_logs, print_notes
        self._targets_checked = False  # by the tape-free step's loss, over all of them
        self.stop_training = False
        self.history = None
        self.heads: list[Head] | None = None
        self._announced: set[int] = set()

    # -- the engine protocol ---------------------------------------------------------
    def get_weights(self) -> list:
        """Copies of every parameter and buffer, in ``state_dict`` order."""
        return list(self.model.state_dict().values())

    def set_weights(self, weights) -> None:
        self.model.load_state_dict(dict(zip(self.model.state_dict(), weights)))

    @property
    def metrics(self) -> list:
        """The metric objects of every output (empty before the first batch)."""
        return [m for h in self.heads or () for m in h.metrics]

    @property
    def metrics_names(self) -> list[str]:
        """The logged names in order: 'loss', '<head>_loss'..., then the metrics."""
        if self.heads is None:
            return ["loss"]
        names = ["loss"]
        if len(self.heads) > 1:
            names += [f"{h.prefix}loss" for h in self.heads]
        return names + [h.prefix + m.name for h in self.heads for m in h.metrics]

    def metric_direction(self, name: str) -> str | None:
        """'up' or 'down' for a logged metric name (without 'val_'), None if unknown."""
        for h in self.heads or ():
            for m in h.metrics:
                if h.prefix + m.name == name:
                    return m.direction
        return None

    # -- setting up ------------------------------------------------------------------
    def _dtype(self):
        first = next(self.model.parameters(), None)
        return backend.get_default_dtype() if first is None else first.dtype

    def _data(self, x, y, sample_weight=None, class_weight=None) -> FitData:
        return FitData.prepare(x, y, self._dtype(), sample_weight, class_weight)

    def _ensure_bound(self) -> None:
        if self.optimizer is None:
            raise ValueError("this Trainer has no optimizer: pass optimizer=... to train")
        if not self.optimizer.param_groups:
            self.optimizer.bind(self.model.parameters())

    def _predictions(self, out) -> list:
        """The outputs as a list in head order; the heads are built on first sight."""
        names, preds = split_outputs(out)
        if self.heads is None:
            self.heads = build_heads(names, len(preds), self.loss, self.loss_weights,
                                     self.metrics_spec, getattr(self.model, "output_names", None))
        elif len(preds) != len(self.heads):
            raise ValueError(f"the model returned {len(preds)} outputs, expected {len(self.heads)}")
        return preds

    def _layout(self, data: FitData) -> list[tuple]:
        """(head, batch position of its target, of its weights or None) per head."""
        names = [h.name for h in self.heads]
        first = len(data.inputs)
        offset = first + len(data.targets)
        ys = [first + i for i in data.index(names, "y")]
        ws = [None if i is None else offset + i for i in data.index(names, "sample_weight")]
        return list(zip(self.heads, ys, ws))

    def _penalty(self):
        """Σ of the model's regularization penalties (``model.losses``), or None."""
        penalties = getattr(self.model, "losses", None)
        if not isinstance(penalties, (list, tuple)) or not penalties:
            return None
        return sum(penalties[1:], penalties[0])  # p₀ + p₁ + …, in order

    def _announce(self, verbose: int) -> None:
        """Print once what each self-resolving metric chose ('accuracy' → ...)."""
        for m in self.metrics:
            if verbose and m.note and id(m) not in self._announced:
                self._announced.add(id(m))
                _NOTES.info(m.note)
                if self.print_notes:
                    echo(m.note)

    def _logs(self, loss: float, head_totals: list, seen: int) -> dict:
        logs = {"loss": loss}
        if len(self.heads) > 1:
            for head, total in zip(self.heads, head_totals):
                logs[f"{head.prefix}loss"] = total / seen
        for head in self.heads:
            for m in head.metrics:
                logs[head.prefix + m.name] = float(m.result())
        return dict(sorted(logs.items())) if self.sorted_logs else logs

    # -- fit -------------------------------------------------------------------------
    def fit(self, x, y=None, batch_size: int = 32, epochs: int = 1, verbose="auto",
            callbacks=None, validation_split: float = 0.0, validation_data=None,
            shuffle: bool = True, class_weight=None, sample_weight=None, initial_epoch: int = 0):
        """Train for epochs ``initial_epoch`` … ``epochs`` − 1; returns the History.

        x: (N, D) array or SciPy sparse matrix, or a list / dict by input name of arrays
        for a model of several inputs; y: an array, or a dict/list of arrays
        for several outputs; ``validation_data``: (x, y) or (x, y, sample_weight).
        """
        verbose = verbosity(verbose)
        check_schedule(epochs, initial_epoch, validation_split)
        train = self._data(x, y, sample_weight, class_weight)
        val = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
                raise ValueError("validation_data must be (x, y) or (x, y, sample_weight)")
            val = self._data(*validation_data)
        elif validation_split:
            train, val = train.split(validation_split)
            warn_single_class_tail(val.targets, validation_split)
        loader = train.loader(batch_size, shuffle, self.seed)
        val_loader = None if val is None else val.loader(batch_size)
        cbs = CallbackList(callbacks, add_history=True,
                           progbar=self.progress() if verbose else None, model=self.callback_model,
                           verbose=verbose, epochs=epochs, steps=len(loader))
        handle = self.callback_model
        handle.stop_training = False
        self._targets_checked = False
        if next(self.model.parameters(), None) is not None:
            self._ensure_bound()  # a lazily built model binds after its first batch
        was_training = self.model.training
        logs = {}
        flags = flush_denormal() if self.flush_denormal else contextlib.nullcontext()
        with flags:
            cbs.on_train_begin()
            try:
                for epoch in range(initial_epoch, epochs):
                    self.model.train()
                    for m in self.metrics:
                        m.reset_state()
                    cbs.on_epoch_begin(epoch)
                    loader.set_epoch(epoch)
                    logs = self._train_epoch(train, loader, cbs, verbose)
                    if val_loader is not None:
                        val_logs = self._evaluate(val, val_loader, cbs)
                        logs.update({f"val_{k}": v for k, v in val_logs.items()})
                    cbs.on_epoch_end(epoch, logs)
                    if handle.stop_training:
                        break
                cbs.on_train_end(logs)
            finally:
                self.model.train(was_training)
        self.history = cbs.history
        return cbs.history

    def _tape_free(self, layout, loss, pred, arrays, loader):
        """A :class:`~lucidnet.training.step.TapeFreeStep` when the model is one Function
        (``function_of``) with one output of loss weight 1, no penalty, not ``run_eagerly``;
        else None. ``loss``, ``pred`` and ``arrays`` are the first step's, on the tape."""
        if self.run_eagerly or len(layout) != 1 or self._penalty() is not None:
            return None
        (head, yi, wi), = layout
        model = function_of(self.model)
        if model is None or head.weight != 1.0:
            return None
        targets = None if self._targets_checked else loader.dataset.arrays[yi]
        loss_fn = None if wi is not None else loss_function(head, loss, pred, arrays[yi], targets)
        self._targets_checked |= loss_fn is not None  # its checks of y ran once per fit
        return TapeFreeStep(*model, head, loss_fn, self.optimizer)

    def _train_epoch(self, data: FitData, loader, cbs: CallbackList, verbose: int) -> dict:
        handle = self.callback_model
        wants_logs = cbs.wants_train_batch_logs
        layout, head_totals, fused = None, None, None
        total, seen = 0.0, 0
        for step, arrays in enumerate(loader.arrays()):
            cbs.on_train_batch_begin(step)
            n = arrays[0].shape[0]
            if fused is not None:
                (head, yi, wi), = layout
                loss, pred = fused.step(arrays[0], arrays[yi], None if wi is None else arrays[wi])
                preds = (pred,)
            else:
                loss, head_values, preds, layout = self._tape_step(data, arrays, layout)
                if head_totals is None:
                    head_totals = [0.0] * len(layout)
                    if not data.several:
                        fused = self._tape_free(layout, loss, preds[0], arrays, loader)
                if len(layout) > 1:
                    for k, value in enumerate(head_values):
                        head_totals[k] += float(value.data) * n
                # nothing of this step's tape is kept: it holds the batch and activations
                loss, preds, head_values = loss.data, [p.data for p in preds], None
            total += float(loss) * n
            seen += n
            for (head, yi, _), pred in zip(layout, preds):
                for m in head.metrics:
                    m.update_state(arrays[yi], pred)
            if step == 0:
                self._announce(verbose)
            if wants_logs:
                cbs.on_train_batch_end(step, self._logs(total / seen, head_totals, seen))
            if handle.stop_training:
                break
        return self._logs(total / seen, head_totals, seen)

    def _tape_step(self, data: FitData, arrays, layout):
        """One training step through the tape on a batch of arrays (dense ones become
        Tensors); returns (L, head losses, ŷ per head, layout)."""
        batch = tuple([a if is_sparse(a) else Tensor(a) for a in arrays])
        preds = self._predictions(self.model(data.model_input(batch)))
        if layout is None:
            layout = self._layout(data)
            self._ensure_bound()
        loss, head_values = None, []
        for (head, yi, wi), pred in zip(layout, preds):
            value = head.loss(batch[yi], pred, None if wi is None else batch[wi])
            head_values.append(value)
            term = value if head.weight == 1.0 else value * head.weight
            loss = term if loss is None else loss + term
        penalty = self._penalty()
        if penalty is not None:
            loss = loss + penalty
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss, head_values, preds, layout

    # -- evaluate and predict --------------------------------------------------------
    def evaluate(self, x, y=None, batch_size: int = 32, verbose="auto", sample_weight=None,
                 callbacks=None, return_dict: bool = False):
        """Loss and metrics on (x, y) in eval mode, without gradients.

        Returns a dict when ``return_dict``; else, as Keras, the loss alone when nothing
        else is logged, or the list of values in ``metrics_names`` order.
        """
        verbose = verbosity(verbose)
        data = self._data(x, y, sample_weight)
        loader = data.loader(batch_size)
        cbs = CallbackList(callbacks, progbar=self.progress() if verbose else None,
                           model=self.callback_model, verbose=verbose, steps=len(loader))
        logs = self._evaluate(data, loader, cbs)
        self._announce(verbose)
        if return_dict:
            return logs
        return logs["loss"] if len(logs) == 1 else [logs[name] for name in self.metrics_names]

    def _evaluate(self, data: FitData, loader, cbs: CallbackList) -> dict:
        model = self.model
        was_training = model.training
        model.eval()
        for m in self.metrics:
            m.reset_state()
        total, seen, layout, head_totals = 0.0, 0, None, None
        logs = {}
        cbs.on_test_begin()
        try:
            with no_grad():
                for step, batch in enumerate(loader):
                    cbs.on_test_batch_begin(step)
                    preds = self._predictions(model(data.model_input(batch)))
                    if layout is None:
                        layout = self._layout(data)
                        head_totals = [0.0] * len(layout)
                    n = batch[0].shape[0]
                    loss = 0.0
                    for k, ((head, yi, wi), pred) in enumerate(zip(layout, preds)):
                        value = head.loss(batch[yi], pred, None if wi is None else batch[wi])
                        loss += head.weight * float(value.data)
                        head_totals[k] += float(value.data) * n
                        for m in head.metrics:
                            m.update_state(batch[yi].data, pred.data)
                    penalty = self._penalty()
                    if penalty is not None:
                        loss += float(penalty.data)
                    total += loss * n
                    seen += n
                    logs = self._logs(total / seen, head_totals, seen)
                    cbs.on_test_batch_end(step, logs)
        finally:
            model.train(was_training)
        cbs.on_test_end(logs)
        return logs

    def predict(self, x, batch_size: int = 32, verbose="auto", callbacks=None):
        """The model's outputs for x in eval mode, without gradients, as NumPy arrays
        (a dict or list of arrays for a multi-output model)."""
        verbose = verbosity(verbose)
        keys, inputs, several = model_inputs(x, self._dtype())
        loader = DataLoader(tuple(inputs), batch_size=batch_size)
        cbs = CallbackList(callbacks, progbar=self.progress() if verbose else None,
                           model=self.callback_model, verbose=verbose, steps=len(loader))
        model = self.model
        was_training = model.training
        model.eval()
        parts, first = None, None
        cbs.on_predict_begin()
        try:
            with no_grad():
                for step, xb in enumerate(loader):
                    cbs.on_predict_batch_begin(step)
                    out = model(as_model_input(xb, keys, several))
                    names, preds = split_outputs(out)
                    if parts is None:
                        parts, first = [[] for _ in preds], out
                    for part, p in zip(parts, preds):
                        part.append(backend.to_numpy(p.data))
                    cbs.on_predict_batch_end(step, {"outputs": preds})
        finally:
            model.train(was_training)
        cbs.on_predict_end()
        return join_outputs(first, names, [numpy.concatenate(p) for p in parts])
