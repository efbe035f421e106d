"""The loss registry, under Keras's names: ``get`` and ``names``.

``get('mse')`` returns the function; ``get('binary_crossentropy', from_logits=True)`` or a
config ``{'class_name': 'binary_crossentropy', 'config': {'from_logits': True}}`` returns
it with those options bound (a ``functools.partial``). The functions, their likelihoods
and gradients are in :mod:`lucidnet.functional.losses`.

Each entry's metadata (``LOSSES.meta(name)``) tells the test suite how to make valid
inputs; an entry without it fails the suite:

- ``targets``: one of :data:`TARGETS`: 'real' (any number), 'binary' (each in [0, 1]),
  'probabilities' (distributions along the class axis, one-hot included), 'class_index'
  (integers in [0, C − 1]);
- ``domain``: (lo, hi), where y_pred is sampled (probabilities or scores);
- ``logits_domain``: (lo, hi) for ``from_logits=True``, present iff the loss takes logits;
- ``kinks``: values of ŷ − y where the gradient jumps (mean_absolute_error: 0);
- ``requires``: {argument: (lo, hi)} for further inputs (gaussian_nll's ``var``).
"""

from __future__ import annotations

import functools
import inspect

from lucidnet.functional import losses as _functions  # noqa: F401  (registers them)
from lucidnet.registry import LOSSES

TARGETS = ("real", "binary", "probabilities", "class_index")
"""The kinds of targets a loss declares (metadata ``targets``)."""


def get(identifier, **config):
    """The loss function for a name, a config dict or a callable; ``None`` → ``None``.

    Options (``config`` or the dict's ``'config'``) are bound with ``functools.partial``
    and checked against the function's signature at once. Keras's serialized form of a
    function, ``{'class_name': 'function', 'config': 'mse'}``, is accepted too.
    """
    if isinstance(identifier, dict):
        if "class_name" not in identifier:
            raise ValueError(f"a loss config needs 'class_name', got keys {sorted(identifier)}")
        options = identifier.get("config", {})
        if identifier["class_name"] == "function" and isinstance(options, str):
            identifier, options = options, {}
        else:
            identifier = identifier["class_name"]
        config = {**options, **config}
    fn = LOSSES.get(identifier)
    if not config:
        return fn
    try:
        inspect.signature(fn).bind_partial(None, None, **config)
    except TypeError as err:
        raise TypeError(f"loss {identifier!r} does not take {sorted(config)}: {err}") from None
    return functools.partial(fn, **config)


def targets(name) -> str | None:
    """The kind of targets (one of :data:`TARGETS`) of a registered loss's name or alias,
    None for anything else: the one place a loss's family is read from."""
    return LOSSES.meta(name)["targets"] if isinstance(name, str) and name in LOSSES else None


def is_regression(name) -> bool:
    """Whether ``name`` is a loss of (y, ŷ) alone on real targets (mse, mae)."""
    return targets(name) == "real" and not LOSSES.meta(name).get("requires")


def names(aliases: bool = False) -> list[str]:
    """Every registered loss name (canonical only, unless ``aliases``)."""
    return LOSSES.names(aliases)

