"""Datasets and mini-batches: :class:`TensorDataset` and :class:`DataLoader`.

A mini-batch is one gather ``X[idx]`` per array (or a view ``X[a:b]`` when not
shuffling): the dataset is never copied per epoch. Dense batches come as Tensors
without gradient; rows of a SciPy sparse matrix stay a CSR matrix (the sparse
first-layer path takes them as they are). Shapes: X (N, D), y (N,) or (N, C).

Shuffling is reproducible and resumable: epoch e is permuted by a NumPy Generator
seeded from ``(seed, e)``, so epoch 3 of a resumed run sees the same order as epoch 3
of an uninterrupted one. Without a ``seed`` the loader draws one from
``lucidnet.backend.rng()`` when it is created (``manual_seed`` makes it reproducible).
"""

from __future__ import annotations

import numbers

import numpy

from lucidnet import backend
from lucidnet.autograd import Tensor
from lucidnet.errors import ShapeError


is_sparse = backend.is_sparse


def as_batchable(array, what: str = "array"):
    """``array`` ready for row gathers: sparse → CSR, Tensor → its array, else an array
    of the backend (no copy when it already is one)."""
    if isinstance(array, Tensor):
        array = array.data
    if is_sparse(array):
        return array.tocsr()
    array = backend.asarray(array)
    if array.ndim == 0:
        raise ShapeError(f"{what} must have a sample axis, got a scalar")
    return array


def num_samples(array) -> int:
    return array.shape[0]


class TensorDataset:
    """Arrays that share their first axis (samples): ``TensorDataset(X, y)``.

    ``dataset[i]`` is the tuple ``(X[i], y[i])``; ``len(dataset)`` is N.
    """

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        names = ("X", "y") if len(arrays) == 2 else tuple(f"array {i}" for i in range(len(arrays)))
        self.arrays = tuple(as_batchable(a, n) for a, n in zip(arrays, names))
        counts = [num_samples(a) for a in self.arrays]
        if len(set(counts)) > 1:
            detail = ", ".join(f"{n} has {c}" for n, c in zip(names, counts))
            raise ShapeError(f"TensorDataset: arrays differ in their number of samples: {detail}")

    def __len__(self) -> int:
        return num_samples(self.arrays[0])

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)

    def __repr__(self):
        shapes = ", ".join(str(tuple(a.shape)) for a in self.arrays)
        return f"TensorDataset({shapes})"


def collate(samples: list):
    """Stack samples of a generic dataset into a batch (tuples field by field)."""
    first = samples[0]
    if isinstance(first, tuple):
        return tuple(collate([s[k] for s in samples]) for k in range(len(first)))
    xp = backend.xp
    return Tensor(xp.stack([xp.asarray(s.data if isinstance(s, Tensor) else s) for s in samples]))


class DataLoader:
    """Mini-batches of a dataset, in order or shuffled per epoch.

    ``dataset``: a :class:`TensorDataset`, a tuple of arrays ``(X, y)`` (batches are
    tuples), a single array ``X`` (batches are single Tensors), or any object with
    ``__len__`` and ``__getitem__`` returning samples (stacked by :func:`collate`).
    ``len(loader)`` is the number of batches: ⌈N / batch_size⌉, or ⌊N / batch_size⌋
    with ``drop_last``. Call ``set_epoch(e)`` to pick epoch e's order; otherwise
    every pass over the loader moves on to the next epoch.

    Example::

        loader = DataLoader((X, y), batch_size=32, shuffle=True, seed=0)
        for xb, yb in loader:
            ...
    """

    def __init__(self, dataset, batch_size: int = 32, shuffle: bool = False,
                 drop_last: bool = False, seed: int | None = None):
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
            raise TypeError(f"DataLoader batch_size must be an integer, got {batch_size!r}")
        if batch_size <= 0:
            raise ValueError(f"DataLoader batch_size must be positive, got {batch_size}")
        self.single = not (isinstance(dataset, (tuple, TensorDataset)) or _is_sample_list(dataset))
        if isinstance(dataset, tuple):
            dataset = TensorDataset(*dataset)
        elif self.single:
            dataset = TensorDataset(dataset)
        self.dataset = dataset
        n = len(dataset)
        if n == 0:
            raise ValueError("DataLoader got an empty dataset (0 samples)")
        self.batch_size, self.shuffle, self.drop_last = int(batch_size), shuffle, drop_last
        if seed is None and shuffle:
            seed = int(backend.rng().integers(2**63))
        self.seed = seed
        self.epoch = 0

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def set_epoch(self, epoch: int) -> None:
        """Make the next pass epoch ``epoch`` (its shuffle depends on (seed, epoch) only)."""
        self.epoch = int(epoch)

    def order(self, epoch: int) -> numpy.ndarray:
        """The sample order of ``epoch``: a permutation of 0..N−1 drawn from (seed, epoch)."""
        return numpy.random.default_rng((self.seed, epoch)).permutation(len(self.dataset))

    def __iter__(self):
        return self._batches(tensors=True)

    def arrays(self):
        """The batches of ``iter(loader)`` with each dense array bare, not in a Tensor
        (for a step that calls Functions on arrays, as the training engine's)."""
        return self._batches(tensors=False)

    def _batches(self, tensors: bool):
        epoch, self.epoch = self.epoch, self.epoch + 1
        n, size = len(self.dataset), self.batch_size
        stops = range(size, n + 1 if self.drop_last else n + size, size)
        if not isinstance(self.dataset, TensorDataset):
            order = self.order(epoch) if self.shuffle else numpy.arange(n)
            for stop in stops:
                batch = collate([self.dataset[int(i)] for i in order[stop - size:min(stop, n)]])
                yield batch if tensors else _bare(batch)
            return
        arrays = self.dataset.arrays
        dense = [not is_sparse(a) for a in arrays]
        if self.shuffle:
            host = self.order(epoch)
            device = backend.asarray(host)  # one transfer per epoch; CSR rows need host indices
            index = [device if d else host for d in dense]
            # a matrix's rows: take() is one gather at a third of indexing's cost (NumPy,
            # 32 of 64 floats); a vector and CSR rows by indexing
            gathers = [a.take if d and a.ndim > 1 else None for a, d in zip(arrays, dense)]
        for stop in stops:
            start, stop = stop - size, min(stop, n)
            if self.shuffle:
                parts = [a[i[start:stop]] if take is None else take(i[start:stop], axis=0)
                         for a, i, take in zip(arrays, index, gathers)]
            else:
                parts = [a[start:stop] for a in arrays]
            parts = [a if d else backend.sparse_to_device(a) for a, d in zip(parts, dense)]
            batch = tuple([Tensor(a) if d else a for a, d in zip(parts, dense)]) if tensors else parts
            yield batch[0] if self.single else tuple(batch)

    def __repr__(self):
        return (f"DataLoader({self.dataset!r}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, seed={self.seed})")


def _bare(batch):
    """A collated batch with its Tensors' arrays in their place."""
    if isinstance(batch, tuple):
        return tuple(_bare(b) for b in batch)
    return batch.data if isinstance(batch, Tensor) else batch


def _is_sample_list(dataset) -> bool:
    """A generic dataset (samples by index) rather than one array."""
    if isinstance(dataset, list):
        return True
    is_array = isinstance(dataset, Tensor) or is_sparse(dataset) or hasattr(dataset, "__array__")
    return not is_array and hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")
