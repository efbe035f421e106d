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

import hashlib
import math
import os
import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from lucidnet._files import ChecksumError, open_data, read_at_most

_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
PINNED_MAX_BYTES = 64 << 20
"""The most data a pinned file may decompress to: MNIST's largest, the training
images, is 47,040,016 bytes; a gzip bomb in its place stops at 64 MiB."""


def read_idx(path: str | os.PathLike, sha256: str | None = None,
             max_bytes: int = 1 << 31) -> np.ndarray:
    """Read an IDX file (gzipped or plain) into a native-endian, writable array.

    ``sha256``, when given, is the pinned SHA-256 of the decompressed payload; it
    is checked before the array is built. The data are decompressed in blocks, and
    never more than the header announces (plus one byte, to see trailing data) nor
    than ``max_bytes`` (2 GiB by default): a gzip bomb stops after its header.
    Raises ChecksumError for a damaged gzip stream, a header announcing more than
    ``max_bytes`` or a hash mismatch, and
    ValueError naming the file when the header disagrees with the data (bad magic
    number, truncated header, wrong size).
    """
    path = Path(path)
    with open_data(path) as f:  # the header first: it says how much data may follow
        raw = read_at_most(f, 4)
        if len(raw) == 4:
            read_at_most(f, 4 + 4 * raw[3], raw)
        announced = _size(raw)
        if announced is not None and announced > max_bytes:
            raise ChecksumError(f"{path}: the IDX header announces {announced:,} bytes, more "
                                f"than the {max_bytes:,} allowed")
        # one byte more than announced reveals trailing data without reading it all
        if announced is not None:  # (an invalid header is refused by _parse)
            read_at_most(f, announced + 1, raw)
    if sha256 is not None:
        actual = hashlib.sha256(raw).hexdigest()
        if actual != sha256:
            raise ChecksumError(
                f"{path}: SHA-256 of the IDX data is {actual}, expected {sha256}; "
                "the file is damaged or not the one lucidnet expects"
            )
    return _parse(raw, path)


def _size(head: bytes) -> int | None:
    """The bytes an IDX file with this header holds, None when the header is not one."""
    if len(head) < 4 or head[:2] != b"\0\0" or head[2] not in _DTYPES or head[3] == 0 \
            or len(head) < 4 + 4 * head[3]:
        return None
    shape = struct.unpack(f">{head[3]}I", head[4:4 + 4 * head[3]])
    return 4 + 4 * head[3] + math.prod(shape) * np.dtype(_DTYPES[head[2]]).itemsize


def _parse(raw: bytearray, path: Path) -> np.ndarray:
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
    expected = _size(raw)
    if len(raw) != expected:
        raise ValueError(
            f"{path}: IDX header announces shape {shape} of {dtype.name} "
            f"({expected} bytes with the header), the file has "
            + (f"{len(raw)} bytes" if len(raw) < expected else "more")
        )
    # raw is a fresh bytearray, so the array may be a view of it (copied only to swap bytes)
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(
        dtype.newbyteorder("="), copy=False)


def read_idx_files(files: dict[str, str], folders: Sequence[Path], hint: str) -> list[np.ndarray]:
    """Read the IDX files named in ``files`` (name without ``.gz`` -> payload SHA-256).

    Each file is the first ``name.gz`` or plain ``name`` found in ``folders``, in
    order. All are located before any is read, so a missing file is reported at
    once: FileNotFoundError naming the file and the folders, followed by ``hint``.
    """
    paths = [_find(name, folders, hint) for name in files]
    return [read_idx(path, sha256, PINNED_MAX_BYTES) for path, sha256 in zip(paths, files.values())]


def _find(name: str, folders: Sequence[Path], hint: str) -> Path:
    for folder in folders:
        for candidate in (folder / f"{name}.gz", folder / name):
            if candidate.is_file():
                return candidate
    where = " or ".join(str(folder) for folder in folders)
    raise FileNotFoundError(f"{name}.gz (or the plain {name}) not found in {where}. {hint}")
