"""The safetensors layout, read by a parser that checks every length before using it.

Layout (https://huggingface.co/docs/safetensors)::

    8 bytes   N, an unsigned little-endian 64-bit integer
    N bytes   a UTF-8 JSON object: {name: {"dtype": "F32", "shape": [2, 3],
              "data_offsets": [begin, end]}, ..., "__metadata__": {str: str}}
    the rest  the data section: each tensor's bytes, C order, little-endian, at
              [begin, end) relative to the section's start, back to back

Reading allocates nothing the file does not justify: N is checked against the file's
size and :data:`MAX_HEADER_BYTES` before the header is read, and every shape and offset
against the data section before an array is made, so the arrays together are exactly
as large as the data section. Any failure is a :class:`~lucidnet.errors.FormatError`
naming the file and the problem. Writing uses the reference ``safetensors`` package.
"""

from __future__ import annotations

import json
import math
import os
import reprlib
import sys
from collections import OrderedDict

import numpy
import safetensors.numpy

from lucidnet._files import atomic_write
from lucidnet.errors import FormatError

MAX_HEADER_BYTES = 16 * 2**20
"""Largest header read (16 MiB: a model with ~100 000 tensors needs about 10 MiB)."""

DTYPES = {
    "F16": numpy.dtype("<f2"),
    "F32": numpy.dtype("<f4"),
    "F64": numpy.dtype("<f8"),
    "I8": numpy.dtype("i1"),
    "I16": numpy.dtype("<i2"),
    "I32": numpy.dtype("<i4"),
    "I64": numpy.dtype("<i8"),
    "U8": numpy.dtype("u1"),
    "U16": numpy.dtype("<u2"),
    "U32": numpy.dtype("<u4"),
    "U64": numpy.dtype("<u8"),
    "BOOL": numpy.dtype("?"),
}
"""safetensors dtype codes → NumPy dtypes (the codes lucidnet reads and writes)."""

_MAX_RANK = 64  # NumPy's limit on the number of axes
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlong = 3, 60, 60, 40
_CODES = {dtype.newbyteorder("="): code for code, dtype in DTYPES.items()}
_ENTRY_KEYS = {"dtype", "shape", "data_offsets"}

# Leading bytes of formats that people hand to a model loader, and what to say.
_NEVER_PICKLES = "lucidnet never loads pickles: unpickling can run any code"
_FOREIGN = (
    (b"PK\x03\x04", ("a zip archive such as a PyTorch .pt/.pth or a Keras .keras file "
                     f"(a PyTorch archive holds a pickle); {_NEVER_PICKLES}")),
    (b"\x89HDF\r\n\x1a\n", ("an HDF5 file such as a Keras .h5 model; lucidnet reads "
                            "only safetensors files")),
    (b"\x93NUMPY", "a NumPy .npy file; read it with numpy.load(path, allow_pickle=False)"),
    (b"\x80", f"a pickle (torch.save, joblib or pickle.dump); {_NEVER_PICKLES}"),
)
_CONVERT = ("; to bring PyTorch weights over, save them from PyTorch with "
            "safetensors.torch.save_file(model.state_dict(), 'model.safetensors')")


def write(path, tensors: dict, metadata: dict[str, str]) -> None:
    """Write ``tensors`` (name → NumPy array) and ``metadata`` to ``path`` atomically."""
    arrays = {}
    for name, array in tensors.items():
        array = numpy.asarray(array, order="C")  # ascontiguousarray would make 0-d 1-d
        if array.dtype.newbyteorder("=") not in _CODES:
            raise TypeError(
                f"cannot save tensor {name!r} of dtype {array.dtype}: a safetensors file holds "
                f"{', '.join(str(d.newbyteorder('=')) for d in DTYPES.values())}"
            )
        arrays[name] = array
    data = safetensors.numpy.save(arrays, metadata=metadata)
    with atomic_write(path) as f:
        f.write(data)


def read(path) -> tuple[OrderedDict, dict[str, str]]:
    """The tensors (name → NumPy array, in file order) and the ``__metadata__`` of ``path``."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        header_length, header = _read_header(f, size, path)
        metadata = header.pop("__metadata__", {})
        _check_metadata(metadata, path)
        entries = _check_entries(header, size - 8 - header_length, path)
        tensors = OrderedDict()
        for name, dtype, shape, begin, end in entries:
            tensors[name] = _read_array(f, dtype, shape, end - begin, name, path)
    return tensors, metadata


def parse_json(text: str, what: str, path):
    """``text`` as JSON, refusing duplicate keys; a FormatError naming ``what`` otherwise."""
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except RecursionError:
        raise FormatError(f"{path}: {what} is nested too deeply") from None
    except ValueError as err:  # JSONDecodeError, duplicate keys, integers of > 4300 digits
        raise FormatError(f"{path}: {what} is not valid JSON: {err}") from None


def _unique_keys(pairs):
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        duplicate = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise ValueError(f"key {shorten(duplicate)} appears twice")
    return obj


def _read_header(f, size: int, path) -> tuple[int, dict]:
    start = f.read(9)
    if len(start) < 9:
        raise FormatError(f"{path}: {size} bytes is too short for a safetensors file"
                          + _foreign(start))
    header_length = int.from_bytes(start[:8], "little")
    if header_length > size - 8 or start[8:9] != b"{":
        # Not a safetensors file: say what it is when the first bytes tell.
        problem = (f"its header length {header_length} exceeds its size, {size} bytes"
                   if header_length > size - 8 else "its header does not start with '{'")
        raise FormatError(f"{path}: not a safetensors file: {problem}{_foreign(start)}")
    if header_length > MAX_HEADER_BYTES:
        raise FormatError(f"{path}: header of {header_length} bytes exceeds lucidnet's "
                          f"limit of {MAX_HEADER_BYTES} bytes")
    f.seek(8)
    raw = f.read(header_length)
    if len(raw) != header_length:
        raise FormatError(f"{path}: the file ended inside its {header_length}-byte header")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise FormatError(f"{path}: the header is not valid UTF-8: {err}") from None
    return header_length, parse_json(text, "the header", path)  # '{' made it an object


def _foreign(start: bytes) -> str:
    for magic, what in _FOREIGN:
        if start.startswith(magic):
            return f"; this is {what}" + (_CONVERT if magic in (b"PK\x03\x04", b"\x80") else "")
    return ""


def _check_metadata(metadata, path) -> None:
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise FormatError(f"{path}: '__metadata__' must map strings to strings")


def _check_entries(header: dict, data_size: int, path) -> list[tuple]:
    """(name, dtype, shape, begin, end) per tensor, sorted by offset, after checking that
    the tensors tile the data section exactly: no gap, no overlap, nothing past its end."""
    entries = []
    for name, entry in header.items():
        where = f"{path}: tensor {shorten(name)}"
        if not isinstance(entry, dict) or set(entry) != _ENTRY_KEYS:
            raise FormatError(f"{where} must be an object with keys dtype, shape, data_offsets")
        code, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if not isinstance(code, str) or code not in DTYPES:
            raise FormatError(f"{where} has dtype {shorten(code)}; lucidnet reads "
                              f"{', '.join(DTYPES)}")
        dtype = DTYPES[code]
        if not (isinstance(shape, list) and len(shape) <= _MAX_RANK
                and all(_is_size(d) for d in shape)):
            raise FormatError(f"{where} has shape {shorten(shape)}; a shape is a list of at "
                              f"most {_MAX_RANK} non-negative integers")
        # NumPy refuses shapes whose non-zero extents overflow, even with a zero extent.
        if math.prod(max(d, 1) for d in shape) * dtype.itemsize > sys.maxsize:
            raise FormatError(f"{where} has shape {shorten(shape)}, too large for an array")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(_is_size, offsets))
                and offsets[0] <= offsets[1] <= data_size):
            raise FormatError(f"{where} has data_offsets {shorten(offsets)}; they must be "
                              f"[begin, end] with 0 ≤ begin ≤ end ≤ {data_size}, the size of "
                              "the data section")
        begin, end = offsets
        if end - begin != math.prod(shape) * dtype.itemsize:
            raise FormatError(f"{where} of shape {shape} and dtype {code} needs "
                              f"{math.prod(shape) * dtype.itemsize} bytes, its offsets "
                              f"span {end - begin}")
        entries.append((name, dtype, tuple(shape), begin, end))
    entries.sort(key=lambda e: (e[3], e[4]))
    position = 0
    for name, _, _, begin, end in entries:
        if begin != position:
            problem = "overlaps the tensor before it" if begin < position else (
                f"leaves bytes {position}..{begin} of the data section unused")
            raise FormatError(f"{path}: tensor {shorten(name)} at [{begin}, {end}) {problem}")
        position = end
    if position != data_size:
        raise FormatError(f"{path}: the tensors cover {position} bytes of the "
                          f"{data_size}-byte data section; the file is padded or damaged")
    return entries


def _is_size(value) -> bool:
    return type(value) is int and value >= 0


def _read_array(f, dtype, shape: tuple, nbytes: int, name: str, path) -> numpy.ndarray:
    array = numpy.empty(shape, dtype=dtype)
    if nbytes and f.readinto(array.reshape(-1).view(numpy.uint8)) != nbytes:
        raise FormatError(f"{path}: the file ended inside tensor {shorten(name)}")
    return array.astype(dtype.newbyteorder("="), copy=False)


def shorten(value) -> str:
    """A repr cut short, so that a hostile value cannot flood a message."""
    return _REPR.repr(value)
