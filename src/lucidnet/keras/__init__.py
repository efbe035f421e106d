"""A Keras-compatible facade: the course's Keras code runs after ``from lucidnet import keras``.

Names, arguments and defaults are Keras's; the arithmetic underneath is lucidnet's.
"""

from lucidnet import __version__ as _lucidnet_version
from lucidnet.keras import (  # noqa: F401
    activations,
    backend,
    callbacks,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    regularizers,
    saving,
    utils,
)
from lucidnet.keras.layers import Input  # noqa: F401
from lucidnet.keras.models import Model, Sequential  # noqa: F401

__version__ = f"3.15.1+lucidnet.{_lucidnet_version}"
"""The Keras 3 release whose names, defaults and printed output this facade follows,
and the lucidnet that implements it (PEP 440: ``packaging.version`` reads it as 3.15.1)."""

from lucidnet.keras import unsupported as _unsupported  # noqa: E402

__getattr__ = _unsupported.refuse("keras", _unsupported.KERAS)
