"""The in-place vector arithmetic of the update rules, each operation one pass over memory.

A parameter update is memory-bound: with θ, g and the moments in the last-level cache
or beyond, the time is the number of passes over them. NumPy writes ``y += a * x`` as
two passes and a temporary; :func:`axpy` does y ← y + a·x in one (BLAS ``axpy``, the
routine of that name since 1979, through SciPy), and :class:`Scratch` lends one buffer
per dtype for the intermediate results, so a step allocates nothing. Measured on the
784-256-256-10 network's Adam step: 13 NumPy passes with temporaries 0.75 ms, the 9
passes below 0.55 ms; on a 2,410-entry vector 25 µs against 10 µs.
"""

from __future__ import annotations

import functools

from lucidnet import backend


@functools.cache
def _blas_axpy(dtype):
    """SciPy's BLAS axpy for ``dtype`` (float32: saxpy, float64: daxpy), else None.
    Imported on first use: SciPy's linear algebra is slow to import."""
    from scipy.linalg import blas

    return {"float32": blas.saxpy, "float64": blas.daxpy}.get(dtype.name)


def axpy(a: float, x, y) -> None:
    """y ← y + a·x in place, in one pass (x, y of one shape and dtype; a a Python float).

    BLAS when both are contiguous NumPy float32/float64 arrays; elsewhere (CuPy,
    strided views) ``y += a * x``, the same value."""
    routine = None
    if backend.name == "numpy" and y.flags.c_contiguous and x.flags.c_contiguous:
        routine = _blas_axpy(y.dtype)
    if routine is None:
        y += a * x
        return
    flat = y.reshape(-1)
    out = routine(x.reshape(-1), flat, a=a)
    if out is not flat:  # f2py copied instead of working in place: y must still change
        flat[...] = out


class Scratch:
    """One reusable buffer per backend and dtype, lent as an array of any shape up to
    its size. Not optimizer state: nothing in it outlives the operation that asked."""

    def __init__(self):
        self._buffers = {}

    def like(self, a):
        """An uninitialized array of ``a``'s shape and dtype (overwritten by the next call)."""
        key = (backend.name, a.dtype)
        buffer = self._buffers.get(key)
        if buffer is None or buffer.size < a.size:
            buffer = self._buffers[key] = backend.xp.empty(a.size, dtype=a.dtype)
        return buffer[:a.size].reshape(a.shape)
