"""IMDB movie reviews: 25,000 + 25,000 reviews labelled positive (1) or negative (0),
each a sequence of word indices: ``keras.datasets.imdb`` with Keras's file and
arguments.

Keras's ``imdb.npz`` (and ``imdb_word_index.json``) are read from the data home
(:mod:`lucidnet.datasets.home`; ``lucidnet datasets --fetch imdb``). Its sequences are
NumPy object arrays, which NumPy stores as pickles; they are read here by an
unpickler that builds nothing but arrays and lists (any other object in the file is
refused), never by ``numpy.load(allow_pickle=True)``.
"""

from __future__ import annotations

import json
import pickle
import zipfile

import numpy as np

from lucidnet.datasets.home import locate

__all__ = ["get_word_index", "load_data"]

_RECONSTRUCT = np.empty(0).__reduce__()[0]  # what NumPy's pickles of arrays call


class _ArrayUnpickler(pickle.Unpickler):
    """Builds NumPy arrays of Python lists and numbers: every global but the array
    constructor and the dtype is refused, so a file cannot make the load run code."""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
                ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
                ("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype}

    def find_class(self, module, name):
        try:
            return self._ALLOWED[module, name]
        except KeyError:
            raise pickle.UnpicklingError(
                f"{module}.{name} is not part of an array of sequences; refused") from None


def _read_npz(path) -> dict[str, np.ndarray]:
    """The arrays of an .npz file; object arrays through :class:`_ArrayUnpickler`."""
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            with archive.open(member) as f:
                version = np.lib.format.read_magic(f)
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape, fortran, dtype = read_header(f)
                if dtype.hasobject:
                    array = _ArrayUnpickler(f, encoding="latin1").load()
                    if not isinstance(array, np.ndarray) or array.shape != shape:
                        raise ValueError(f"{path}: {member} is not the array its header says")
                else:
                    data = f.read()
                    array = np.frombuffer(data, dtype=dtype, count=int(np.prod(shape)))
                    array = array.reshape(shape, order="F" if fortran else "C").copy()
            arrays[member.removesuffix(".npy")] = array
    return arrays


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
    arrays = _read_npz(file)
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
    with open(file, encoding="utf-8") as f:
        index = json.load(f)
    if not isinstance(index, dict) or not all(isinstance(v, int) for v in index.values()):
        raise ValueError(f"{file}: expected an object mapping words to integers")
    return index


