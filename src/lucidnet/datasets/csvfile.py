"""CSV files of numbers, one sample per row, with or without a header row.

``read_csv`` never guesses in silence: it returns the header it took (or None), and
refuses what it cannot read with the row and column (1-based, as a spreadsheet shows
them) instead of dropping a row. With ``header="auto"`` the first row is a header when
none of its fields is a number; a first row that mixes numbers and text is an error,
not a header. A UTF-8 byte-order mark and CRLF line ends are read as nothing.
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_HEADER_CHOICES = ("auto", True, False)


@dataclass(frozen=True)
class CsvTable:
    """``values``: float64 (N, D), one sample per row; ``header``: the D column names
    of the first row, or None when the first row was data."""

    values: np.ndarray
    header: list[str] | None


def _number(field: str) -> float | None:
    try:
        return float(field)
    except ValueError:
        return None


def read_csv(path: str | os.PathLike, header="auto", delimiter: str = ",") -> CsvTable:
    """The numbers in the CSV file ``path`` (see the module docstring).

    ``header``: "auto", True (the first row is a header) or False (every row is data).
    Raises ValueError naming the file, row and column for a field that is not a finite
    number, an empty field, rows of different lengths, or a file without samples.
    """
    if header not in _HEADER_CHOICES:
        raise ValueError(f"header must be 'auto', True or False, got {header!r}")
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not UTF-8 text (byte {err.start} is "
                         f"0x{err.object[err.start]:02x})") from None
    rows = [(number, row) for number, row in
            enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 1)
            if any(field.strip() for field in row)]  # blank lines are skipped
    if not rows:
        raise ValueError(f"{path}: holds no rows")
    names = None
    first_number, first = rows[0]
    if header is True or (header == "auto" and all(_number(f) is None for f in first)):
        names, rows = [f.strip() for f in first], rows[1:]
    elif header == "auto" and any(_number(f) is None for f in first):
        column, field = next((c, f) for c, f in enumerate(first, 1) if _number(f) is None)
        raise ValueError(
            f"{path}: row {first_number} mixes numbers and text (column {column} is "
            f"{field!r}): neither a header (every field a name) nor a sample; fix it, or "
            "pass header=True to take it as a header")
    if not rows:
        raise ValueError(f"{path}: holds a header row but no samples")
    width = len(names) if names is not None else len(rows[0][1])
    values = np.empty((len(rows), width))
    for i, (number, row) in enumerate(rows):
        if len(row) != width:
            raise ValueError(f"{path}: row {number} has {len(row)} fields, expected {width}")
        for column, field in enumerate(row, start=1):
            value = _number(field)
            if value is None or not math.isfinite(value):
                what = "is empty" if not field.strip() else (
                    f"is {field!r}, not a number" if value is None
                    else f"is {field!r}, not a finite number")
                raise ValueError(f"{path}: row {number}, column {column} {what}")
            values[i, column - 1] = value
    return CsvTable(values, names)
