"""Shared fixtures: the real datasets in ../shared/data and reproducible seeds."""

import os
from pathlib import Path

import pytest

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
