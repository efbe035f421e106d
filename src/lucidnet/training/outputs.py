"""What each output of a model is trained with: its loss, loss weight and metrics.

A model may return one Tensor, a list or tuple of them, or a dict by name (multi-task
heads). Each output becomes a :class:`Head`; ``loss``, ``loss_weights`` and
``metrics`` may be given once for all outputs, as a list by position, or as a dict by
output name. Logged names follow Keras: '<head>_loss' and '<head>_<metric>' when there
are several outputs, plain 'accuracy' when there is one.
"""

from __future__ import annotations

import functools
import inspect

from lucidnet import losses
from lucidnet.autograd import Tensor
from lucidnet.optim.optimizer import _check_rate as check_rate
from lucidnet.registry import LOSSES
from lucidnet.training import metrics as metrics_module


def _accepts(fn, keyword: str) -> bool:
    try:
        return keyword in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _option(fn, key: str, default=None):
    """A loss's configuration: an attribute, or a keyword bound by functools.partial."""
    if isinstance(fn, functools.partial):
        return fn.keywords.get(key, _option(fn.func, key, default))
    return getattr(fn, key, default)


class WeightedLoss:
    """A loss as the engine applies it: its name, whether it takes logits, and its
    value with optional per-sample weights, L = Σᵢ wᵢ lᵢ / N (Keras's weighted mean).

    ``identifier``: a registered name (``'binary_crossentropy'``), a Keras config
    (``{'class_name': 'binary_crossentropy', 'config': {'from_logits': True}}``) or a
    callable ``f(y_true, y_pred)`` returning a scalar (the batch mean) or per-sample
    values (averaged). Weights need per-sample values: the loss is called with
    ``reduction='none'`` when it takes that argument.
    """

    def __init__(self, identifier):
        if isinstance(identifier, dict):
            identifier = losses.get(identifier)
        if isinstance(identifier, str):
            fn = losses.get(identifier)
            name = LOSSES.canonical(identifier) if identifier in LOSSES else identifier
        elif callable(identifier):
            fn = identifier
            base = fn.func if isinstance(fn, functools.partial) else fn
            name = (LOSSES.name_of(base) or getattr(fn, "name", None)
                    or getattr(base, "__name__", type(base).__name__))
        else:
            raise TypeError(f"a loss must be a name or a callable, got {type(identifier).__name__}")
        self.fn, self.name = fn, name
        self.from_logits = bool(_option(fn, "from_logits", False))
        self._reduction = _accepts(fn, "reduction")

    def __call__(self, y_true, y_pred, sample_weight=None) -> Tensor:
        if sample_weight is None:
            value = self.fn(y_true, y_pred)
            return value if value.ndim == 0 else value.mean()
        if self._reduction:
            values = self.fn(y_true, y_pred, reduction="none")
        else:
            values = self.fn(y_true, y_pred)
        if values.ndim == 0:
            raise ValueError(
                f"loss {self.name!r} returns one value per batch; sample or class weights need "
                "one per sample: accept reduction='none' or return shape (N,)"
            )
        n = values.shape[0]
        if values.ndim > 1:
            values = values.reshape(n, -1).mean(axis=1)
        return (values * sample_weight).sum() / n

    def __repr__(self):
        return f"WeightedLoss({self.name!r}, from_logits={self.from_logits})"


class Head:
    """One output of the model: its loss, loss weight, metrics and log prefix."""

    def __init__(self, name: str, loss: WeightedLoss, weight: float, metrics: list, prefix: str):
        self.name, self.loss, self.weight = name, loss, weight
        self.metrics, self.prefix = metrics, prefix

    def __repr__(self):
        return f"Head({self.name!r}, loss={self.loss.name!r}, weight={self.weight})"


def split_outputs(out) -> tuple[list | None, list]:
    """(names or None, list of output Tensors) of a model's return value."""
    if isinstance(out, dict):
        return list(out), list(out.values())
    if isinstance(out, (list, tuple)):
        return None, list(out)
    return None, [out]


def join_outputs(like, names: list | None, arrays: list):
    """``arrays`` in the structure of the model's output ``like`` (the inverse of
    :func:`split_outputs`): a dict by ``names``, a list or tuple, or the one array."""
    if isinstance(like, dict):
        return dict(zip(names, arrays))
    if isinstance(like, (list, tuple)):
        return type(like)(arrays)
    return arrays[0]


def per_output(spec, names: list, what: str, default=None) -> list:
    """A per-output setting: a dict by name, a list by position (one entry for one
    output, as Keras), or one for all (a Keras config, ``{'class_name': ..., 'config':
    ...}``, is one setting)."""
    if isinstance(spec, dict) and "class_name" not in spec:
        unknown = sorted(set(spec) - set(names))
        missing = [n for n in names if n not in spec]
        if unknown or (missing and default is None):
            raise ValueError(f"{what} keys {sorted(spec)} do not match the model's outputs "
                             f"{names} (unknown: {unknown}, missing: {missing})")
        return [spec.get(n, default) for n in names]
    if isinstance(spec, (list, tuple)) and (len(names) > 1 or len(spec) == 1):
        if len(spec) != len(names):
            raise ValueError(f"{what} lists {len(spec)} entries for {len(names)} outputs {names}")
        return list(spec)
    return [default if spec is None else spec] * len(names)


def _metric_rows(spec, names: list) -> list[list]:
    """The metric identifiers of each output: a dict by name, a list of lists by
    position, or one flat list given to every output."""
    if spec is None:
        return [[] for _ in names]
    if isinstance(spec, dict):
        rows = per_output(spec, names, "metrics", default=[])
        return [list(r) if isinstance(r, (list, tuple)) else [r] for r in rows]
    spec = list(spec) if isinstance(spec, (list, tuple)) else [spec]
    nested = len(names) > 1 and len(spec) == len(names) and all(
        isinstance(s, (list, tuple)) or s is None for s in spec)
    if nested:
        return [list(s or []) for s in spec]
    return [list(spec) for _ in names]


def check_loss_weights(loss_weights):
    """``loss_weights`` (None, a number, a list or a dict by output) with every weight a
    finite number ≥ 0, as the optimizers' rates: a NaN weight turns every weight NaN."""
    values = loss_weights.values() if isinstance(loss_weights, dict) else (
        loss_weights if isinstance(loss_weights, (list, tuple)) else
        [] if loss_weights is None else [loss_weights])
    for value in values:
        check_rate("loss_weights", value)
    return loss_weights


def build_heads(names: list | None, count: int, loss, loss_weights=None, metrics=None,
                output_names=None) -> list[Head]:
    """The heads of a model with ``count`` outputs. Unnamed outputs take
    ``output_names`` (a functional model's) or 'output_1', 'output_2', ..."""
    if names is None:
        if output_names and len(output_names) == count:
            names = list(output_names)
        else:
            names = ["output"] if count == 1 else [f"output_{i + 1}" for i in range(count)]
    if loss is None:
        raise ValueError("no loss given: pass loss=... to train or evaluate")
    loss_specs = per_output(loss, names, "loss")
    weights = per_output(loss_weights, names, "loss_weights", default=1.0)
    rows = _metric_rows(metrics, names)
    heads = []
    for name, loss_spec, weight, row in zip(names, loss_specs, weights, rows):
        head_loss = loss_spec if isinstance(loss_spec, WeightedLoss) else WeightedLoss(loss_spec)
        head_metrics = []
        for identifier in row:
            m = metrics_module.get(identifier)
            if any(m is other for h in heads for other in h.metrics):
                m = m.fresh()  # one Metric object given for every output
            m.configure(head_loss.name, head_loss.from_logits)
            head_metrics.append(m)
        prefix = f"{name}_" if count > 1 else ""
        heads.append(Head(name, head_loss, float(weight), head_metrics, prefix))
    return heads
