"""Datasets: Keras-style loaders with checksums, a catalogue, and preprocessing.

- ``load(name)`` / ``names()``: every dataset as a ``Dataset`` ready for an MLP
  (float32 features, train/test split, task, classes, description).
- Keras layouts: ``fashion_mnist``, ``mnist`` (IDX files), ``reuters`` (Keras's 46
  topics), ``r8`` and ``r52`` (Cardoso-Cachopo's splits), ``imdb``,
  ``boston_housing``: ``load_data()`` returns ``(x_train, y_train), (x_test, y_test)``.
  Files are found in one folder, the data home (``home.data_home()``); ``sources``
  lists them with their pinned hashes and fetches them (``lucidnet datasets``).
  IDX, Reuters and R8/R52 files are checked against a pinned SHA-256
  (``lucidnet._files.ChecksumError`` when it differs).
- ``embedded``: scikit-learn's bundled tables and the course's house prices.
- ``read_csv``: a CSV of numbers, saying whether row 1 was a header.
- ``vectorize_sequences``, ``vectorize_sequences_sparse``, ``to_categorical``.
"""

from . import boston_housing, embedded, fashion_mnist, imdb, mnist, r8, r52, reuters
from .home import data_home
from .catalogue import TASKS, Dataset, load, names
from .csvfile import read_csv
from .idx import read_idx
from .preprocessing import to_categorical, vectorize_sequences, vectorize_sequences_sparse
from .split import train_test_split

__all__ = [
    "TASKS", "Dataset", "boston_housing", "data_home", "embedded", "fashion_mnist",
    "imdb", "load", "mnist", "names", "r8", "r52",
    "read_csv", "read_idx", "reuters", "to_categorical", "train_test_split", "vectorize_sequences",
    "vectorize_sequences_sparse",
]
