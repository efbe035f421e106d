"""Figures of the course: every activation and its derivative, and their facts.

``activation_gallery(out_dir)`` writes one PNG per registered activation (f on the
left, f' on the right) and an overview grid; ``facts_table()`` is the lecture's table
of their properties as plain text. The derivative in every figure is the one lucidnet's
autograd computes (``y.sum().backward()`` leaves f'(x) in ``x.grad`` for an elementwise
f), so a figure shows the backward that training uses, not a formula typed twice.

Activations that are not a function of one number get a stated one-number view:

- ``prelu`` needs its slope α (``requires``): plotted with α = 0.25, PyTorch's initial
  value (in training α is learned);
- ``maxout`` needs its ``pieces``: plotted as the max of three affine pieces of x
  (:data:`MAXOUT_PIECES`), the convex piecewise-linear function a maxout unit learns;
- ``softmax`` and ``log_softmax`` normalize along an axis: plotted for two classes with
  logits (x, 0), whose first output is σ(x) (resp. ln σ(x)), and ∂/∂x of it.

Points where the derivative does not exist (the registry's ``kinks``) are marked with
the value the backward uses there (ReLU'(0) = 0), and a curve with a jump is drawn
with a gap, not a vertical line.

matplotlib is optional (``pip install lucidnet[plot]``); it is imported on first use.
Figures are built without pyplot (no global state, nothing left open) and written with
:func:`lucidnet._files.atomic_write`.
"""

from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import numpy

from lucidnet import activations, backend
from lucidnet.autograd import Tensor, stack
from lucidnet.registry import ACTIVATIONS

# The one-number views of activations that need more than x (see the module docstring)
PRELU_ALPHA = 0.25
MAXOUT_PIECES = ((-1.0, -1.25), (0.25, 0.0), (1.5, -1.25))  # (w, b): pieces w·x + b, kinks ±1

POINTS = 601  # samples per curve: odd, so a symmetric domain samples x = 0 exactly


def _matplotlib_figure():
    """matplotlib's Figure class, or an ImportError that says how to install it."""
    try:
        from matplotlib.figure import Figure
    except ImportError as err:
        raise ImportError(
            "lucidnet's figures need matplotlib, an optional dependency: "
            "pip install lucidnet[plot]"
        ) from err
    return Figure


@dataclass
class Curve:
    """An activation sampled on its domain: f(x), f'(x) and the values at its kinks.

    ``x``, ``y``, ``dy`` are float64 NumPy arrays of the same length; ``kinks`` lists
    ``(x, f(x), f'(x))`` at each point where f' does not exist (f' there is the
    backward's convention); ``note`` says how an activation that needs more than x
    was made a function of one number ('' when it is one already).
    """

    name: str
    x: numpy.ndarray
    y: numpy.ndarray
    dy: numpy.ndarray
    kinks: list = field(default_factory=list)
    note: str = ""


def _one_number_view(name: str):
    """(g, note, kinks): g maps a Tensor of points to f at each point, elementwise."""
    f = activations.get(name)
    meta = ACTIVATIONS.meta(name)
    requires = tuple(meta.get("requires", ()))
    kinks = tuple(meta.get("kinks", ()))
    if requires == ("alpha",):
        alpha = Tensor(numpy.float64(PRELU_ALPHA))
        return (lambda x: f(x, alpha)), f"α = {PRELU_ALPHA} (learned in training)", kinks
    if requires == ("pieces",):
        def g(x):
            Z = stack([w * x + b for w, b in MAXOUT_PIECES], axis=-1)
            return f(Z, pieces=len(MAXOUT_PIECES))[..., 0]

        terms = ", ".join(_affine(w, b) for w, b in MAXOUT_PIECES)
        return g, f"max({terms})", _maxout_kinks(meta.get("domain", (-3.0, 3.0)))
    if requires:
        raise ValueError(
            f"plotting: activation {name!r} requires {requires}, and lucidnet.plotting "
            "has no one-number view for it; add one in _one_number_view"
        )
    if "axis" in inspect.signature(f).parameters:  # normalizes along an axis
        def g(x):
            return f(stack([x, x * 0.0], axis=-1))[..., 0]

        return g, "two classes, logits (x, 0): first output", kinks
    return f, "", kinks


def _affine(w: float, b: float) -> str:
    """w·x + b as a reader writes it: '−x − 1.25', '0.25x', '1.5x − 1.25'."""
    text = {1.0: "x", -1.0: "−x"}.get(w, f"{w:g}x".replace("-", "−"))
    if b:
        text += f" {'+' if b > 0 else '−'} {abs(b):g}"
    return text


def _maxout_kinks(domain) -> tuple:
    """The x in ``domain`` where the winning piece of MAXOUT_PIECES changes, exactly:
    the crossing of the two pieces that win on either side of a switch."""
    xs = numpy.linspace(*domain, 6001)
    winner = numpy.stack([w * xs + b for w, b in MAXOUT_PIECES]).argmax(axis=0)
    kinks = []
    for i in numpy.flatnonzero(numpy.diff(winner)):
        (w1, b1), (w2, b2) = MAXOUT_PIECES[winner[i]], MAXOUT_PIECES[winner[i + 1]]
        kinks.append((b2 - b1) / (w1 - w2))
    return tuple(kinks)


def _evaluate(g, x: numpy.ndarray) -> tuple[numpy.ndarray, numpy.ndarray]:
    """g(x) and dg/dx by lucidnet's autograd, in float64."""
    t = Tensor(backend.asarray(x, dtype=numpy.float64), requires_grad=True)
    y = g(t)
    y.sum().backward()  # g acts elementwise, so d(Σ g)/dxᵢ = g'(xᵢ)
    return backend.to_numpy(y.data), backend.to_numpy(t.grad)


def activation_curve(name: str, points: int = POINTS) -> Curve:
    """Sample activation ``name`` and its autograd derivative on its domain."""
    g, note, kinks = _one_number_view(name)
    low, high = ACTIVATIONS.meta(name).get("domain", (-3.0, 3.0))
    x = numpy.linspace(low, high, points)
    y, dy = _evaluate(g, x)
    at = numpy.array([k for k in kinks if low <= k <= high], dtype=numpy.float64)
    kink_values = []
    if at.size:
        ky, kdy = _evaluate(g, at)
        kink_values = list(zip(at.tolist(), ky.tolist(), kdy.tolist()))
    return Curve(ACTIVATIONS.canonical(name), x, y, dy, kink_values, note)


def _with_gaps(x, values, kinks):
    """``x`` and ``values`` with a NaN inserted wherever the curve jumps at a kink, so
    matplotlib leaves a gap instead of drawing a vertical segment. A step counts as a
    jump when it is over 3 times the steps two samples away (a kink of a continuous
    curve is not one)."""
    steps = numpy.abs(numpy.diff(values))
    gaps = set()
    for k in kinks:
        above = int(numpy.searchsorted(x, k, side="right"))  # first sample with x > k
        # the jump lies between the samples on either side of k, or, when k itself is
        # sampled, possibly just before it (step(0) = 1 jumps between −dx and 0)
        for j in {above, above - 1 if above >= 1 and x[above - 1] == k else above}:
            if not 0 < j < len(x):
                continue
            beside = [steps[i] for i in (j - 3, j + 1) if 0 <= i < len(steps)]
            if steps[j - 1] > 3 * max(beside, default=0.0) + 1e-12:
                gaps.add(j)
    gaps = sorted(gaps)
    return numpy.insert(x, gaps, numpy.nan), numpy.insert(values, gaps, numpy.nan)


def _draw(ax, curve: Curve, which: str, color: str, label: str | None = None) -> None:
    values = curve.y if which == "f" else curve.dy
    x, v = _with_gaps(curve.x, values, [k[0] for k in curve.kinks])
    ax.plot(x, v, color=color, lw=1.8, label=label)
    for kx, ky, kdy in curve.kinks:
        ax.plot([kx], [ky if which == "f" else kdy], "o", color=color, ms=4)


def _style(ax) -> None:
    ax.axhline(0, color="0.6", lw=0.6)
    ax.axvline(0, color="0.6", lw=0.6)
    ax.grid(alpha=0.3)


def _save(figure, path: Path) -> Path:
    from lucidnet._files import atomic_write

    with atomic_write(path) as f:
        figure.savefig(f, format="png", dpi=100)
    return path


def activation_figure(name: str):
    """A matplotlib Figure: f(x) and f'(x) of activation ``name`` side by side."""
    Figure = _matplotlib_figure()
    curve = activation_curve(name)
    facts = activations.info(name)
    figure = Figure(figsize=(8.0, 3.4))
    left, right = figure.subplots(1, 2)
    _draw(left, curve, "f", "C0")
    _draw(right, curve, "df", "C1")
    left.set_title(f"{curve.name}(x)")
    right.set_title(f"{curve.name}'(x)  (lucidnet autograd)")
    for ax in (left, right):
        _style(ax)
        ax.set_xlabel("x")
    for kx, _, kdy in curve.kinks:
        right.annotate(f"f'({kx:g}) = {kdy:g}", (kx, kdy), textcoords="offset points",
                       xytext=(6, 6), fontsize=8, color="C1")
    subtitle = f"range {facts.range}; " + ("zero-centred" if facts.zero_centred else "not zero-centred")
    if curve.note:
        subtitle = f"{curve.note}    {subtitle}"
    figure.suptitle(f"{curve.name}\n{subtitle}", fontsize=10)
    # a fixed layout: tight_layout would measure every tick label, doubling the cost
    figure.subplots_adjust(left=0.07, right=0.98, bottom=0.15, top=0.78, wspace=0.22)
    return figure


def overview_figure(names=None):
    """A matplotlib Figure: one small panel per activation, f and f' overlaid."""
    Figure = _matplotlib_figure()
    names = list(names or activations.names())
    columns = 5
    rows = -(-len(names) // columns)
    figure = Figure(figsize=(3.0 * columns, 2.4 * rows))
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax, name in zip(axes, names):
        curve = activation_curve(name)
        _draw(ax, curve, "f", "C0", label="f")
        _draw(ax, curve, "df", "C1", label="f'")
        _style(ax)
        ax.set_title(curve.name, fontsize=10)
        ax.tick_params(labelsize=7)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    figure.legend(*axes[0].get_legend_handles_labels(), loc="upper right", fontsize=9)
    figure.suptitle("Activations (blue) and their derivatives by autograd (orange)")
    figure.subplots_adjust(left=0.04, right=0.98, bottom=0.04, top=0.92, wspace=0.25, hspace=0.4)
    return figure


def activation_gallery(out_dir) -> list[Path]:
    """Write ``NAME.png`` for every registered activation and ``overview.png`` into
    ``out_dir`` (created if missing); return their paths, the overview last."""
    _matplotlib_figure()  # fail before writing anything if matplotlib is missing
    out_dir = Path(out_dir)
    paths = [_save(activation_figure(name), out_dir / f"{name}.png") for name in activations.names()]
    paths.append(_save(overview_figure(), out_dir / "overview.png"))
    return paths


FACT_COLUMNS = ("activation", "range", "zero-centred", "monotonic", "smooth",
                "saturating", "needs exp", "use")
_WRAP = {"activation": 20, "range": 16, "saturating": 34, "use": 40}


def _aliases() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key in activations.names(aliases=True):
        canonical = ACTIVATIONS.canonical(key)
        if key != canonical:
            found.setdefault(canonical, []).append(key)
    return found


def facts_table(names=None) -> str:
    """The facts of every activation (``lucidnet.activations.info``) as a plain-text
    table, one row per activation (aliases in parentheses); long cells wrap.

    >>> print(facts_table(["relu"]).splitlines()[2])  # doctest: +NORMALIZE_WHITESPACE
    relu  [0, ∞)  no  yes  no  left side only (gradient 0 for x <  no  default for hidden layers
    """
    aliases = _aliases()
    rows = []
    for name in names or activations.names():
        facts = activations.info(name)
        label = name + (f" ({', '.join(aliases[name])})" if name in aliases else "")
        cells = (label, facts.range, facts.zero_centred, facts.monotonic, facts.smooth,
                 facts.saturating, facts.needs_exp, facts.used_in)
        rows.append([("yes" if c else "no") if isinstance(c, bool) else str(c) for c in cells])
    wrapped = [
        [textwrap.wrap(cell, _WRAP.get(column, 12)) or [""] for column, cell in zip(FACT_COLUMNS, row)]
        for row in rows
    ]
    widths = [
        max(len(column), *(len(line) for row in wrapped for line in row[i]))
        for i, column in enumerate(FACT_COLUMNS)
    ]

    def line(cells):
        return "  ".join(cell.ljust(w) for cell, w in zip(cells, widths)).rstrip()

    out = [line(FACT_COLUMNS), line(["-" * w for w in widths])]
    for n, row in enumerate(wrapped):
        if n:
            out.append("")  # a blank line between rows: cells wrap onto several lines
        for i in range(max(len(cell) for cell in row)):
            out.append(line([cell[i] if i < len(cell) else "" for cell in row]))
    return "\n".join(out)
