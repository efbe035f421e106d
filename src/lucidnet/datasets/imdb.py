"""IMDB movie reviews: 25,000 + 25,000 reviews labelled positive (1) or negative (0),
each a sequence of word indices: ``keras.datasets.imdb`` with Keras's file and
arguments.

Keras's ``imdb.npz`` (and ``imdb_word_index.json``) are read from the data home
(:mod:`lucidnet.datasets.home`; ``lucidnet datasets --fetch imdb``). Its sequences are
NumPy object arrays, which NumPy stores as pickles; :func:`lucidnet.datasets.npz.read_npz`
reads them within :data:`MAX_BYTES`, by an unpickler that builds nothing but arrays and
lists (any other object in the file is refused), never by
``numpy.load(allow_pickle=True)``.
"""

from __future__ import annotations

import json

import numpy as np

from lucidnet._files import read_bounded
from lucidnet.datasets.home import locate
from lucidnet.datasets.npz import read_npz

__all__ = ["get_word_index", "load_data"]

MAX_BYTES = 256 << 20
"""The most ``imdb.npz`` may hold, read and decompressed. Keras's file is 17.5 MB
compressed; its 11.7 M word indices, pickled at 2 to 5 bytes each, decompress to about
30 MB (an estimate: the file is not on the machine this was written on)."""
MAX_INDEX_BYTES = 16 << 20  # imdb_word_index.json: 88,584 words, about 1.6 MB


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3):
    """``(x_train, y_train), (x_test, y_test)`` as ``keras.datasets.imdb.load_data``.

    ``path``: the file, relative to the data home unless absolute. Each split is
    shuffled with ``RandomState(seed)``; a sequence is ``[start_char]`` + each word's
    rank + ``index_from``; ``maxlen`` DROPS sequences of length ≥ maxlen; indices
    outside ``skip_top ≤ i < num_words`` become ``oov_char`` (removed when it is
    None), ``num_words`` None meaning the largest index present. ``x``: object arrays
    of lists; ``y``: the labels as stored (0/1).
    """
    file = locate(path)
    if not file.is_file():
        raise FileNotFoundError(f"{file} not found: run `lucidnet datasets --fetch imdb` or "
                                "pass path= (Keras's imdb.npz)")
    arrays = read_npz(file, MAX_BYTES, objects=True)
    missing = {"x_train", "y_train", "x_test", "y_test"} - set(arrays)
    if missing:
        raise ValueError(f"{file}: lacks the arrays {sorted(missing)} of Keras's imdb.npz")
    rng = np.random.RandomState(seed)
    splits = []
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        order = np.arange(len(x))
        rng.shuffle(order)
        x, y = x[order], y[order]
        head = [] if start_char is None else [start_char]
        x = [head + [w + index_from for w in seq] for seq in x]
        if maxlen:
            keep = [i for i, seq in enumerate(x) if len(seq) < maxlen]
            x, y = [x[i] for i in keep], y[keep]
            if not x:
                raise ValueError(f"maxlen={maxlen} leaves no {split} sequence")
        splits.append((x, y))
    limit = num_words or max(max(seq) for x, _ in splits for seq in x)
    out = []
    for x, y in splits:
        if oov_char is None:
            x = [[w for w in seq if skip_top <= w < limit] for seq in x]
        else:
            x = [[w if skip_top <= w < limit else oov_char for w in seq] for seq in x]
        sequences = np.empty(len(x), dtype=object)
        sequences[:] = x
        out.append((sequences, y))
    return tuple(out)


def get_word_index(path="imdb_word_index.json") -> dict[str, int]:
    """Word -> rank (1 = most frequent), from Keras's ``imdb_word_index.json``."""
    file = locate(path)
    if not file.is_file():
        raise FileNotFoundError(f"{file} not found: run `lucidnet datasets --fetch imdb` or "
                                "pass path=")
    index = json.loads(read_bounded(file, MAX_INDEX_BYTES).decode("utf-8"))
    if not isinstance(index, dict) or not all(isinstance(v, int) for v in index.values()):
        raise ValueError(f"{file}: expected an object mapping words to integers")
    return index


