"""DataLoader and TensorDataset: batches, views, reproducible shuffles, sparse rows, errors."""

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp

from lucidnet import manual_seed
from lucidnet.autograd import Tensor
from lucidnet.errors import ShapeError
from lucidnet.training import DataLoader, TensorDataset


def _data(n=10, d=3):
    X = np.arange(n * d, dtype=np.float32).reshape(n, d)
    y = np.arange(n) % 3
    return X, y


def test_batches_in_order_are_views_of_the_data():
    X, y = _data()
    loader = DataLoader((X, y), batch_size=4)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    assert [len(xb) for xb, _ in batches] == [4, 4, 2]
    for k, (xb, yb) in enumerate(batches):
        assert isinstance(xb, Tensor) and not xb.requires_grad
        np.testing.assert_array_equal(xb.data, X[4 * k:4 * k + 4])
        np.testing.assert_array_equal(yb.data, y[4 * k:4 * k + 4])
        assert np.shares_memory(xb.data, X)  # a view, not a copy


def test_drop_last_drops_the_short_batch():
    X, y = _data()
    loader = DataLoader(TensorDataset(X, y), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [len(xb) for xb, _ in loader] == [4, 4]
    assert len(DataLoader(X, batch_size=5, drop_last=True)) == 2


def test_single_array_gives_single_tensors():
    X, _ = _data()
    xb = next(iter(DataLoader(X, batch_size=3)))
    assert isinstance(xb, Tensor) and xb.shape == (3, 3)


def test_shuffle_is_a_permutation_reproducible_per_seed_and_epoch():
    X, y = _data(n=50)
    loader = DataLoader((X, y), batch_size=8, shuffle=True, seed=3)
    first = np.concatenate([yb.data for _, yb in loader])
    second = np.concatenate([yb.data for _, yb in loader])
    rows = np.concatenate([xb.data[:, 0] for xb, _ in DataLoader((X, y), 8, shuffle=True, seed=3)])
    assert sorted(rows.tolist()) == sorted(X[:, 0].tolist())  # every sample once
    np.testing.assert_array_equal(rows, X[loader.order(0), 0])
    assert not np.array_equal(first, second)  # the next pass is the next epoch
    loader.set_epoch(1)
    np.testing.assert_array_equal(np.concatenate([yb.data for _, yb in loader]), second)
    other = DataLoader((X, y), batch_size=8, shuffle=True, seed=3)
    np.testing.assert_array_equal(np.concatenate([yb.data for _, yb in other]), first)


def test_seed_none_draws_from_lucidnet_generator():
    X, y = _data(n=40)
    manual_seed(0)
    a = DataLoader((X, y), batch_size=8, shuffle=True)
    manual_seed(0)
    b = DataLoader((X, y), batch_size=8, shuffle=True)
    assert a.seed == b.seed
    np.testing.assert_array_equal(a.order(0), b.order(0))


def test_shuffled_epoch_gathers_batches_without_copying_the_dataset():
    X = np.ones((20000, 100), dtype=np.float32)  # 8 MB
    loader = DataLoader(X, batch_size=32, shuffle=True, seed=0)
    tracemalloc.start()
    for _ in loader:
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 1_000_000  # the permutation (160 kB) and a batch, never the 8 MB


def test_sparse_rows_stay_csr():
    rng = np.random.default_rng(0)
    X = sp.random(30, 12, density=0.2, format="csr", random_state=0, dtype=np.float32)
    y = rng.integers(0, 2, 30)
    loader = DataLoader((X, y), batch_size=7, shuffle=True, seed=1)
    order = loader.order(0)
    for k, (xb, yb) in enumerate(loader):
        assert sp.issparse(xb) and xb.format == "csr"
        idx = order[7 * k:7 * k + 7]
        np.testing.assert_array_equal(xb.toarray(), X[idx].toarray())
        np.testing.assert_array_equal(yb.data, y[idx])


def test_generic_dataset_is_collated():
    samples = [(np.full(2, i, dtype=np.float32), i) for i in range(5)]
    xb, yb = next(iter(DataLoader(samples, batch_size=3)))
    np.testing.assert_array_equal(xb.data, [[0, 0], [1, 1], [2, 2]])
    np.testing.assert_array_equal(yb.data, [0, 1, 2])


@pytest.mark.parametrize("make", [
    lambda X, y: (X, y),
    lambda X, y: (sp.csr_matrix(X), y),
    lambda X, y: [(row, label) for row, label in zip(X, y)],
], ids=["arrays", "csr", "samples"])
def test_arrays_are_the_batches_without_their_tensors(make):
    X, y = _data(n=11)
    loader = DataLoader(make(X, y), batch_size=4, shuffle=True, seed=2)
    loader.set_epoch(3)
    wrapped = list(loader)
    loader.set_epoch(3)
    bare = list(loader.arrays())
    assert len(bare) == len(wrapped) == 3
    for (xb, yb), (xa, ya) in zip(wrapped, bare):
        assert not isinstance(xa, Tensor) and not isinstance(ya, Tensor)
        assert sp.issparse(xa) == sp.issparse(xb)
        dense = xa.toarray() if sp.issparse(xa) else xa
        np.testing.assert_array_equal(dense, xb.toarray() if sp.issparse(xb) else xb.data)
        np.testing.assert_array_equal(ya, yb.data)


@pytest.mark.parametrize("size", [0, -1])
def test_non_positive_batch_size_is_refused(size):
    X, y = _data()
    with pytest.raises(ValueError, match="batch_size must be positive"):
        DataLoader((X, y), batch_size=size)


def test_non_integer_batch_size_is_refused():
    with pytest.raises(TypeError, match="batch_size"):
        DataLoader(_data()[0], batch_size=2.5)


def test_empty_dataset_is_refused():
    with pytest.raises(ValueError, match="empty"):
        DataLoader((np.zeros((0, 3)), np.zeros(0)))


def test_mismatched_sample_counts_name_both():
    with pytest.raises(ShapeError, match=r"X has 10, y has 9"):
        DataLoader((np.zeros((10, 3)), np.zeros(9)))
