"""Shared fixtures: the real datasets in ../shared/data and reproducible seeds."""

import os
from pathlib import Path

import numpy  # noqa: F401  (its BLAS loaded, so that the limit below reaches it)
import pytest
from threadpoolctl import threadpool_limits

if os.environ.get("PYTEST_XDIST_WORKER"):
    # One BLAS thread per test worker: the workers already fill the cores, and the
    # many small matrix products of the tests run 100× slower when threads contend.
    # (A limit set before NumPy is imported reaches no BLAS: the workers ran with one
    # thread per core.) A count set so also keeps lucidnet from choosing one.
    threadpool_limits(1)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real datasets (``$LUCIDNET_SHARED_DATA``, else ../shared/data).

    Missing data is a failure, not a skip: CI must prove the loaders on real files.
    """
    path = Path(os.environ.get("LUCIDNET_SHARED_DATA") or REPO.parent / "shared" / "data")
    if not path.is_dir():
        pytest.fail(
            f"real datasets not found at {path}; set LUCIDNET_SHARED_DATA to the shared/data folder"
        )
    return path
