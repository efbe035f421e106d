"""``keras.activations``: lucidnet's activation functions under Keras's names and
defaults (``leaky_relu``'s slope is 0.2 here, as Keras's function; 0.01 in
``lucidnet.functional``, as PyTorch)."""

from lucidnet import functional as F
from lucidnet.activations import get, info, names  # noqa: F401
from lucidnet.functional import (  # noqa: F401
    elu,
    exponential,
    gelu,
    hard_sigmoid,
    identity as linear,
    log_softmax,
    relu,
    selu,
    sigmoid,
    silu,
    softmax,
    softplus,
    swish,
    tanh,
)


def leaky_relu(x, negative_slope: float = 0.2):
    """max(x, αx) with Keras's default α = 0.2."""
    return F.leaky_relu(x, negative_slope=negative_slope)
