"""MNIST: 70,000 28×28 grey images of handwritten digits (LeCun, Cortes; CC BY-SA 3.0).

Same arrays as ``keras.datasets.mnist``, read from LeCun's four original IDX files
(``train-images-idx3-ubyte.gz`` …) in ``mnist/`` of the data home
(:mod:`lucidnet.datasets.home`) or in the folder passed as ``path``;
``lucidnet datasets --fetch mnist`` downloads them. ``load_test_data`` needs only
the two ``t10k`` files.
"""

from __future__ import annotations

import os
from pathlib import Path

from lucidnet.datasets.home import locate
from lucidnet.datasets.idx import read_idx_files

#: LeCun's file names (without ``.gz``) -> SHA-256 of the decompressed IDX data.
FILES = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
_HINT = ("Run `lucidnet datasets --fetch mnist`, put LeCun's original MNIST files "
         "there (train-images-idx3-ubyte.gz is 9,912,422 bytes) or pass path=; "
         "mnist.load_test_data() needs only the two t10k files.")


def _load(names: list[str], path: str | os.PathLike | None):
    folder = Path(path) if path is not None else locate("mnist")
    return read_idx_files({name: FILES[name] for name in names}, [folder], _HINT)


def load_data(path: str | os.PathLike | None = None):
    """Load MNIST as ``(x_train, y_train), (x_test, y_test)``.

    ``x``: uint8 (N, 28, 28), pixels 0..255; ``y``: uint8 (N,), digits 0..9;
    N = 60,000 for train and 10,000 for test. ``path`` is the folder holding the
    four files, gzipped or plain (default ``mnist/`` in the data home).
    Raises FileNotFoundError naming the first missing file and the folder, and
    ChecksumError when a file's data differs from its pinned SHA-256.
    """
    x_train, y_train, x_test, y_test = _load(list(FILES), path)
    return (x_train, y_train), (x_test, y_test)


def load_test_data(path: str | os.PathLike | None = None):
    """Load MNIST's test split alone as ``(x_test, y_test)``: (10000, 28, 28) and
    (10000,) uint8, from the two ``t10k`` files in ``path`` (see ``load_data``)."""
    x_test, y_test = _load(["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"], path)
    return x_test, y_test
