"""BLAS threads: set by the user, or chosen by measuring the first training steps.

NumPy's products run on its BLAS (OpenBLAS in NumPy's wheels), which starts one thread
per core. On a quiet machine two threads make a large product faster; on a busy one
(a laptop with a browser, a shared lab server, the test suite's other workers) the
threads wait for each other and an MNIST epoch took 4.5× longer at two threads than at
one (PyTorch's 26×). So, as PyTorch users set ``torch.set_num_threads``:

- :func:`set_num_threads` (n) limits every BLAS of the process to n threads, and
  :func:`get_num_threads` says how many they use;
- otherwise every optimizer's first steps choose (:class:`ThreadChoice`, called by
  ``Optimizer.step``, so ``fit`` through any door and the PyTorch-style loop alike):
  blocks of steps at the default count N and at one thread, in turn, timed on the wall
  clock (about 0.6 s of training), and N stays only when it is clearly faster
  (:data:`GAIN`); steps that take under :data:`SMALL` seconds at N take one thread
  after the first block (their products are too small to share); the choice is made
  again when the steps become :data:`SLOWDOWN` times slower than when it was made.

A user's setting always wins: the choice stands down when ``OMP_NUM_THREADS``,
``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` or ``BLIS_NUM_THREADS`` is set, after
:func:`set_num_threads`, and when the count is not the one the process started with (its
cores: threadpoolctl's ``threadpool_limits``) or the choice last left.

BLAS threads belong to the process, not to a Python thread (unlike grad mode, the
default dtype and the random generator, :mod:`lucidnet.backend`): only the main thread
chooses; trainings in other threads (Dask's thread workers, Optuna's ``n_jobs``) run
with the count as it is. Choosing changes only the count, and so only what the count
changes: OpenBLAS splits a large product differently on 2 threads than on 1, and the
last bits of a loss may move.

threadpoolctl does the setting (the ``threads`` extra: ``pip install
'lucidnet[threads]'``); without it :func:`set_num_threads` raises an ImportError naming
the extra and nothing is chosen.
"""

from __future__ import annotations

import logging
import os
import statistics
import threading
import time

ENVIRONMENT = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
"""The variables by which a user sets the BLAS threads before the process starts."""

SMALL = 5e-4
"""Seconds per step at N threads below which a step takes one thread unmeasured."""

GAIN = 0.8
"""N threads are kept only when a step takes under GAIN times its time at one thread:
threads that gain little still take a core from the machine's other work, and lose
far more than they gain when that work comes back (the watch then chooses again)."""

BLOCK, ROUNDS, WARMUP = 0.1, 3, 2
"""The choice times blocks of steps at N and at one thread, in turn, ROUNDS of each; a
block lasts at least BLOCK seconds and 3 steps (longer than the scheduler's time slices,
so that a busy neighbour shows). The first WARMUP steps, and the first step after each
change of count, are not timed (they pay for lazy set-up and for waking threads)."""

SLOWDOWN, WATCH = 2.0, 1.0
"""After the choice, the mean step of each WATCH seconds is watched; SLOWDOWN times the
chosen count's makes the choice again."""

_NOTES = logging.getLogger("lucidnet")


class _Process:
    """What the process's choice knows: whether the user set the count (``explicit``),
    the count at first sight (``first``), the count a choice last left (``left``), and
    threadpoolctl's controller of the BLAS libraries (None: not looked up yet)."""

    explicit = any(os.environ.get(name) for name in ENVIRONMENT)
    first: int | None = None
    left: int | None = None
    blas = None


def _threadpoolctl():
    try:
        import threadpoolctl
    except ImportError as err:
        raise ImportError("lucidnet sets BLAS threads with threadpoolctl: pip install "
                          f"'lucidnet[threads]' ({err})") from None
    return threadpoolctl


def _blas():
    """threadpoolctl's controller of every BLAS library loaded now."""
    _Process.blas = _threadpoolctl().ThreadpoolController().select(user_api="blas")
    return _Process.blas


def _count() -> int:
    """The lowest count of the BLAS libraries loaded now: a library loaded after a user's
    limit (SciPy's OpenBLAS, which lucidnet imports lazily) starts at its default and must
    not hide that limit."""
    return min([lib.num_threads for lib in (_Process.blas or _blas()).lib_controllers] or [1])


def _set(n: int) -> None:
    for lib in (_Process.blas or _blas()).lib_controllers:
        lib.set_num_threads(n)


def set_num_threads(n: int) -> None:
    """Run every BLAS of the process on ``n`` threads from now on (PyTorch's name). An
    explicit setting: no training chooses a count after it."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads expects a whole number >= 1, got {n!r}")
    _blas()  # libraries loaded since the last look are set too
    _set(n)
    _Process.explicit = True


def get_num_threads() -> int:
    """The number of threads the BLAS libraries of the process use (the largest)."""
    return max([lib.num_threads for lib in _blas().lib_controllers] or [1])


def automatic_count() -> int | None:
    """N, the count a choice starts from: the process's cores when the count is as the
    process started or as the last choice left it; None when the user set it (see the
    module docstring), threadpoolctl is missing, or this is not the main thread."""
    if _Process.explicit or threading.current_thread() is not threading.main_thread():
        return None
    try:
        count = _count()
    except ImportError:
        return None
    if _Process.first is None:
        _Process.first = count
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if _Process.first != cores or count not in (_Process.first, _Process.left):
        return None
    return _Process.first


class ThreadChoice:
    """The choice of one optimizer: call :meth:`step` after each training step.

    ``most``: N, the count to measure against one thread (None: :func:`automatic_count`
    at the first step); ``clock``: seconds (the wall clock: what a user waits for).
    ``threads`` is the count chosen (None before), ``seconds`` the mean step time
    measured at each count (the median over its blocks), ``reason`` why the count is
    what it is. The first block runs at N: under :data:`SMALL` seconds a step, the
    choice is one thread; else N is kept only when faster by the margin :data:`GAIN`.
    """

    def __init__(self, most: int | None = None, clock=time.perf_counter):
        self.most, self.clock = most, clock
        self.threads, self.seconds, self.reason = None, {}, "not measured yet"
        self._blocks, self._means, self._last = None, {}, None
        self._skip, self._steps, self._spent = 0, 0, 0.0

    def __repr__(self):
        measured = ", ".join(f"{n}: {s * 1e3:.3g} ms" for n, s in self.seconds.items())
        return f"ThreadChoice(threads={self.threads}, step time {{{measured}}}, {self.reason})"

    def step(self) -> None:
        """Note that a training step ended: time it; at a block's end, set the count of
        the next block, or choose."""
        now = self.clock()
        if self._blocks is None:  # the first step: nothing to time yet
            self._start(self.most if self.most is not None else automatic_count())
        elif self._skip:
            self._skip -= 1
        elif self._blocks or self.threads is not None:
            self._steps, self._spent = self._steps + 1, self._spent + (now - self._last)
            if self._blocks and self._steps >= 3 and self._spent >= BLOCK:
                self._end_block()
            elif not self._blocks and self._spent >= WATCH:
                self._watch()
        self._last = now

    def _start(self, most, again: str = "") -> None:
        """Plan the blocks, or give up when there is nothing to choose. While they run,
        ``threads`` stays the count chosen before (None the first time)."""
        if most is None or most <= 1:
            self._blocks = []
            self.reason = "one thread to choose from" if most else "set by the user"
            return
        _Process.left = _count()  # a count this choice may change
        self._blocks, self._means, self.reason = [most, 1] * ROUNDS, {}, "measuring" + again
        self._next_block(WARMUP)

    def _next_block(self, skip: int = 1) -> None:
        self._skip, self._steps, self._spent = skip, 0, 0.0
        self._switch(self._blocks[0])

    def _switch(self, n: int) -> bool:
        """Set the count to n, unless someone changed it since a choice last set it: then
        that setting wins and this choice ends (False)."""
        current = _count()
        if current != _Process.left:
            self._blocks, self.threads, self.reason = [], None, "set by the user"
            return False
        if current != n:
            _set(n)
        _Process.left = n
        return True

    def _end_block(self) -> None:
        count = self._blocks.pop(0)
        self._means.setdefault(count, []).append(self._spent / self._steps)
        self.seconds = {n: statistics.median(ts) for n, ts in self._means.items()}
        if 1 not in self.seconds and self.seconds[count] < SMALL:
            self._blocks, self.reason = [], f"steps under {SMALL * 1e3:g} ms at {count} threads"
            self._choose(1)
        elif self._blocks:
            self._next_block()
        else:
            most = max(self.seconds)
            self.reason = self.reason.replace("measuring", "measured")
            self._choose(most if self.seconds[most] < GAIN * self.seconds[1] else 1)

    def _choose(self, n: int) -> None:
        if self._switch(n):
            self.threads, self._steps, self._spent = n, 0, 0.0
            _NOTES.info("BLAS threads: %s", self)

    def _watch(self) -> None:
        """Choose again when the last WATCH seconds' mean step is SLOWDOWN times the
        chosen count's."""
        mean, self._steps, self._spent = self._spent / self._steps, 0, 0.0
        reference = self.seconds.get(self.threads)
        if reference is not None and mean > SLOWDOWN * reference:
            self._start(max(self.seconds), " again after a slowdown")
