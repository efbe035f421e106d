"""What a model's outputs say, for a reader: the predicted class (index and name) and the
probabilities, or the predicted values, per kind of problem; as CSV or JSON rows.

=============  =========================  ===============================================
problem        output (N, units)          read as
=============  =========================  ===============================================
'binary'       σ: P(class 1), units 1     index 1 when P ≥ 0.5; probabilities 1 − P, P
'multiclass'   softmax over C             index argmax; the C probabilities
'multilabel'   σ per label, C             every label with P ≥ 0.5 (';'-joined names)
'regression'   values, one per target     the values, named after the targets
=============  =========================  ===============================================
"""

from __future__ import annotations

import csv
import io
import json

import numpy

PROBLEMS = ("binary", "multiclass", "multilabel", "regression")


def table(outputs, problem: str | None, names=(), proba: bool = False) -> tuple[list, list]:
    """(header, rows) for ``outputs`` (N, units): for classification 'index' and 'class'
    (the name), then 'proba_<name>' per class when ``proba``; for regression one column
    per target; for an unknown ``problem`` the outputs as 'output_<i>'."""
    y = numpy.asarray(outputs, dtype=numpy.float64).reshape(len(outputs), -1)
    names = [printable(str(n)) for n in names]
    if problem not in PROBLEMS:
        return [f"output_{i}" for i in range(y.shape[1])], y.tolist()
    if problem == "regression":
        names = list(names) if len(names) == y.shape[1] else [f"y_{i}" for i in range(y.shape[1])]
        return names, y.tolist()
    if problem == "binary":
        y = numpy.column_stack([1 - y[:, 0], y[:, 0]])
    names = list(names) if len(names) == y.shape[1] else [str(i) for i in range(y.shape[1])]
    header = ["index", "class"] if problem != "multilabel" else ["indices", "classes"]
    rows = []
    for p in y:
        if problem == "multilabel":
            chosen = numpy.flatnonzero(p >= 0.5)
            row = [";".join(map(str, chosen)), ";".join(names[i] for i in chosen)]
        else:
            # binary: class 1 when P(1) ≥ 0.5, as the threshold of binary_accuracy
            index = int(p[1] >= 0.5) if problem == "binary" else int(numpy.argmax(p))
            row = [index, names[index]]
        rows.append(row + (p.tolist() if proba else []))
    return header + ([f"proba_{n}" for n in names] if proba else []), rows


def printable(text: str) -> str:
    """``text`` with control characters written as escapes (a model file's class names
    come from strangers and must not drive the terminal)."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def to_csv(header: list, rows: list) -> str:
    """The table as CSV text with a header line (floats with 6 significant digits)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([f"{v:.6g}" if isinstance(v, float) else v for v in row])
    return out.getvalue()


def to_json(header: list, rows: list) -> str:
    """The table as a JSON list of objects, one per sample, keyed by the header."""
    return json.dumps([dict(zip(header, row)) for row in rows], indent=1) + "\n"
