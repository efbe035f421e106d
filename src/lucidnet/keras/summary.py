"""``model.summary()`` as Keras 3 prints it: a box-drawn table, then the counts.

The columns split ``line_length`` (default min(88, terminal width − 4); 108 when the
model is a graph, which adds a "Connected to" column) at ``positions``; each cell is
padded by a space each side, and the table, borders included, is ``line_length`` wide:
the excess is taken from the columns in turn, in equal shares rounded half to even, as
the ``rich`` library that Keras renders with does. Text wraps at spaces. On a terminal
(stdout a tty, no ``print_fn``, no ``NO_COLOR``) the title, headers and totals are bold
and types, shapes and counts coloured, with rich's codes; elsewhere the text is plain.
"""

from __future__ import annotations

import os
import re
import shutil
import sys

from lucidnet._text import printable

_SEQUENTIAL = (88, [0.45, 0.80, 1.0], ["Layer (type)", "Output Shape", "Param #"], "<<>")
_GRAPH = (108, [0.3, 0.56, 0.74, 1.0],
          ["Layer (type)", "Output Shape", "Param #", "Connected to"], "<<><")


def readable_size(nbytes: float) -> str:
    """'22.01 KB': bytes in the largest unit of 1024 that leaves at least 1."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if nbytes < 1024:
            return f"{nbytes:.2f} {unit}"
        nbytes /= 1024
    return f"{nbytes:.2f} PB"


def _shape(layer) -> str:
    shape = layer.output_shape
    if not layer.built or shape is None:
        return "?"
    if isinstance(shape, list):
        return "[" + ", ".join(_format(s) for s in shape) + "]"
    if isinstance(shape, dict):
        return "{" + ", ".join(f"{k}: {_format(s)}" for k, s in shape.items()) + "}"
    return _format(shape)


def _format(shape) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _widths(line_length: int, positions) -> list[int]:
    """Column widths, padding included, that fill ``line_length`` with the borders."""
    if all(p <= 1 for p in positions):
        positions = [int(p * line_length) for p in positions]
    widths, current = [], 0
    for stop in positions:
        if stop - current < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(stop - current + 2)
        current = stop
    excess = sum(widths) - (line_length - len(widths) - 1)
    shares = len(widths)
    for i in range(len(widths)):
        if excess <= 0:
            break
        cut = min(widths[i], round(excess / shares))
        widths[i] -= cut
        excess -= cut
        shares -= 1
    return widths


def _wrap(text: str, width: int) -> list[str]:
    """Greedy wrap at spaces; a word wider than a line is cut with '…'; the first
    line keeps its indentation (a nested layer's '   └ ')."""
    indent = len(text) - len(text.lstrip(" "))
    lines, line = [], text[:indent]
    for word in text[indent:].split(" "):
        if len(word) > width:
            word = word[:width - 1] + "…"
        if line.strip() and len(line) + 1 + len(word) <= width:
            line += " " + word
        elif not line.strip():
            line += word
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return lines


_BOLD, _RESET = "\x1b[1m", "\x1b[0m"


def _colour(code: int, match) -> str:
    return f"\x1b[{code}m{match.group(0)}{_RESET}"


def _styled(column: str, text: str) -> str:
    """A justified cell as rich colours it: the layer's type, None and numbers."""
    if column == "Layer (type)":
        return re.sub(r"(?<=\()[A-Za-z_]\w*(?=\)\s*$)", lambda m: _colour(94, m), text)
    if column == "Output Shape":
        return re.sub(r"\bNone\b|\b\d+\b",
                      lambda m: _colour(96 if m.group(0) == "None" else 32, m), text)
    if column == "Param #":
        return re.sub(r"[\d,]+", lambda m: _colour(32, m), text, count=1)
    if column == "Connected to":
        return re.sub(r"(?<=\[)\d+(?=\])", lambda m: _colour(32, m), text)
    return text


def _justify(text: str, width: int, align: str) -> str:
    return text.rjust(width) if align == ">" else text.center(width) if align == "^" \
        else text.ljust(width)


def _row(cells, widths, align, bar: str = "│", header=None) -> list[str]:
    """A table row, wrapped onto as many lines as its tallest cell needs; with the
    ``header`` names, styled as on a terminal (the header row itself: header=True)."""
    inner = [w - 2 for w in widths]
    wrapped = [_wrap(c, w) for c, w in zip(cells, inner)]
    lines = []
    for k in range(max(len(w) for w in wrapped)):
        parts = []
        for text, w, a, column in zip(wrapped, inner, align,
                                      header if isinstance(header, list) else cells):
            t = _justify(text[k] if k < len(text) else "", w, a)
            if header is True:
                parts.append(f"{_BOLD} {_RESET}{_BOLD}{t}{_RESET}{_BOLD} {_RESET}")
            else:
                parts.append(" " + (_styled(column, t) if header else t) + " ")
        lines.append(bar + bar.join(parts) + bar)
    return lines


def _rule(widths, left, middle, right, fill) -> str:
    return left + middle.join(fill * w for w in widths) + right


def _is_chain(model) -> bool:
    """Whether a model reads as a stack: not a graph, or a graph of one input whose
    every call takes one tensor that nothing else takes (Keras's "sequential-like")."""
    if not hasattr(type(model), "calls"):  # (a layer named 'calls' is not the graph's)
        return True
    calls = model.calls
    used = [id(i) for t in calls for i in t.inputs]
    return (len(model.inputs) == 1 and all(len(t.inputs) <= 1 for t in calls)
            and len(used) == len(set(used)))


def _connections(model, layer) -> str:
    """'a[0][0], b[0][0]': each tensor this layer was called on in the model, as
    layer[call index][0]; '-' for an Input."""
    refs = [f"{printable(i.layer.name)}[{i.node_index}][0]"
            for t in model.calls if t.layer is layer for i in t.inputs]
    return ", ".join(refs) or "-"


def _weights(module) -> tuple[list, list]:
    """(trainable, non-trainable) arrays as Keras counts them: the parameters, and the
    float buffers (BatchNormalization's moving mean and variance) as non-trainable;
    lucidnet's integer batch counter is no Keras weight."""
    trainable = [p.data for p in module.parameters() if p.requires_grad]
    frozen = [p.data for p in module.parameters() if not p.requires_grad]
    frozen += [b for _, b in module.named_buffers() if b.dtype.kind == "f"]
    return trainable, frozen


def _optimizer_slots(optimizer) -> tuple[int, int] | None:
    """(count, bytes) of the optimizer's variables once it has stepped, as Keras counts
    them: its per-parameter arrays (Adam's two moments), plus the iteration counter
    and the learning rate (4 bytes each); None before the first step."""
    arrays = [v for state in getattr(optimizer, "state", {}).values() for v in state.values()
              if hasattr(v, "nbytes") and getattr(v, "ndim", 0) > 0]
    if not arrays:
        return None
    return sum(a.size for a in arrays) + 2, sum(a.nbytes for a in arrays) + 8


def _layer_rows(layer, model, graph: bool, show_trainable: bool, expand_nested: bool,
                level: int = 0) -> list[list[str]]:
    prefix = "   " * level + "└ " if level else ""
    count = sum(a.size for arrays in _weights(layer) for a in arrays)
    params = f"{count:,}" if layer.built else "0 (unbuilt)"
    cells = [f"{prefix}{printable(layer.name)} ({type(layer).__name__})", _shape(layer), params]
    if graph:
        cells.append(_connections(model, layer))
    if show_trainable:
        trainable, _ = _weights(layer)
        cells.append("-" if not any(_weights(layer)) else "Y" if trainable else "N")
    rows = [cells]
    if expand_nested and getattr(layer, "layers", None):
        for inner in layer.layers:
            rows += _layer_rows(inner, layer, False, show_trainable, expand_nested, level + 1)
            if graph:
                rows[-1].insert(3, "")
    return rows


def print_summary(model, line_length=None, positions=None, print_fn=None,
                  expand_nested=False, show_trainable=False, layer_range=None) -> None:
    """Print ``model``'s table and counts (see the module docstring); ``print_fn``
    receives the whole text at once, as Keras gives it."""
    graph = not _is_chain(model)
    default, spots, header, align = _GRAPH if graph else _SEQUENTIAL
    header, align = list(header), list(align)
    positions = list(positions or spots)
    if show_trainable:
        default += 12
        positions = [p * 0.9 for p in positions] + [1.0]
        header.append("Trainable")
        align.append("^")
    line_length = line_length or min(default, shutil.get_terminal_size().columns - 4)
    widths = _widths(line_length, positions)
    layers = model.layers
    if layer_range is not None:
        names = [layer.name for layer in layers]
        if len(layer_range) != 2 or not all(n in names for n in layer_range):
            raise ValueError(f"layer_range must name two of the layers {names}, got {layer_range}")
        first, last = sorted(names.index(n) for n in layer_range)
        layers = layers[first:last + 1]
    terminal = (print_fn is None and "NO_COLOR" not in os.environ
                and getattr(sys.stdout, "isatty", lambda: False)())
    bold, plain = (_BOLD, _RESET) if terminal else ("", "")
    out = [f'{bold}Model: "{printable(model.name)}"{plain}', _rule(widths, "┏", "┳", "┓", "━"),
           *_row(header, widths, align, "┃", terminal or None),
           _rule(widths, "┡", "╇", "┩", "━")]
    for k, layer in enumerate(layers):
        if k:
            out.append(_rule(widths, "├", "┼", "┤", "─"))
        for cells in _layer_rows(layer, model, graph, show_trainable, expand_nested):
            out += _row(cells, widths, align, header=header if terminal else None)
    out.append(_rule(widths, "└", "┴", "┘", "─"))
    counts = [(label, sum(a.size for a in arrays), sum(a.nbytes for a in arrays))
              for label, arrays in zip(("Trainable", "Non-trainable"), _weights(model))]
    slots = _optimizer_slots(model.optimizer)
    if slots is not None:
        counts.append(("Optimizer", *slots))
    total = (sum(c[1] for c in counts), sum(c[2] for c in counts))
    number = "\x1b[32m{}" + _RESET if terminal else "{}"
    for label, n, nbytes in [("Total", *total), *counts]:
        out.append(f"{bold} {label} params: {plain}{number.format(f'{n:,}')} "
                   f"({readable_size(nbytes)})")
    text = "\n".join(out) + "\n"
    if print_fn is None:
        sys.stdout.write(text)
    else:
        print_fn(text)
