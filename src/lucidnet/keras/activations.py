"""``keras.activations``: lucidnet's activation functions under Keras's names and
defaults (``leaky_relu``'s slope is 0.2 here, as Keras's function; 0.01 in
``lucidnet.functional``, as PyTorch). A name given to a Keras layer means Keras's
function with Keras's defaults (``Dense(8, activation='leaky_relu')``: slope 0.2)."""

from lucidnet.activations import Spec, info, names, spec
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

__all__ = ["get", "info", "names", "serialize", "leaky_relu"]

KERAS_DEFAULTS = {"leaky_relu": {"negative_slope": 0.2}}
"""The arguments a Keras name implies where Keras's default differs from lucidnet's."""

leaky_relu = Spec("leaky_relu", KERAS_DEFAULTS["leaky_relu"])
"""max(x, αx) with Keras's default α = 0.2 (``leaky_relu(x, negative_slope=0.1)`` works)."""


def get(identifier):
    """The activation for a name (Keras's defaults), config, Spec or registered function,
    as a :class:`~lucidnet.activations.Spec`; None → 'linear'; any other callable as is."""
    resolved = spec("linear" if identifier is None else identifier, KERAS_DEFAULTS)
    if resolved is None and not callable(identifier):
        raise TypeError(f"expected an activation name, config or callable, got "
                        f"{type(identifier).__name__}")
    return resolved or identifier


def serialize(activation, who: str):
    """What a model file stores for ``activation`` (a Spec): its name, or its name and
    arguments; any other callable is refused, naming it, as it could not be rebuilt."""
    if isinstance(activation, Spec):
        return activation.config()
    raise ValueError(f"{who}: activation {getattr(activation, '__qualname__', activation)!r} "
                     "is not a registered activation, so the model cannot be saved with it; "
                     "use a name ('relu'), a keras.activations function, or register it "
                     "with ACTIVATIONS.register(name, function=...)")
