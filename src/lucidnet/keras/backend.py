"""``keras.backend``: the session-wide settings Keras code reaches for."""

from lucidnet import backend
from lucidnet.keras.layers import reset_names


def clear_session() -> None:
    """Forget the automatic layer names, so the next ``Dense`` is 'dense' again (lucidnet
    keeps no graph or session state besides)."""
    reset_names()


def floatx() -> str:
    """The default float dtype's name: 'float32' unless changed."""
    return backend.xp.dtype(backend.get_default_dtype()).name


def epsilon() -> float:
    """Keras's fuzz factor, 1e-7."""
    return 1e-7
