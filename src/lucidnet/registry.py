"""Registries: one per family (activations, losses, initializers, optimizers).

Each maps the names Keras uses (``'relu'``, ``'categorical_crossentropy'``,
``'glorot_uniform'``, ``'adam'``) to lucidnet's objects, so a string, a config or the
object itself works wherever one is expected. An entry also carries metadata: the
facts of an activation, and the input domain and kinks at which the test suite checks
its gradient (an entry without a domain fails the suite).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from lucidnet.errors import unknown_name


@dataclass(frozen=True)
class Facts:
    """What a student asks of an activation function (an activation entry's ``facts``)."""

    range: str
    zero_centred: bool
    monotonic: bool
    smooth: bool
    saturating: str
    needs_exp: bool
    used_in: str
    saturation_point: float | None = None
    """|x| beyond which a unit counts as saturated (its derivative near 0), when it has one."""
    dead_below: float | None = None
    """The derivative is exactly 0 for x ≤ dead_below: a unit whose input stays there on
    every example passes no gradient and cannot recover (dead)."""


class Registry:
    """Names and aliases → objects of one family, with metadata per entry."""

    def __init__(self, kind: str):
        self.kind = kind
        self._objects: dict[str, object] = {}
        self._canonical: dict[str, str] = {}
        self._meta: dict[str, dict] = {}

    def register(self, name: str, *aliases: str, **meta):
        """Decorator: register ``obj`` under ``name`` and ``aliases`` with ``meta``."""

        def decorate(obj):
            for key in (name, *aliases):
                if key in self._objects:
                    raise ValueError(f"{self.kind} {key!r} is registered twice")
                self._objects[key] = obj
                self._canonical[key] = name
            self._meta[name] = meta
            return obj

        return decorate

    def names(self, aliases: bool = False) -> list[str]:
        """The registered names (canonical only, unless ``aliases``)."""
        return sorted(self._objects if aliases else self._meta)

    def __contains__(self, name) -> bool:
        return name in self._objects

    def resolve(self, name: str):
        """The object registered under ``name`` (no instantiation)."""
        try:
            return self._objects[name]
        except (KeyError, TypeError):
            raise unknown_name(self.kind, name, self._objects) from None

    def meta(self, name: str) -> dict:
        """The metadata of ``name`` (an alias gives its canonical entry's)."""
        self.resolve(name)
        return self._meta[self._canonical[name]]

    def canonical(self, name: str) -> str:
        self.resolve(name)
        return self._canonical[name]

    def name_of(self, obj) -> str | None:
        """The canonical name under which ``obj`` (or its class) is registered."""
        for key, value in self._objects.items():
            if value is obj or (inspect.isclass(value) and type(obj) is value):
                return self._canonical[key]
        return None

    def get(self, identifier, **config):
        """Resolve a name, a config dict, a class, an instance or a callable.

        - ``None`` → ``None``;
        - ``'name'`` → the registered object; a registered class is instantiated with
          ``config``;
        - ``{'class_name': 'Name', 'config': {...}}`` → the same with that config
          (the Keras serialization format);
        - a class → instantiated; anything else callable → returned as is.
        """
        if identifier is None:
            return None
        if isinstance(identifier, dict):
            if "class_name" not in identifier:
                raise ValueError(
                    f"a {self.kind} config needs 'class_name', got keys {sorted(identifier)}"
                )
            config = {**identifier.get("config", {}), **config}
            identifier = identifier["class_name"]
        if isinstance(identifier, str):
            obj = self.resolve(identifier)
            if not inspect.isclass(obj):
                if config:
                    raise TypeError(f"{self.kind} {identifier!r} takes no config, got {config}")
                return obj
            return obj(**config)
        if inspect.isclass(identifier):
            return identifier(**config)
        if callable(identifier):
            return identifier
        raise TypeError(
            f"expected a {self.kind} name, config dict or callable, got {type(identifier).__name__}"
        )


ACTIVATIONS = Registry("activation")
LOSSES = Registry("loss")
INITIALIZERS = Registry("initializer")
OPTIMIZERS = Registry("optimizer")
