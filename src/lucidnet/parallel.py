"""Engines that run many independent calls (trials, seeds) at once.

An engine maps a module-level function over argument tuples and yields ``(index,
result)`` as each call finishes. Every call computes exactly what it would compute
alone with the same number of BLAS threads: the function seeds itself from its
arguments, and lucidnet's grad mode, default dtype and generator belong to the thread
that runs it (``backend``). The BLAS thread count matters: OpenBLAS splits a large
product differently with 2 threads than with 1, and the last bits change (a
64-128-128-10 network's validation loss after 3 epochs: 0.13994748 with 2 threads,
0.13994752 with 1). ``blas_threads`` sets it for every call (``--blas-threads`` on the
command line), so a serial run with ``blas_threads=1`` repeats a run on 2 workers of
one thread each bit for bit.

    serial              one call after the other, here (BLAS threads as they are)
    joblib (default)    local worker processes (loky); each limits its BLAS threads
                        to cores // jobs with threadpoolctl, so they share the cores
    dask                a LocalCluster of ``jobs`` process workers, one thread and
                        one BLAS thread each, without Dask's diagnostics (below)
    dask://HOST:PORT    the scheduler of a running cluster (or pass a ``Client``);
                        start its workers with ``--nthreads 1``

joblib, threadpoolctl and dask[distributed] are the ``sweep`` extra
(``pip install 'lucidnet[sweep]'``), imported only when an engine needs them.
"""

from __future__ import annotations

import contextlib
import importlib
import os


def import_extra(module: str):
    """``module``, or an ImportError that names the ``sweep`` extra."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(f"this engine needs {module.split('.')[0]!r}: pip install "
                          f"'lucidnet[sweep]' ({err})") from None


def _call(fn, args, blas_threads):
    """fn(*args), with at most ``blas_threads`` BLAS threads in this process (None: as
    they are)."""
    if blas_threads is None:
        return fn(*args)
    with import_extra("threadpoolctl").threadpool_limits(limits=blas_threads, user_api="blas"):
        return fn(*args)


class Serial:
    """The calls one after the other, in this thread."""

    jobs = 1

    def __init__(self, blas_threads: int | None = None):
        self.blas_threads = blas_threads

    def imap(self, fn, arguments):
        for i, args in enumerate(arguments):
            yield i, _call(fn, args, self.blas_threads)

    def close(self) -> None:
        pass

    def __repr__(self):
        return f"Serial(blas_threads={self.blas_threads})"


class Local:
    """``jobs`` local worker processes through joblib (loky), each limited to
    cores // jobs BLAS threads with threadpoolctl."""

    def __init__(self, jobs: int, blas_threads: int | None = None):
        self.jobs = jobs
        self.blas_threads = blas_threads or max(1, (os.cpu_count() or 1) // jobs)

    def imap(self, fn, arguments):
        joblib = import_extra("joblib")
        arguments = list(arguments)
        tasks = (joblib.delayed(_indexed)(i, fn, args, self.blas_threads)
                 for i, args in enumerate(arguments))
        parallel = joblib.Parallel(n_jobs=self.jobs, return_as="generator_unordered")
        yield from parallel(tasks)

    def close(self) -> None:
        """Stop the worker processes and wait for them (loky would keep them idle)."""
        from joblib.externals.loky import get_reusable_executor

        get_reusable_executor().shutdown(wait=True)

    def __repr__(self):
        return f"Local(jobs={self.jobs}, blas_threads={self.blas_threads})"


# Dask's diagnostics cost a CPU-bound sweep: each worker's profiler takes the GIL from
# the trial every 10 ms to sample its stack, and every process wakes every 20 ms to check
# its event loop and every 100 ms to poll memory (an idle 2-worker cluster: 0.46 CPU-s in
# 5 s; with the settings below, 0.05).
# The LocalCluster lucidnet starts runs without the profiler and wakes once a second; a
# cluster you start is configured by you (see the README's recipe).
QUIET_CLUSTER = {"distributed.worker.profile.enabled": False,
                 "distributed.admin.tick.interval": "1s",
                 "distributed.worker.memory.monitor-interval": "1s"}


def _indexed(i, fn, args, blas_threads):
    return i, _call(fn, args, blas_threads)


class Dask:
    """Calls as Dask tasks on ``client``: a ``distributed.Client``, a scheduler address
    (``'tcp://HOST:PORT'``), or None for a LocalCluster of ``jobs`` process workers with
    one thread each (closed with the engine). Each call limits its BLAS threads to
    ``blas_threads``; a LocalCluster's workers start with that many (default 1)."""

    def __init__(self, client=None, jobs: int = 2, blas_threads: int | None = None):
        distributed = import_extra("distributed")
        self._owned, self.blas_threads = [], blas_threads
        if client is None:
            blas = {name: str(blas_threads or 1) for name in
                    ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
            with import_extra("dask").config.set(QUIET_CLUSTER):
                cluster = distributed.LocalCluster(n_workers=jobs, threads_per_worker=1,
                                                   processes=True, env=blas,
                                                   dashboard_address=":0")
                client = distributed.Client(cluster)
            self._owned = [client, cluster]
        elif isinstance(client, str):
            client = distributed.Client(client)
            self._owned = [client]
        self.client = client
        self.jobs = sum(self.client.nthreads().values()) or jobs

    def imap(self, fn, arguments):
        distributed = import_extra("distributed")
        futures = {self.client.submit(_call, fn, args, self.blas_threads, pure=False): i
                   for i, args in enumerate(arguments)}
        for future in distributed.as_completed(futures):
            yield futures[future], future.result()

    def close(self) -> None:
        for owned in self._owned:
            owned.close()
        self._owned = []

    def __repr__(self):
        return f"Dask({self.client.scheduler.address!r})"


def get(engine=None, jobs: int = 1, blas_threads: int | None = None):
    """The engine named by ``engine``: None or ``'joblib'`` (local processes; serial
    when ``jobs`` is 1), ``'serial'``, ``'dask'`` (a LocalCluster of ``jobs`` process
    workers), ``'dask://HOST:PORT'``, a ``distributed.Client``, or an engine (used as it
    is). ``blas_threads``: per call (None: the engine's default, see the module)."""
    for name, value in (("jobs", jobs), ("blas_threads", blas_threads)):
        if not (value is None and name == "blas_threads") and (
                not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if engine is None or engine == "joblib":
        return Serial(blas_threads) if jobs == 1 else Local(jobs, blas_threads)
    if engine == "serial":
        return Serial(blas_threads)
    if engine == "dask":
        return Dask(None, jobs, blas_threads)
    if isinstance(engine, str) and engine.startswith("dask://"):
        return Dask("tcp://" + engine[len("dask://"):], jobs, blas_threads)
    if hasattr(engine, "imap"):
        return engine
    if type(engine).__name__ == "Client" and hasattr(engine, "submit"):
        return Dask(engine, jobs, blas_threads)
    raise ValueError("engine must be 'serial', 'joblib', 'dask', 'dask://HOST:PORT', a "
                     f"distributed.Client or an engine, got {engine!r}")


def run_all(fn, arguments, engine=None, jobs: int = 1, progress=None,
            blas_threads: int | None = None) -> list:
    """[fn(*args) for args in arguments] on ``engine`` (see :func:`get`), in order;
    ``progress(index, result)`` is called as each finishes."""
    arguments = list(arguments)
    results = [None] * len(arguments)
    with opened(engine, jobs, blas_threads) as runner:
        for i, result in runner.imap(fn, arguments):
            results[i] = result
            if progress is not None:
                progress(i, result)
    return results


@contextlib.contextmanager
def opened(engine=None, jobs: int = 1, blas_threads: int | None = None):
    """Context manager: the engine :func:`get` makes, closed at the end of the block
    when it was made here (a LocalCluster it started is shut down)."""
    runner = get(engine, jobs, blas_threads)
    try:
        yield runner
    finally:
        if runner is not engine:
            runner.close()
