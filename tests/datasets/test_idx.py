"""The IDX reader: every element type, gzipped or plain, and its header checks."""

import gzip
import hashlib
import struct
import tracemalloc
import zlib

import numpy as np
import pytest

from lucidnet._files import ChecksumError
from lucidnet.datasets import read_idx
from lucidnet.datasets.idx import read_idx_files

TYPE_CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C,
              np.float32: 0x0D, np.float64: 0x0E}


def idx_bytes(array: np.ndarray) -> bytes:
    """The IDX encoding of ``array``, written independently of the reader."""
    header = bytes([0, 0, TYPE_CODES[array.dtype.type], array.ndim])
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


@pytest.mark.parametrize("dtype", list(TYPE_CODES))
@pytest.mark.parametrize("compress", [False, True])
def test_round_trip(tmp_path, dtype, compress):
    array = (np.arange(2 * 3 * 4) - 7).reshape(2, 3, 4).astype(dtype)
    raw = idx_bytes(array)
    path = tmp_path / "a.idx"
    path.write_bytes(gzip.compress(raw) if compress else raw)
    out = read_idx(path)
    np.testing.assert_array_equal(out, array)
    assert out.dtype == array.dtype and out.dtype.isnative and out.flags.writeable


def test_pinned_sha256_is_of_the_payload(tmp_path):
    raw = idx_bytes(np.arange(10, dtype=np.uint8))
    (tmp_path / "plain").write_bytes(raw)
    (tmp_path / "gz").write_bytes(gzip.compress(raw, mtime=0))
    digest = hashlib.sha256(raw).hexdigest()
    for name in ("plain", "gz"):
        np.testing.assert_array_equal(read_idx(tmp_path / name, digest), np.arange(10))
        with pytest.raises(ChecksumError, match=name):
            read_idx(tmp_path / name, "0" * 64)


@pytest.mark.parametrize("cut, message", [
    (0, "not an IDX file"),
    (3, "not an IDX file"),
    (9, "IDX header truncated: 3 dimensions need 16 bytes"),
    (-1, r"announces shape \(2, 3, 4\) of uint8"),
])
def test_truncated_file_is_refused(tmp_path, cut, message):
    path = tmp_path / "short-idx3-ubyte"
    path.write_bytes(idx_bytes(np.zeros((2, 3, 4), np.uint8))[:cut])
    with pytest.raises(ValueError, match=message) as err:
        read_idx(path)
    assert str(path) in str(err.value)


def test_extra_bytes_and_bad_magic_are_refused(tmp_path):
    path = tmp_path / "long"
    path.write_bytes(idx_bytes(np.zeros(5, np.uint8)) + b"\0")
    with pytest.raises(ValueError, match=r"\(13 bytes with the header\), the file has more"):
        read_idx(path)
    path.write_bytes(b"\0\0\x07\x01" + bytes(8))  # 0x07 is no IDX type
    with pytest.raises(ValueError, match="magic number 00000701"):
        read_idx(path)


def test_truncated_gzip_is_a_checksum_error(tmp_path):
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros(1000, np.uint8)))[:-10])
    with pytest.raises(ChecksumError, match="damaged gzip"):
        read_idx(path)


def test_read_idx_files_prefers_gz_then_plain_then_next_folder(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "a").write_bytes(idx_bytes(np.array([1], np.uint8)))
    (first / "a.gz").write_bytes(gzip.compress(idx_bytes(np.array([2], np.uint8))))
    (second / "b").write_bytes(idx_bytes(np.array([3], np.uint8)))
    a, b = read_idx_files({"a": None, "b": None}, [first, second], "hint")
    assert a.tolist() == [2] and b.tolist() == [3]
    missing = r"c\.gz \(or the plain c\) not found in .*first or .*second\. hint"
    with pytest.raises(FileNotFoundError, match=missing):
        read_idx_files({"a": None, "c": None}, [first, second], "hint")


def _bomb(head: bytes, zeros: int) -> bytes:
    """``head`` then ``zeros`` zero bytes, gzipped block by block (a few hundred KB)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [packer.compress(head)] + [packer.compress(bytes(1 << 20)) for _ in range(zeros >> 20)]
    return b"".join(parts) + packer.flush()


@pytest.mark.parametrize("head, message", [
    (b"", "not an IDX file"),                                   # zeros from the first byte
    (b"\0\0\x08\x01" + struct.pack(">I", 10), r"the file has more"),  # 10 bytes announced
    (b"\0\0\x08\x03" + struct.pack(">3I", 60000, 28, 28), "the file has more"),
    (b"\0\0\x0e\x02" + struct.pack(">2I", 2**31, 2**31), r"announces 36,893,488,147,419,103,244 bytes, "
                                                          r"more than the 2,147,483,648"),
])
def test_a_gzip_bomb_is_read_no_further_than_its_header_announces(tmp_path, head, message):
    """A 1 MB .gz of zeros used to reach 2.1 GB before any check."""
    path = tmp_path / "bomb.gz"
    path.write_bytes(_bomb(head, 256 << 20))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=message):
            read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20  # the announced 47 MB at most, never the 256 MiB of zeros


def test_a_pinned_loader_stops_a_bomb_at_64_mib(tmp_path):
    head = b"\0\0\x08\x03" + struct.pack(">3I", 600000, 28, 28)  # 470 MB announced
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(_bomb(head, 8 << 20))
    with pytest.raises(ChecksumError, match="announces 470,400,016 bytes, more than the "
                                            "67,108,864 allowed"):
        read_idx_files({"train-images-idx3-ubyte": "0" * 64}, [tmp_path], "")
