"""The array namespace, the default float dtype and the random generator.

Only this module imports NumPy or CuPy as an array library; everything else asks it
for ``xp`` (``backend.xp``), so the same code runs on the CPU (NumPy) or on an NVIDIA
GPU (CuPy). Switching is explicit: ``set_backend('cupy')`` or, scoped,
``with use_backend('cupy'): ...``.

The default dtype and the random generator belong to the calling thread (as PyTorch
keeps grad mode): ``set_default_dtype`` or ``manual_seed`` in one thread leaves the
others as they were, so trainings in threads repeat their serial runs bit for bit. A
new thread starts from the defaults: float32 and a generator seeded by the operating
system (call ``manual_seed`` in it for a reproducible run). The backend is one for the
process: the arrays of one thread may be handed to another, so they must agree on
where arrays live; switch it before starting threads.
"""

from __future__ import annotations

import contextlib
import importlib
import threading

import numpy

xp = numpy
"""The active array module (``numpy`` or ``cupy``)."""

name = "numpy"


class _ThreadDefaults(threading.local):
    """The calling thread's default dtype and generator; each new thread starts here."""

    def __init__(self):
        self.float_dtype = numpy.dtype(numpy.float32)
        self.rng = numpy.random.default_rng()


_defaults = _ThreadDefaults()


def get_default_dtype() -> numpy.dtype:
    """The dtype of this thread's new floating tensors and parameters (float32 unless
    changed), as ``torch.get_default_dtype``."""
    return _defaults.float_dtype


def set_backend(backend_name: str) -> None:
    """Make ``'numpy'`` or ``'cupy'`` the array module of every later operation."""
    global xp, name
    if backend_name not in ("numpy", "cupy"):
        raise ValueError(f"backend must be 'numpy' or 'cupy', got {backend_name!r}")
    try:
        module = importlib.import_module(backend_name)
    except ImportError as err:
        raise ImportError(
            f"backend {backend_name!r} needs the package {backend_name!r}: {err}"
        ) from None
    xp, name = module, backend_name


@contextlib.contextmanager
def use_backend(backend_name: str):
    """Context manager: run the block on ``backend_name``, then restore the previous."""
    previous = name
    set_backend(backend_name)
    try:
        yield xp
    finally:
        set_backend(previous)


def set_default_dtype(dtype) -> None:
    """Set the dtype of this thread's new floating tensors: ``'float32'`` (default) or
    ``'float64'``."""
    dtype = numpy.dtype(dtype)
    if dtype not in (numpy.float32, numpy.float64):
        raise ValueError(f"default dtype must be float32 or float64, got {dtype}")
    _defaults.float_dtype = dtype


@contextlib.contextmanager
def default_dtype(dtype):
    """Context manager: new floating tensors get ``dtype`` inside the block."""
    previous = _defaults.float_dtype
    set_default_dtype(dtype)
    try:
        yield
    finally:
        set_default_dtype(previous)


def manual_seed(seed: int) -> None:
    """Seed this thread's random generator: the same seed gives the same run, bit for bit."""
    _defaults.rng = numpy.random.default_rng(seed)


def rng() -> numpy.random.Generator:
    """This thread's generator behind initializers, dropout masks and shuffling (host
    side)."""
    return _defaults.rng


def get_rng_state() -> dict:
    """The state of :func:`rng` as JSON-ready data (PyTorch's ``get_rng_state``):
    ModelCheckpoint stores it, so a resumed run draws the Dropout masks it would have."""
    return rng().bit_generator.state


def set_rng_state(state: dict) -> None:
    """Make :func:`rng` continue from ``state`` (from :func:`get_rng_state`); ValueError
    for anything else, such as a damaged checkpoint's. Like the generator, per thread."""
    generator = numpy.random.default_rng()
    try:
        generator.bit_generator.state = state
    except (TypeError, ValueError, KeyError) as err:
        raise ValueError(f"not a random generator state of "
                         f"{type(generator.bit_generator).__name__}: {err}") from None
    _defaults.rng = generator


def asarray(data, dtype=None):
    """``data`` as an array of the active backend (copied to the GPU under CuPy)."""
    return xp.asarray(data, dtype=dtype)


def is_sparse(array) -> bool:
    """Whether ``array`` is a SciPy sparse matrix or array, or CuPy's twin on the GPU
    (``cupyx.scipy.sparse``), without importing either."""
    return type(array).__module__.startswith(("scipy.sparse", "cupyx.scipy.sparse"))


def sparse_to_device(matrix):
    """A SciPy CSR ``matrix`` on the active backend: itself under NumPy, a
    ``cupyx.scipy.sparse.csr_matrix`` copy under CuPy (whose products with device arrays
    stay on the device; SciPy's would need the host)."""
    if name != "cupy" or not type(matrix).__module__.startswith("scipy.sparse"):
        return matrix
    return importlib.import_module("cupyx.scipy.sparse").csr_matrix(matrix)


def to_numpy(array) -> numpy.ndarray:
    """A host NumPy array from an array of any backend."""
    if isinstance(array, numpy.ndarray):
        return array
    get = getattr(array, "get", None)  # cupy.ndarray.get() copies to the host
    return get() if get is not None else numpy.asarray(array)
