"""lucidnet.parallel: engines that map a function over argument tuples."""

import os

import pytest

from lucidnet import parallel

pytest.importorskip("joblib")
threadpoolctl = pytest.importorskip("threadpoolctl")


def _blas_threads():
    """The BLAS threads this process may use (None without a BLAS library)."""
    infos = threadpoolctl.threadpool_info()
    return max((info["num_threads"] for info in infos if info["user_api"] == "blas"),
                  default=None)


def _square(x):
    return x * x


def test_serial_and_local_processes_return_the_same_list_in_order():
    arguments = [(i,) for i in range(7)]
    seen = []
    serial = parallel.run_all(_square, arguments, "serial")
    local = parallel.run_all(_square, arguments, "joblib", jobs=2,
                             progress=lambda i, r: seen.append((i, r)))
    assert serial == local == [i * i for i in range(7)]
    assert sorted(seen) == [(i, i * i) for i in range(7)]


def test_local_workers_share_the_cores_between_their_blas_threads():
    engine = parallel.get("joblib", jobs=2)
    assert isinstance(engine, parallel.Local)
    expected = max(1, (os.cpu_count() or 1) // 2)
    assert engine.blas_threads == expected
    results = dict(engine.imap(_blas_threads, [(), ()]))
    assert set(results.values()) <= {expected, None}  # None: NumPy without a BLAS library


@pytest.mark.parametrize("engine, jobs, kind", [(None, 1, parallel.Serial),
                                                ("joblib", 1, parallel.Serial),
                                                ("serial", 3, parallel.Serial),
                                                (None, 2, parallel.Local)])
def test_get_names_the_engines(engine, jobs, kind):
    assert isinstance(parallel.get(engine, jobs), kind)


def test_serial_runs_with_the_blas_threads_it_is_given():
    assert dict(parallel.get("serial", blas_threads=1).imap(_blas_threads, [()])) in (
        {0: 1}, {0: None})
    with pytest.raises(ValueError, match="blas_threads must be a positive integer, got 0"):
        parallel.get("serial", blas_threads=0)


def test_an_engine_object_is_used_as_it_is():
    engine = parallel.Serial()
    assert parallel.get(engine) is engine


@pytest.mark.parametrize("engine, jobs, words", [("spark", 1, "engine must be"),
                                                 (None, 0, "jobs must be a positive"),
                                                 (None, 1.5, "jobs must be a positive"),
                                                 (None, True, "jobs must be a positive")])
def test_bad_engines_and_jobs_are_refused_clearly(engine, jobs, words):
    with pytest.raises(ValueError, match=words):
        parallel.get(engine, jobs)
