"""The activation registry, under Keras's names: ``get``, ``names`` and ``info``.

``get('relu')`` returns the function; ``info('relu')`` the facts of the lecture's
table (range, zero-centred, monotonic, smooth, saturating, needs exp, where used).
Each entry's metadata (``ACTIVATIONS.meta(name)``) also holds ``domain`` and ``kinks``
(where the tests check its gradient) and, for an entry that needs more than x,
``requires`` (prelu: ``('alpha',)``, maxout: ``('pieces',)``; the nn layers hold them).
"""

from __future__ import annotations

from dataclasses import dataclass

from lucidnet.registry import ACTIVATIONS


@dataclass(frozen=True)
class Facts:
    """What a student asks of an activation function."""

    range: str
    zero_centred: bool
    monotonic: bool
    smooth: bool
    saturating: str
    needs_exp: bool
    used_in: str


def get(identifier):
    """The activation function for a name, config or callable; ``None`` → identity."""
    if identifier is None:
        return ACTIVATIONS.resolve("linear")
    return ACTIVATIONS.get(identifier)


def names(aliases: bool = False) -> list[str]:
    """Every registered activation name."""
    return ACTIVATIONS.names(aliases)


def info(name: str) -> Facts:
    """The facts of activation ``name`` (see :class:`Facts`)."""
    return ACTIVATIONS.meta(name)["facts"]


from lucidnet.functional import activations as _functions  # noqa: E402,F401  (registers them)
