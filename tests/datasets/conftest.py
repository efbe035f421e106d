"""Fixtures of the dataset tests: an empty data home and cache, and Fashion-MNIST read once."""

import pytest

from lucidnet.datasets import fashion_mnist


@pytest.fixture(autouse=True)
def data_home(tmp_path, monkeypatch):
    """Point ``$LUCIDNET_DATA`` (the data home) and ``$LUCIDNET_HOME`` (the cache) to
    empty folders, so no test sees real files unless it names them."""
    monkeypatch.setenv("LUCIDNET_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("LUCIDNET_HOME", str(tmp_path / "home"))
    return tmp_path / "data"


@pytest.fixture(scope="session")
def fashion(shared_data):
    """``fashion_mnist.load_data`` of the real files, decompressed once per session."""
    return fashion_mnist.load_data(shared_data / "fashion-mnist")
