"""Imports every section module, in the order of the lectures (registration order is
the report's order)."""

from lucidnet.lab import (  # noqa: F401
    regression,
    depth,
    activations,
    initialization,
    text,
    multitask,
    backprop,
)
