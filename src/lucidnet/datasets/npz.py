"""NumPy ``.npz`` archives (Keras's ``imdb.npz``, ``boston_housing.npz``) read within a
byte budget and without pickle's code.

An ``.npz`` is a zip of ``.npy`` files: a header (dtype, shape, order), then the data.
:func:`read_npz` reads the file with :func:`lucidnet._files.read_bounded`, as the other
loaders read theirs, then each array no further than the budget left: a header
announcing more is refused before anything is allocated, and a zip bomb stops at the
budget, not at gigabytes. Object arrays (imdb's sequences) are NumPy pickles; they are
read by an unpickler that builds nothing but arrays and lists, never by
``numpy.load(allow_pickle=True)``.
"""

from __future__ import annotations

import io
import math
import os
import pickle
import zipfile

import numpy as np

from lucidnet._files import ChecksumError, read_at_most, read_bounded

__all__ = ["read_npz"]

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


def _too_large(path, limit: int) -> ChecksumError:
    return ChecksumError(f"{path}: holds more than {limit:,} bytes (decompressed); the file "
                         "is damaged or not the one lucidnet expects")


def read_npz(path: str | os.PathLike, limit: int, objects: bool = False) -> dict[str, np.ndarray]:
    """The arrays of the ``.npz`` file ``path``, by name, reading at most ``limit`` bytes
    in all (the file, then its arrays decompressed; ChecksumError past it).

    ``objects``: accept object arrays (read through the arrays-and-lists unpickler);
    without it a file holding Python objects is refused. ValueError names the file for
    a file that is not an ``.npz`` or an array its header misdescribes.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(read_bounded(path, limit)))
    except zipfile.BadZipFile as err:
        raise ValueError(f"{path}: not a NumPy .npz archive ({err})") from None
    arrays, left = {}, limit
    with archive:
        for member in archive.namelist():
            name = member.removesuffix(".npy")
            with archive.open(member) as f:
                try:
                    version = np.lib.format.read_magic(f)
                    read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                                   else np.lib.format.read_array_header_2_0)
                    shape, fortran, dtype = read_header(f)
                except ValueError as err:
                    raise ValueError(f"{path}: {member} is not a NumPy array ({err})") from None
                if dtype.hasobject:
                    if not objects:
                        raise ValueError(f"{path}: {name} holds Python objects; numbers "
                                         "were expected")
                    data = read_at_most(f, left + 1)
                    if len(data) > left:
                        raise _too_large(path, limit)
                    array = _ArrayUnpickler(io.BytesIO(data), encoding="latin1").load()
                    if not isinstance(array, np.ndarray) or array.shape != shape:
                        raise ValueError(f"{path}: {name} is not the array its header says")
                else:
                    nbytes = math.prod(shape) * dtype.itemsize
                    if nbytes > left:  # refused before a byte of it is read
                        raise _too_large(path, limit)
                    data = read_at_most(f, nbytes)
                    if len(data) < nbytes:
                        raise ValueError(f"{path}: {name} holds {len(data):,} bytes, its "
                                         f"header announces {nbytes:,}")
                    array = np.frombuffer(data, dtype=dtype).reshape(
                        shape, order="F" if fortran else "C").copy()
            left -= len(data)
            arrays[name] = array
    return arrays
