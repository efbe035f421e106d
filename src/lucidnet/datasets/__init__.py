"""Datasets: Keras-style loaders with checksums, a catalogue, and preprocessing.

- ``load(name)`` / ``names()``: every dataset as a ``Dataset`` ready for an MLP
  (float32 features, train/test split, task, classes, description).
- Keras layouts: ``fashion_mnist``, ``mnist`` (IDX files), ``reuters`` (Keras's 46
  topics), ``r8`` and ``r52`` (Cardoso-Cachopo's splits): ``load_data()`` returns
  ``(x_train, y_train), (x_test, y_test)``. Nothing is downloaded: each module's
  docstring says where to put the files, and each file is checked against a
  pinned SHA-256 (``lucidnet._files.ChecksumError`` when it differs).
- ``embedded``: scikit-learn's bundled tables and the course's house prices.
- ``vectorize_sequences``, ``vectorize_sequences_sparse``, ``to_categorical``.
"""

from . import embedded, fashion_mnist, mnist, r8, r52, reuters
from .catalogue import TASKS, Dataset, load, names
from .idx import read_idx
from .preprocessing import to_categorical, vectorize_sequences, vectorize_sequences_sparse
from .split import train_test_split

__all__ = [
    "TASKS", "Dataset", "embedded", "fashion_mnist", "load", "mnist", "names", "r8", "r52",
    "read_idx", "reuters", "to_categorical", "train_test_split", "vectorize_sequences",
    "vectorize_sequences_sparse",
]
