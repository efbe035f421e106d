"""Training health: what goes wrong inside a network, per layer and epoch, in plain words.

:class:`Health` is a callback (``fit(callbacks=[Health(x)])``, or its hooks called from
a PyTorch-style loop) that measures, for every layer:

- dead units: the share of a ReLU layer's units whose input is ≤ 0 (the activation's
  ``dead_below`` fact) on every example of the probe data (a sample of the training data,
  run through the network as it is at the epoch's end): they pass no gradient and cannot
  recover;
- saturation: the share of a hidden sigmoid or tanh layer's values with |x| beyond the
  activation's ``saturation_point`` fact (3 for both), where the derivative is near 0 (an
  output σ(o) is not counted: with cross-entropy its gradient is ŷ − y, and a confident
  right answer is no fault);
- the gradient norm ‖∂L/∂θ‖ of the layer's parameters, averaged over the epoch's
  batches, and its ratio first layer / last layer (≪ 1: vanishing, ≫ 1: exploding);
- the update-to-weight ratio ‖Δθ‖ / ‖θ‖ of one optimizer step, averaged over the batches
  (about 1e-3 is the usual healthy value).

The activations are read from the tape of one forward pass over the probe data at each
epoch's end, under :func:`~lucidnet.autograd.detect_anomaly` (so layer by layer, not as
a fused Chain, and a NaN is named where it appears). The activation Functions and their
facts come from the activation registry.
"""

from __future__ import annotations

import functools
import math

from lucidnet import activations, backend
from lucidnet._text import printable, wrap
from lucidnet.autograd import Tensor, detect_anomaly, tape
from lucidnet.errors import AnomalyError
from lucidnet.registry import ACTIVATIONS
from lucidnet.training.callbacks import Callback, History, echo, module_of

__all__ = ["Health"]


@functools.cache
def _watched() -> dict:
    """Activation Function class → (name, facts), for every registered activation whose
    facts state a saturation point or a dead region (the class its entry hands out)."""
    found = {}
    for name in activations.names():
        facts = activations.info(name)
        if facts.saturation_point is not None or facts.dead_below is not None:
            found[ACTIVATIONS.meta(name)["function"]] = (name, facts)
    return found


def _layer_of(tensor, owners: dict) -> str | None:
    """The layer whose parameters made ``tensor`` (None if no parameter did)."""
    fn = tensor.grad_fn
    inputs = () if fn is None else fn.inputs
    return next((owners[id(t)] for t in inputs if id(t) in owners), None)


def _norm(arrays) -> float:
    """‖(a₁, a₂, …)‖₂ of arrays together, one pass over each (BLAS dot, no temporary)."""
    xp = backend.xp
    return math.sqrt(sum(float(xp.vdot(a.ravel(), a.ravel())) for a in arrays))


class Health(Callback):
    """Dead and saturated units, gradient norms and update ratios per layer and epoch.

    ``x``: the probe inputs whose activations are measured at each epoch's end (a sample
    of the training data), in batches of ``batch_size``. A warning in plain words is
    printed (``verbose``) and kept in ``warnings`` when, at an epoch's end, a layer has at
    least ``fraction`` of its units dead or of its values saturated, the gradient ratio
    first/last layer leaves ``gradient_ratio`` (low, high), or an update ratio leaves
    ``update_ratio`` (low, high). ``table`` holds one row per epoch and layer (also
    ``History.health`` after ``fit``); :meth:`report` prints it, :meth:`plot` draws it.

    In a PyTorch-style loop: ``health = Health(x, model=net)``, then
    ``on_epoch_begin(e)``; per batch ``on_train_batch_begin(i)`` before
    ``optimizer.step()`` and ``on_train_batch_end(i)`` after it (before the next
    ``zero_grad``); ``on_epoch_end(e)``.
    """

    def __init__(self, x, batch_size: int = 1024, fraction: float = 0.25,
                 gradient_ratio=(1e-3, 1e3), update_ratio=(1e-6, 1e-1), verbose: int = 1,
                 model=None):
        super().__init__()
        if not 0 < fraction <= 1 or int(batch_size) < 1:
            raise ValueError(f"Health: fraction must be in (0, 1] and batch_size ≥ 1, got "
                             f"{fraction!r} and {batch_size!r}")
        for arg, band in (("gradient_ratio", gradient_ratio), ("update_ratio", update_ratio)):
            if len(band) != 2 or not 0 <= band[0] < band[1]:
                raise ValueError(f"Health: {arg} must be (low, high) with 0 ≤ low < high, got {band!r}")
        if getattr(x, "ndim", 0) < 2 or x.shape[0] == 0:
            raise ValueError(f"Health: x must be probe inputs, one row per example, got "
                             f"shape {getattr(x, 'shape', None)}")
        self.x, self.batch_size, self.fraction = x, int(batch_size), float(fraction)
        self.gradient_ratio, self.update_ratio = tuple(gradient_ratio), tuple(update_ratio)
        self.verbose = verbose
        self.table: list[dict] = []
        self.warnings: list[str] = []
        self._since: dict[tuple, int] = {}
        self._sums, self._before = {}, None
        if model is not None:
            self.set_model(model)

    # -- per batch: gradients and updates ----------------------------------------------
    def _layers(self) -> dict:
        """Layer name → its parameters, in the order of the model's parameters."""
        layers = {}
        for name, p in module_of(self.model).named_parameters():
            layers.setdefault(name.rpartition(".")[0] or name, []).append(p)
        return layers

    def on_epoch_begin(self, epoch, logs=None):
        self._sums = {}
        self._before = None

    def on_train_batch_begin(self, batch, logs=None):
        layers = self._layers()
        if self._before is None or len(self._before) != len(layers):
            self._before = {k: [p.data.copy() for p in ps] for k, ps in layers.items()}
            return
        for k, ps in layers.items():
            for saved, p in zip(self._before[k], ps):
                saved[...] = p.data

    def on_train_batch_end(self, batch, logs=None):
        for k, ps in self._layers().items():
            sums = self._sums.setdefault(k, [0.0, 0, 0.0, 0])
            sums[0] += _norm(p.grad for p in ps if p.grad is not None)
            sums[1] += 1
            before = self._before.get(k)  # None: the layer was built in this batch
            if before is not None:
                for saved, p in zip(before, ps):
                    saved -= p.data  # θ_before − θ_after: the step, in the snapshot's place
                weight = _norm(p.data for p in ps)
                sums[2] += _norm(before) / weight if weight else math.inf
                sums[3] += 1

    # -- per epoch: activations, the table, the warnings --------------------------------
    def _activations(self) -> dict:
        """Layer name → (activation name, dead share, saturated share) on the probe data."""
        module = module_of(self.model)
        owners = {id(p): n.rpartition(".")[0] or n for n, p in module.named_parameters()}
        watched, stats = _watched(), {}
        was_training = module.training
        module.eval()
        try:
            with detect_anomaly():
                for start in range(0, self.x.shape[0], self.batch_size):
                    xb = self.x[start:start + self.batch_size]
                    out = module(Tensor(xb.toarray() if hasattr(xb, "toarray") else xb))
                    hidden = (n for n in tape(out) if n is not out)  # ŷ = σ(o) may saturate
                    for k, node in enumerate(n for n in hidden if type(n.grad_fn) in watched):
                        name, facts = watched[type(node.grad_fn)]
                        x = node.grad_fn.inputs[0]
                        layer = _layer_of(x, owners) or f"{name} #{k + 1}"
                        self._count(stats.setdefault(layer, [name, facts, None, 0, 0]), x.data)
        finally:
            module.train(was_training)
        xp = backend.xp
        return {layer: (name, None if alive is None else 1 - float(xp.mean(alive)),
                        None if facts.saturation_point is None else beyond / total)
                for layer, (name, facts, alive, beyond, total) in stats.items()}

    @staticmethod
    def _count(entry, x) -> None:
        _, facts, alive, _, _ = entry
        xp = backend.xp
        x = x.reshape(-1, x.shape[-1])
        if facts.dead_below is not None:
            active = (x > facts.dead_below).any(axis=0)
            entry[2] = active if alive is None else alive | active
        if facts.saturation_point is not None:
            entry[3] += int(xp.count_nonzero(xp.abs(x) > facts.saturation_point))
            entry[4] += x.size

    def on_epoch_end(self, epoch, logs=None):
        try:
            acts, failure = self._activations(), None
        except AnomalyError as err:
            acts, failure = {}, str(err)
        rows = []
        for layer in dict.fromkeys([*self._layers(), *acts]):
            grad, n, update, m = self._sums.get(layer, (0.0, 0, 0.0, 0))
            name, dead, saturated = acts.get(layer, (None, None, None))
            rows.append({"epoch": epoch, "layer": layer, "activation": name, "dead": dead,
                         "saturated": saturated, "grad_norm": grad / n if n else math.nan,
                         "update_ratio": update / m if m else math.nan})
        self.table += rows
        self._warn(epoch, rows, failure)

    def on_train_end(self, logs=None):
        history = getattr(self.model, "history", None)
        if isinstance(history, History):
            history.health = self.table

    def _warn(self, epoch: int, rows: list[dict], failure: str | None) -> None:
        found = {}
        if failure:
            found["nan", ""] = (f"{failure} at epoch {{since}}; training diverged: try a smaller "
                                "learning rate or gradient clipping (clipnorm)")
        for r in rows:
            if r["dead"] is not None and r["dead"] >= self.fraction:
                found["dead", r["layer"]] = (
                    f"layer {r['layer']!r}: {r['dead']:.0%} of {r['activation']} units dead since "
                    "epoch {since}; try a smaller learning rate, Leaky ReLU or He initialization")
            if r["saturated"] is not None and r["saturated"] >= self.fraction:
                found["saturated", r["layer"]] = (
                    f"layer {r['layer']!r}: {r['saturated']:.0%} of {r['activation']} values "
                    "saturated since epoch {since}; try Glorot initialization, standardized "
                    "inputs, batch normalization or ReLU")
            low, high = self.update_ratio
            # NaN (no step) passes silently; no update without a gradient is said above
            if r["grad_norm"] and not low <= r["update_ratio"] <= high:
                size = "large: try a smaller" if r["update_ratio"] > high else "small: try a larger"
                found["update", r["layer"]] = (
                    f"layer {r['layer']!r}: each step changes the weights by "
                    f"{r['update_ratio']:.1e} of their norm since epoch {{since}}, too {size} "
                    "learning rate")
        norms = [r["grad_norm"] for r in rows if not math.isnan(r["grad_norm"])]
        if norms and not any(norms):
            found["flat", ""] = (
                "no gradient reaches any layer since epoch {since}: the loss is flat where the "
                "model is (outputs saturated or probabilities clipped); try a smaller learning "
                "rate, or logits with from_logits=True")
        elif len(norms) >= 2 and norms[-1] > 0:
            ratio, (low, high) = norms[0] / norms[-1], self.gradient_ratio
            if ratio < low:
                found["vanishing", ""] = (
                    f"gradients vanish: the first layer's gradient norm is {ratio:.1e} of the "
                    "last layer's since epoch {since}; try ReLU, He or Glorot initialization, "
                    "batch normalization or fewer layers")
            elif ratio > high:
                found["exploding", ""] = (
                    f"gradients explode: the first layer's gradient norm is {ratio:.1e} times "
                    "the last layer's since epoch {since}; try a smaller learning rate or "
                    "gradient clipping (clipnorm)")
        self._since = {key: self._since.get(key, epoch + 1) for key in found}
        self.warnings = [message.format(since=self._since[key]) for key, message in found.items()]
        if self.verbose:
            for key, message in found.items():
                if self._since[key] == epoch + 1:  # newly crossed: said once
                    echo("Health: " + message.format(since=epoch + 1))

    # -- showing it ----------------------------------------------------------------------
    def report(self) -> str:
        """The last epoch's table and the warnings standing, as text of ≤ 100 columns."""
        if not self.table:
            return "Health: nothing measured yet"
        last = self.table[-1]["epoch"]
        lines = [f"Training health after epoch {last + 1}",
                 f"{'layer':<24}{'activation':<14}{'dead':>8}{'saturated':>11}"
                 f"{'‖grad‖':>12}{'‖Δθ‖/‖θ‖':>12}"]
        for r in (r for r in self.table if r["epoch"] == last):
            lines.append(f"{r['layer'][:23]:<24}{r['activation'] or '':<14}{_percent(r['dead']):>8}"
                         f"{_percent(r['saturated']):>11}{r['grad_norm']:>12.3g}"
                         f"{r['update_ratio']:>12.3g}")
        lines += [f"warning: {w}" for w in self.warnings] or ["no warnings"]
        return "\n".join(wrap(printable(line), 100) for line in lines)

    def plot(self):
        """Dead units, saturated values, gradient norm ‖∂L/∂θ‖ and update ratio ‖Δθ‖/‖θ‖
        against the epoch, one line per layer (the last two on a log scale): a matplotlib
        Figure (the ``plot`` extra)."""
        try:
            from matplotlib.figure import Figure
        except ImportError as err:
            raise ImportError("Health.plot needs matplotlib, an optional dependency: "
                              "pip install lucidnet[plot]") from err
        fig = Figure(figsize=(14, 3.4))
        panels = fig.subplots(1, 4)
        measures = (("dead", "dead units", False, "no ReLU layer"),
                    ("saturated", "saturated values", False, "no sigmoid or tanh layer"),
                    ("grad_norm", "‖∂L/∂θ‖", True, "no step"),
                    ("update_ratio", "‖Δθ‖ / ‖θ‖ per step", True, "no step"))
        for ax, (key, title, log, none) in zip(panels, measures):
            for color, layer in enumerate(dict.fromkeys(r["layer"] for r in self.table)):
                points = [(r["epoch"] + 1, r[key]) for r in self.table
                          if r["layer"] == layer and r[key] is not None]
                if points:
                    ax.plot(*zip(*points), "o-", ms=3, color=f"C{color}", label=layer)
            if not ax.lines:
                ax.text(0.5, 0.5, none, ha="center", va="center", transform=ax.transAxes)
            ax.set(title=title, xlabel="epoch", yscale="log" if log and ax.lines else "linear")
            ax.grid(alpha=0.3)
        panels[2].legend(fontsize=7)  # every layer with parameters has a gradient norm
        fig.tight_layout()
        return fig


def _percent(share) -> str:
    return "" if share is None else f"{share:.0%}"
