"""Fixtures of the dataset tests: an empty lucidnet home, and Fashion-MNIST read once."""

import pytest

from lucidnet.datasets import fashion_mnist


@pytest.fixture(autouse=True)
def lucidnet_home(tmp_path, monkeypatch):
    """Point ``$LUCIDNET_HOME`` to an empty folder, so no test sees a real cache."""
    monkeypatch.setenv("LUCIDNET_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LUCIDNET_R8R52_DIR", raising=False)
    monkeypatch.delenv("LUCIDNET_REUTERS_DIR", raising=False)
    return tmp_path / "home"


@pytest.fixture(scope="session")
def fashion(shared_data):
    """``fashion_mnist.load_data`` of the real files, decompressed once per session."""
    return fashion_mnist.load_data(shared_data / "fashion-mnist")
