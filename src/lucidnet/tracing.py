"""One training step through the chain rule, as it ran: ``lucidnet.trace(model, x, y, loss)``.

The model and the loss run once on the tape and ``L.backward()`` runs once; every
tensor in between keeps its gradient (:meth:`Tensor.retain_grad`). A :class:`Trace`
then lists, forward, each Function applied (its formula as its docstring states it, its
inputs and output with shapes and values) and, backward in reverse, the gradient that
came in, the local derivative's formula, and the gradients that went out to each input
and parameter. Every number is one autograd computed; nothing is computed again.

The step runs with fusion off, under :func:`~lucidnet.autograd.detect_anomaly`: a chain
of layers then runs layer by layer on the tape (a fused Chain keeps no tensor between
its layers), and a NaN or an infinity is reported at the operation where it appeared.
The gradient shown for a tensor is its total dL/dt (the sum over every use of t).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import numpy

from lucidnet import backend
from lucidnet._text import printable, wrap
from lucidnet.autograd import Tensor, detect_anomaly, tape
from lucidnet.nn.module import Module

__all__ = ["Step", "Trace", "Value", "trace"]

FULL_VALUES = 8
"""A tensor of at most this many elements is shown whole; a larger one summarized."""


def formulas(fn) -> tuple[str, str]:
    """(forward, derivative) of a Function as its docstring states them, from the first
    paragraph holding an '='. A displayed block (columns three spaces apart) gives per
    line the forward in its first column and derivatives in the others, a last column
    in parentheses being the line's condition; a sentence is split at its first ';'."""
    doc = (type(fn).__doc__ or "").replace("``", "")
    lines = next((p for p in doc.split("\n\n") if "=" in p), "").strip().splitlines()
    if not any(re.search(r"\S\s{3,}\S", line) for line in lines):
        forward, _, derivative = " ".join(line.strip() for line in lines).partition("; ")
        return forward.strip(), derivative.strip()
    forward, derivative = [], []
    for line in lines:
        columns = re.split(r"\s{3,}", line.strip())
        condition = " " + columns.pop() if len(columns) > 1 and columns[-1].startswith("(") else ""
        forward.append(columns[0] + condition)
        derivative += [c + condition for c in columns[1:]]
    return ";  ".join(forward), ";  ".join(derivative)


@dataclass
class Value:
    """A tensor of the step: its name, its values and dL/d(it) (None: takes no gradient)."""

    name: str
    data: numpy.ndarray
    grad: numpy.ndarray | None


@dataclass
class Step:
    """One Function applied: what it computed forward and passed back."""

    function: str
    layer: str
    forward: str
    derivative: str
    inputs: list[Value]
    output: Value


@dataclass
class Trace:
    """The steps of one forward and backward pass; ``str()`` renders it in 100 columns.

    Tensors are named x (the batch), a1, a2, … (each step's output), ŷ (the model's
    output), y (the targets), L (the loss) and by the parameters' dotted names."""

    steps: list[Step]
    loss: float

    def to_text(self, width: int = 100) -> str:
        """The trace as lines of at most ``width`` characters."""
        lines = [f"Forward pass (values: all of a tensor of ≤ {FULL_VALUES} elements, "
                 "else mean ± std [min, max])"]
        for i, s in enumerate(self.steps, 1):
            args = ", ".join(f"{v.name} {_shape(v.data)}" for v in s.inputs)
            lines += [f"{i:>3}  {_title(s)}:  {args} → {s.output.name} {_shape(s.output.data)}",
                      f"       {s.forward}",
                      f"       {s.output.name} = {_numbers(s.output.data)}"]
        lines.append(f"Backward pass (chain rule, from dL/dL = 1; ⊙ elementwise); L = {self.loss:.6g}")
        for i, s in reversed(list(enumerate(self.steps, 1))):
            lines += [f"{i:>3}  {_title(s)}:  in {_d(s.output.name)} = {_numbers(s.output.grad)}",
                      f"       local derivative: {s.derivative or '(not stated)'}"]
            lines += [f"       out {_d(v.name)} {_shape(v.grad)} = {_numbers(v.grad)}"
                      for v in s.inputs if v.grad is not None]
        return "\n".join(wrap(printable(line), width) for line in lines)

    def __str__(self) -> str:
        return self.to_text()

    def to_html(self) -> str:
        """A standalone HTML page, the formulas typeset by MathJax (a script tag)."""
        rows = []
        for i, s in enumerate(self.steps, 1):
            args = ", ".join(f"{_h(v.name)} {_shape(v.data)}" for v in s.inputs)
            rows.append(f"<tr><td>{i}</td><td>{_h(_title(s))}</td><td>{_tex(s.forward)}</td>"
                        f"<td>{args} → {_h(s.output.name)} {_shape(s.output.data)}</td>"
                        f"<td>{_h(_numbers(s.output.data))}</td></tr>")
        back = []
        for i, s in reversed(list(enumerate(self.steps, 1))):
            outs = "<br>".join(f"{_h(_d(v.name))} {_shape(v.grad)} = {_h(_numbers(v.grad))}"
                               for v in s.inputs if v.grad is not None)
            back.append(f"<tr><td>{i}</td><td>{_h(_title(s))}</td>"
                        f"<td>{_h(_d(s.output.name))} = {_h(_numbers(s.output.grad))}</td>"
                        f"<td>{_tex(s.derivative)}</td><td>{outs}</td></tr>")
        return _PAGE.format(loss=f"{self.loss:.6g}", forward="\n".join(rows),
                            backward="\n".join(back))


def trace(model, x, y, loss) -> Trace:
    """Run one training step's forward and backward pass of ``model`` on the batch
    (x, y) and return what happened at every Function (see the module docstring).

    ``loss``: a loss module (called PyTorch's way, ``loss(ŷ, y)``), or a loss name or
    function (Keras's way, ``loss(y, ŷ)``). The model's gradients are zeroed first and
    hold this batch's afterwards, as after ``zero_grad(); L.backward()``; no parameter
    changes. The model runs in training mode, as a training step (Dropout drops and draws
    from the generator, BatchNorm updates its running statistics), then returns to its mode.
    """
    if not isinstance(model, Module):
        raise TypeError(f"trace: the model must be a lucidnet Module (nn, Keras), got "
                        f"{type(model).__name__}")
    dtype = next((p.dtype for p in model.parameters()), backend.get_default_dtype())
    data = x.toarray() if hasattr(x, "toarray") else x  # a SciPy sparse batch: dense, to show
    x = Tensor(backend.asarray(backend.to_numpy(getattr(data, "data", data)), dtype=dtype),
               requires_grad=True, name="x")
    was_training = model.training
    model.train()
    model.zero_grad()
    try:
        with detect_anomaly():
            out = model(x)
            if not isinstance(out, Tensor):
                raise TypeError(f"trace: the model must return one Tensor, got {type(out).__name__}")
            L = _loss_of(loss, y, out)
            nodes = tape(L)
            for node in nodes:
                if not node.is_leaf:
                    node.retain_grad()
            L.backward()
    finally:
        model.train(was_training)
    params = {id(p): name for name, p in model.named_parameters()}  # a lazy model is built now
    names = {id(x): "x", **params}
    steps = []
    for k, node in enumerate(n for n in nodes if not n.is_leaf):
        fn = node.grad_fn
        names[id(node)] = "L" if node is L else "ŷ" if node is out else f"a{k + 1}"
        inputs = [_value(t, names, "y" if node is L and j == 0 else "c")
                  for j, t in enumerate(fn.inputs)]
        layer = next((params[id(t)].rpartition(".")[0] for t in fn.inputs if id(t) in params), "")
        steps.append(Step(type(fn).__name__, printable(layer), *formulas(fn), inputs,
                          _value(node, names, "")))
    return Trace(steps, float(L.item()))


def _loss_of(loss, y, out) -> Tensor:
    if isinstance(loss, Module):
        return loss(out, y)
    if isinstance(loss, (str, dict)):
        from lucidnet import losses

        loss = losses.get(loss)
    return loss(y, out)


def _value(t, names: dict, constant: str) -> Value:
    if not isinstance(t, Tensor):
        return Value(constant, backend.to_numpy(backend.asarray(t)).copy(), None)
    grad = None if t.grad is None else backend.to_numpy(t.grad).copy()
    return Value(names.get(id(t), constant), backend.to_numpy(t.data).copy(), grad)


def _title(s: Step) -> str:
    return f"{s.function} (layer {s.layer!r})" if s.layer else s.function


def _d(name: str) -> str:
    """dL/d of a tensor by name: dL/da3, dL/d(hidden.kernel)."""
    return f"dL/d({name})" if "." in name else f"dL/d{name}"


def _shape(a) -> str:
    return str(tuple(numpy.shape(a)))


def _numbers(a) -> str:
    if a is None:
        return "(no gradient)"
    a = numpy.asarray(a, dtype=numpy.float64)
    if a.size <= FULL_VALUES:
        return numpy.array2string(a.ravel(), precision=4, separator=", ", max_line_width=10**6)
    return f"{a.mean():.4g} ± {a.std():.4g} [{a.min():.4g}, {a.max():.4g}]"


def _h(text: str) -> str:
    return html.escape(printable(text))


def _tex(formula: str) -> str:
    """A docstring formula as inline TeX for MathJax: words upright, spaces kept, x_i and
    e^{−x} as sub- and superscripts."""
    if not formula:
        return ""
    tex = re.sub(r"[A-Za-z]{2,}|[#$%&]|_(?![\w{])|\\| ", _tex_token, formula)
    return r"\(" + _h(tex) + r"\)"


def _tex_token(match) -> str:
    t = match.group()
    if len(t) > 1:
        return r"\mathrm{" + t + "}"
    return {" ": r"\ ", "\\": r"\backslash "}.get(t, "\\" + t)


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>lucidnet trace</title>
<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js" async></script>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top;font-size:90%}}</style>
</head><body>
<h1>One training step, L = {loss}</h1>
<h2>Forward pass</h2>
<table><tr><th>#</th><th>Function</th><th>formula</th><th>shapes</th><th>output</th></tr>
{forward}
</table>
<h2>Backward pass (the chain rule, from dL/dL = 1)</h2>
<table><tr><th>#</th><th>Function</th><th>incoming gradient</th><th>local derivative</th>
<th>outgoing gradients</th></tr>
{backward}
</table>
</body></html>
"""
