"""A Keras-compatible facade: the course's Keras code runs after ``from lucidnet import keras``.

Names, arguments and defaults are Keras's; the arithmetic underneath is lucidnet's.
"""

from lucidnet.keras import (  # noqa: F401
    activations,
    callbacks,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    regularizers,
    utils,
)
from lucidnet.keras.layers import Input  # noqa: F401
from lucidnet.keras.models import Model, Sequential  # noqa: F401
