"""Subnormal floats flushed to zero: the x86 CPU's FTZ and DAZ flags, for one thread.

A float32 below 1.2e-38 (the smallest normal) is subnormal, and most x86 CPUs compute
with it far more slowly: here (AMD EPYC) ``sqrt`` and ``divide`` take 2.4× as long,
on many Intel CPUs 20–100×. Adam's moments of a unit that no longer learns (a dead
ReLU) decay by β each step into that range, and then every step pays. With FTZ
(flush to zero: a result below the normal range becomes 0) and DAZ (denormals are
zero: such an input is read as 0), they cost nothing; the numbers differ only where a
subnormal would have appeared, by less than 1.2e-38. PyTorch's
``torch.set_flush_denormal`` is the same switch.

The flags live in the MXCSR register of each thread: setting them here changes the
calling thread only (NumPy's elementwise work runs there; BLAS threads keep theirs).
They are set through the C library's ``fegetenv``/``fesetenv``, on Linux x86-64 with
glibc; elsewhere :func:`set_flush_denormal` returns False and changes nothing.
``Trainer.fit`` flushes inside its loop and restores the thread's flags afterwards
(``Trainer(flush_denormal=False)`` leaves the thread's flags as they are: IEEE
subnormals unless the caller set them).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import platform

_FTZ_DAZ = 0x8040  # MXCSR bits: flush to zero (15), denormals are zero (6)
_MXCSR_AT = 28  # glibc's x86-64 fenv_t: the 28-byte x87 environment, then MXCSR
_ENV_SIZE = 64  # room for fenv_t (32 bytes) and more


@functools.cache
def _libm():
    """The C math library when this is Linux on x86-64, else None."""
    if platform.system() != "Linux" or platform.machine().lower() not in ("x86_64", "amd64"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
    except OSError:
        return None


def _get_env():
    """(environment buffer, MXCSR) of this thread, or None when they cannot be read. An
    MXCSR has bits 16–31 clear; anything else means the layout is not glibc's."""
    libm = _libm()
    if libm is None:
        return None
    env = ctypes.create_string_buffer(_ENV_SIZE)
    if libm.fegetenv(env) != 0:
        return None
    mxcsr = int.from_bytes(env.raw[_MXCSR_AT:_MXCSR_AT + 4], "little")
    return (env, mxcsr) if mxcsr >> 16 == 0 else None


def _set_mxcsr(env, mxcsr: int) -> bool:
    raw = bytearray(env.raw)
    raw[_MXCSR_AT:_MXCSR_AT + 4] = mxcsr.to_bytes(4, "little")
    return _libm().fesetenv(ctypes.create_string_buffer(bytes(raw), _ENV_SIZE)) == 0


def is_flush_denormal() -> bool:
    """Whether this thread flushes subnormal floats to zero (FTZ and DAZ both set)."""
    state = _get_env()
    return state is not None and state[1] & _FTZ_DAZ == _FTZ_DAZ


def _switch(mode: bool):
    """Set FTZ and DAZ for ``mode``; the (environment, MXCSR) to restore, or None when the
    flags cannot be set."""
    state = _get_env()
    if state is None:
        return None
    env, mxcsr = state
    return state if _set_mxcsr(env, mxcsr | _FTZ_DAZ if mode else mxcsr & ~_FTZ_DAZ) else None


def set_flush_denormal(mode: bool) -> bool:
    """Flush subnormal floats to zero on this thread (``mode=True``) or compute with them
    (False, IEEE's default). Returns whether the CPU and platform let it be set, as
    ``torch.set_flush_denormal``."""
    return _switch(mode) is not None


@contextlib.contextmanager
def flush_denormal(mode: bool = True):
    """Context manager: :func:`set_flush_denormal` (``mode``) inside the block, then this
    thread's flags as they were. Does nothing where the flags cannot be set."""
    previous = _switch(mode)
    try:
        yield
    finally:
        if previous is not None:
            _set_mxcsr(*previous)
