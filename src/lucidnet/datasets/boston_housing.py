"""Boston housing: 506 districts of Boston (1978), 13 features; target: the median
home value in k$. ``keras.datasets.boston_housing`` with Keras's file and arguments;
``boston_housing.npz`` is read from the data home (:mod:`lucidnet.datasets.home`;
``lucidnet datasets --fetch boston_housing``), without pickle, within
:data:`MAX_BYTES`.
"""

from __future__ import annotations

import numpy as np

from lucidnet.datasets.home import locate
from lucidnet.datasets.npz import read_npz

__all__ = ["load_data"]

MAX_BYTES = 1 << 20
"""The most ``boston_housing.npz`` may hold: Keras's file holds 506 × 14 float64 values
(56,672 bytes of data)."""


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """``(x_train, y_train), (x_test, y_test)`` as Keras: the rows shuffled with
    ``RandomState(seed)``, the first ``int(N·(1 − test_split))`` for training
    (404 / 102 by default). ``x``: float64 (N, 13); ``y``: float64 (N,)."""
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be in [0, 1), got {test_split!r}")
    file = locate(path)
    if not file.is_file():
        raise FileNotFoundError(f"{file} not found: run `lucidnet datasets --fetch "
                                "boston_housing` or pass path= (Keras's boston_housing.npz)")
    arrays = read_npz(file, MAX_BYTES)
    x, y = arrays.get("x"), arrays.get("y")
    if x is None or y is None or x.ndim != 2 or y.ndim != 1 or len(x) != len(y):
        found = {k: v.shape for k, v in arrays.items()}
        raise ValueError(f"{file}: expected arrays x (N, 13) and y (N,), found {found}")
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    n_train = int(len(x) * (1 - test_split))
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])
