"""Differentiable functions (``import lucidnet.functional as F``): activations and losses."""

from lucidnet.functional.activations import *  # noqa: F401,F403
from lucidnet.functional.losses import *  # noqa: F401,F403
from lucidnet.functional import activations as _activations, losses as _losses

__all__ = [*_activations.__all__, *_losses.__all__]
