"""Fashion-MNIST: 70,000 28×28 grey images of clothing in 10 classes (Zalando, MIT).

Same layout as ``keras.datasets.fashion_mnist``. Keras's four files
(``train-images-idx3-ubyte.gz`` …) are read from ``fashion-mnist/`` in the data home
(:mod:`lucidnet.datasets.home`); ``lucidnet datasets --fetch fashion_mnist`` downloads
them from Keras's server.
"""

from __future__ import annotations

import os
from pathlib import Path

from lucidnet.datasets.home import locate
from lucidnet.datasets.idx import read_idx_files

#: Keras's file names (without ``.gz``) -> SHA-256 of the decompressed IDX data.
FILES = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


def load_data(path: str | os.PathLike | None = None):
    """Load Fashion-MNIST as ``(x_train, y_train), (x_test, y_test)``.

    ``x``: uint8 (N, 28, 28), pixels 0..255; ``y``: uint8 (N,), classes 0..9
    (``CLASS_NAMES``); N = 60,000 for train and 10,000 for test.

    ``path`` is a folder holding the four files, gzipped or plain (default:
    ``fashion-mnist/`` in the data home). Every file's data is checked against
    its pinned SHA-256 (ChecksumError when it differs).
    """
    folder = Path(path) if path is not None else locate("fashion-mnist")
    hint = ("Run `lucidnet datasets --fetch fashion_mnist`, copy Keras's four "
            "Fashion-MNIST files there, or pass path=.")
    x_train, y_train, x_test, y_test = read_idx_files(FILES, [folder], hint)
    return (x_train, y_train), (x_test, y_test)
