"""``torch.cuda``: a GPU is lucidnet's CuPy backend (``lucidnet.set_backend('cupy')``)."""

from lucidnet import backend
from lucidnet.torch._unsupported import missing


def is_available() -> bool:
    """True when lucidnet computes on the GPU (the CuPy backend is active)."""
    return backend.name == "cupy"


def device_count() -> int:
    return 1 if is_available() else 0


def manual_seed(seed) -> None:
    """lucidnet has one generator (``torch.manual_seed``); this seeds it too."""
    backend.manual_seed(int(seed))


manual_seed_all = manual_seed


def __getattr__(name):
    raise missing("torch.cuda", name)
