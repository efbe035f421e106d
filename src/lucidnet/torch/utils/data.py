"""``torch.utils.data``: Dataset, TensorDataset, DataLoader over lucidnet's DataLoader.

Batches are gathered by :class:`lucidnet.training.DataLoader` (one gather per array for a
TensorDataset; samples stacked for any other Dataset) and handed out as facade Tensors,
a list per batch as PyTorch's ``default_collate`` gives. Loading runs in this process:
``num_workers`` and ``pin_memory`` change nothing.
"""

from __future__ import annotations

import itertools
import math

from lucidnet import autograd, backend
from lucidnet.training import data as core_data
from lucidnet.torch._unsupported import missing, unsupported
from lucidnet.torch._tensor import core, wrap


class Dataset:
    """Base of a map-style dataset: define ``__getitem__(i)`` and ``__len__()``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} defines no __getitem__")


class TensorDataset(Dataset):
    """Tensors sharing their first axis; item i is the tuple of their i-th rows."""

    def __init__(self, *tensors):
        if any(t.shape[0] != tensors[0].shape[0] for t in tensors):
            raise ValueError("Size mismatch between tensors: "
                             + ", ".join(str(tuple(t.shape)) for t in tensors))
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, list(indices)

    def __getitem__(self, index):
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=None):
    """Disjoint random Subsets of the given lengths (or fractions of len(dataset), the
    remainder handed out one by one from the first), drawn from lucidnet's generator."""
    n = len(dataset)
    if all(0 <= f <= 1 for f in lengths) and math.isclose(sum(lengths), 1) and sum(lengths) != n:
        sizes = [math.floor(n * f) for f in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        lengths = sizes
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = backend.rng().permutation(n).tolist()
    starts = itertools.accumulate(lengths, initial=0)
    return [Subset(dataset, order[s:s + k]) for s, k in zip(starts, lengths)]


def _facade(batch):
    if isinstance(batch, tuple):
        return [_facade(b) for b in batch]
    return wrap(batch) if isinstance(batch, autograd.Tensor) else batch


class DataLoader:
    """Mini-batches of ``dataset`` (``batch_size`` 1 by default, as PyTorch), reshuffled at
    every pass when ``shuffle``; the last, smaller batch is kept unless ``drop_last``."""

    def __init__(self, dataset, batch_size: int = 1, shuffle: bool = False, sampler=None,
                 batch_sampler=None, num_workers: int = 0, collate_fn=None,
                 pin_memory: bool = False, drop_last: bool = False, **options):
        if sampler is not None or batch_sampler is not None or collate_fn is not None:
            raise unsupported("DataLoader(sampler=, batch_sampler=, collate_fn=)")
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.num_workers = num_workers
        source = dataset
        if isinstance(dataset, TensorDataset):
            source = core_data.TensorDataset(*(core(t).data for t in dataset.tensors))
        self.loader = core_data.DataLoader(source, batch_size, shuffle, drop_last)

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        return (_facade(batch) for batch in self.loader)


__all__ = ["DataLoader", "Dataset", "Subset", "TensorDataset", "random_split"]


def __getattr__(name):
    raise missing("torch.utils.data", name)
