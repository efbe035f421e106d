"""IDX files, the format of MNIST and Fashion-MNIST, gzipped or plain.

An IDX file is a header followed by the array's values, big-endian, in C order::

    bytes 0-1   0x00 0x00
    byte  2     type code: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                0x0D float32, 0x0E float64
    byte  3     number of dimensions D
    4 × D bytes the size of each dimension, big-endian uint32
    the rest    prod(sizes) values

The loaders pin the SHA-256 of this decompressed payload rather than of the
``.gz`` file: Debian's package ``dataset-fashion-mnist`` recompresses the same
payload with other gzip headers, and a plain (gunzipped) copy is accepted too.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from lucidnet._files import ChecksumError

_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path: str | os.PathLike, sha256: str | None = None) -> np.ndarray:
    """Read an IDX file (gzipped or plain) into a native-endian, writable array.

    ``sha256``, when given, is the pinned SHA-256 of the decompressed payload; it
    is checked before the header is parsed. Raises ChecksumError for a damaged
    gzip stream or a hash mismatch, and ValueError naming the file when the header
    disagrees with the data (bad magic number, truncated header, wrong size).
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as err:  # CRC failure, truncation
            raise ChecksumError(f"{path}: damaged gzip data ({err})") from err
    if sha256 is not None:
        actual = hashlib.sha256(raw).hexdigest()
        if actual != sha256:
            raise ChecksumError(
                f"{path}: SHA-256 of the IDX data is {actual}, expected {sha256}; "
                "the file is damaged or not the one lucidnet expects"
            )
    return _parse(raw, path)


def _parse(raw: bytes, path: Path) -> np.ndarray:
    """The array held by the IDX bytes ``raw``, after checking the header."""
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] not in _DTYPES or raw[3] == 0:
        raise ValueError(f"{path}: not an IDX file (magic number {raw[:4].hex() or 'missing'})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(
            f"{path}: IDX header truncated: {ndim} dimensions need {header} bytes, "
            f"the file has {len(raw)}"
        )
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(_DTYPES[raw[2]])
    expected = header + math.prod(shape) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(
            f"{path}: IDX header announces shape {shape} of {dtype.name} "
            f"({expected} bytes with the header), the file has {len(raw)} bytes"
        )
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def read_idx_files(files: dict[str, str], folders: Sequence[Path], hint: str) -> list[np.ndarray]:
    """Read the IDX files named in ``files`` (name without ``.gz`` -> payload SHA-256).

    Each file is the first ``name.gz`` or plain ``name`` found in ``folders``, in
    order. All are located before any is read, so a missing file is reported at
    once: FileNotFoundError naming the file and the folders, followed by ``hint``.
    """
    paths = [_find(name, folders, hint) for name in files]
    return [read_idx(path, sha256) for path, sha256 in zip(paths, files.values())]


def _find(name: str, folders: Sequence[Path], hint: str) -> Path:
    for folder in folders:
        for candidate in (folder / f"{name}.gz", folder / name):
            if candidate.is_file():
                return candidate
    where = " or ".join(str(folder) for folder in folders)
    raise FileNotFoundError(f"{name}.gz (or the plain {name}) not found in {where}. {hint}")
