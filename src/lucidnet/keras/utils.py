"""``keras.utils``: ``to_categorical``, ``set_random_seed``, ``Progbar`` and ``PyDataset``."""

import numpy

from lucidnet import backend
from lucidnet.backend import manual_seed as set_random_seed  # noqa: F401
from lucidnet.datasets import to_categorical  # noqa: F401
from lucidnet.keras.progbar import Progbar  # noqa: F401


class PyDataset:
    """A dataset of batches, as Keras's: a subclass defines ``__len__`` (the number of
    batches) and ``__getitem__(i)`` (batch i: ``x``, ``(x, y)`` or ``(x, y,
    sample_weight)``, each an array, or a list / dict of arrays for several inputs or
    outputs), and may define ``on_epoch_end()``.

    lucidnet's ``fit``, ``evaluate`` and ``predict`` read every batch once, at the start
    of the call, join them into arrays and train on them in that order, in batches of
    the first batch's size (no shuffling, as Keras does not shuffle a PyDataset); a
    dataset that changes between epochs (random augmentation, a reshuffle in
    ``on_epoch_end``) therefore gives the same batches every epoch. ``workers``,
    ``use_multiprocessing`` and ``max_queue_size`` are accepted and unused (lucidnet
    reads in the calling thread).
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.workers, self.use_multiprocessing = workers, use_multiprocessing
        self.max_queue_size = max_queue_size

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__ (the number "
                                  "of batches)")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__ (batch "
                                  "number index)")

    def on_epoch_end(self) -> None:
        """Called by Keras between epochs; lucidnet reads the batches once (see above)."""

    @property
    def num_batches(self) -> int:
        return len(self)


def _join(parts):
    """Batches of one structure (array, list or dict of arrays) joined along samples."""
    first = parts[0]
    if isinstance(first, dict):
        return {k: _join([p[k] for p in parts]) for k in first}
    if isinstance(first, (list, tuple)):
        return [_join([p[i] for p in parts]) for i in range(len(first))]
    return numpy.concatenate([backend.to_numpy(getattr(p, "data", p)) for p in parts])


def unbatch(dataset: PyDataset) -> tuple:
    """(x, y, sample_weight, batch size) of all of ``dataset``'s batches joined; y and
    sample_weight None when the batches hold none."""
    batches = [dataset[i] for i in range(len(dataset))]
    if not batches:
        raise ValueError(f"{type(dataset).__name__} has no batches (len 0)")
    rows = [b if isinstance(b, tuple) else (b,) for b in batches]
    if len({len(r) for r in rows}) != 1 or len(rows[0]) > 3:
        raise ValueError(f"{type(dataset).__name__}'s batches must all be x, (x, y) or "
                         "(x, y, sample_weight)")
    fields = [_join([r[k] for r in rows]) for k in range(len(rows[0]))]
    first_x = rows[0][0]
    while isinstance(first_x, (list, tuple, dict)):
        first_x = next(iter(first_x.values())) if isinstance(first_x, dict) else first_x[0]
    x, y, w = (*fields, None, None)[:3]
    return x, y, w, len(first_x)

from lucidnet.keras import unsupported as _unsupported  # noqa: E402

__getattr__ = _unsupported.refuse("keras.utils", _unsupported.UTILS)
