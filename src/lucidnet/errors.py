"""lucidnet's exception types.

Each subclasses the built-in exception a Python user would catch for that mistake, so
``except ValueError`` still works; messages name the layer or argument, what was
expected and what came.
"""

from __future__ import annotations

import difflib


class LucidnetError(Exception):
    """Base of every error lucidnet raises on purpose."""


class ShapeError(LucidnetError, ValueError):
    """An array has the wrong shape, rank or number of samples."""


class LabelError(LucidnetError, ValueError):
    """Targets of the wrong kind for a loss or metric, or class indices out of range."""


class UnknownNameError(LucidnetError, ValueError):
    """A name that no registry knows (an activation, loss, initializer, ...)."""


class FormatError(LucidnetError, ValueError):
    """A model or data file that is damaged, truncated, hostile or not lucidnet's."""


class AnomalyError(LucidnetError, RuntimeError):
    """A NaN or infinity appeared (raised under ``detect_anomaly()``)."""


class NotSupportedError(LucidnetError, NotImplementedError):
    """A feature of Keras or PyTorch that lucidnet deliberately leaves out
    (convolutions, recurrent layers, embeddings, tf.data), named as such."""


def unknown_name(kind: str, name: str, known) -> UnknownNameError:
    """An UnknownNameError that lists the closest valid names."""
    known = sorted(known)
    close = difflib.get_close_matches(str(name), known, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    return UnknownNameError(f"unknown {kind} {name!r}{hint} (known: {', '.join(known)})")
