"""The activation registry, under Keras's names: ``get``, ``names``, ``info`` and ``spec``.

``get('relu')`` returns the function; ``info('relu')`` the facts of the lecture's
table (range, zero-centred, monotonic, smooth, saturating, needs exp, where used).
Each entry's metadata (``ACTIVATIONS.meta(name)``) also holds its ``function`` (the
Function class, built with the keyword arguments of the function), ``domain`` and
``kinks`` (where the tests check its gradient) and, for an entry that needs more than
x, ``requires`` (prelu: ``('alpha',)``, maxout: ``('pieces',)``; the nn layers hold them).

A layer that takes an activation keeps it as a :class:`Spec`, a name and its arguments:
data that a model file stores and that hands out the activation's Function, so the
layer fuses (:meth:`lucidnet.nn.Module.function`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from lucidnet.functional import activations as _functions  # noqa: F401  (defines the entries)
from lucidnet.registry import ACTIVATIONS, Facts

__all__ = ["Facts", "Spec", "get", "info", "names", "spec"]


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


@dataclass(frozen=True)
class Spec:
    """A registered activation with its arguments: ``Spec('leaky_relu', {'negative_slope': 0.2})``.

    Called, it is the registry's function with those arguments (``spec(x)``; keyword
    arguments given at the call win); ``function()`` is a fresh Function computing the
    same; ``config()`` is what a model file stores.
    """

    name: str
    arguments: dict = field(default_factory=dict)

    def __call__(self, x, **arguments):
        return ACTIVATIONS.resolve(self.name)(x, **{**self.arguments, **arguments})

    def function(self):
        return ACTIVATIONS.meta(self.name)["function"](**self.arguments)

    def config(self):
        """The name alone, or Keras's ``{'class_name', 'config'}`` when it has arguments."""
        if not self.arguments:
            return self.name
        return {"class_name": self.name, "config": dict(self.arguments)}

    @property
    def __name__(self) -> str:  # as a function's, for printing
        return self.name


def spec(identifier, defaults: dict | None = None) -> Spec | None:
    """``identifier`` as a :class:`Spec`, or None when it is not a registered activation
    (an arbitrary callable, run as written and refused when saved).

    A name (its arguments from ``defaults[name]``, Keras's own defaults in the Keras
    facade), a config ``{'class_name', 'config'}``, a registered function, a
    ``functools.partial`` of one with keyword arguments, or a Spec. An entry that needs
    more than x (prelu, maxout) is refused: its layer holds what it needs.
    """
    if isinstance(identifier, Spec):
        return identifier
    arguments = {}
    if isinstance(identifier, str):
        name = ACTIVATIONS.canonical(identifier)
        arguments = dict((defaults or {}).get(name, {}))
    elif isinstance(identifier, dict):
        if "class_name" not in identifier:
            raise ValueError(f"an activation config needs 'class_name', got keys {sorted(identifier)}")
        name = ACTIVATIONS.canonical(identifier["class_name"])
        arguments = dict(identifier.get("config") or {})
    elif isinstance(identifier, functools.partial) and not identifier.args:
        name = ACTIVATIONS.name_of(identifier.func)
        arguments = dict(identifier.keywords)
    else:
        name = ACTIVATIONS.name_of(identifier)
    if name is None:
        return None
    requires = ACTIVATIONS.meta(name).get("requires")
    if requires:
        raise ValueError(f"activation {name!r} needs {', '.join(requires)} besides its input; "
                         "use the layer that holds it (PReLU, Maxout)")
    resolved = Spec(name, arguments)
    resolved.function()  # arguments its Function does not take fail here, not at the first batch
    return resolved
