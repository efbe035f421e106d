"""Hostile and damaged data files (issue 19), committed under hostile_files/data/: each
is refused by the reader that meets it, with a message naming the problem, never read
silently wrong. Regenerate with ``python tests/test_hostile_data.py``."""

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from lucidnet._files import ChecksumError
from lucidnet.datasets import read_csv, read_idx

DATA = Path(__file__).parent / "hostile_files" / "data"
ROWS = "1,2,3\n4,5,6\n7,8,9\n10,11,12\n13,14,15\n"


def _zeros_gz(head: bytes, megabytes: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [packer.compress(head)] + [packer.compress(bytes(1 << 20))
                                       for _ in range(megabytes)]
    return b"".join(parts) + packer.flush()


def _npy(shape_text: bytes) -> bytes:
    buffer = __import__("io").BytesIO()
    np.save(buffer, np.zeros((2, 3), np.float32))
    return buffer.getvalue().replace(b"(2, 3)", shape_text)


def corpus() -> dict[str, bytes]:
    """file name → bytes."""
    return {
        # predict took row 1 for a header and dropped it: 5 rows in, 4 predictions out
        "first_row_typo.csv": ROWS.replace("2", "2o", 1).encode(),
        "first_row_empty_field.csv": ROWS.replace("2", "", 1).encode(),
        "bom_crlf_empty_field.csv": b"\xef\xbb\xbf" + ROWS.replace("\n", "\r\n")
        .replace("5,6", "5,", 1).encode(),
        "nan_field.csv": ROWS.replace("8", "nan").encode(),
        "inf_field.csv": ROWS.replace("8", "-inf").encode(),
        "escape_sequence_field.csv": ROWS.replace("8", "\x1b]0;pwned\x07\x1b[2J").encode(),
        "not_utf8.csv": ROWS.encode() + b"\xff\xfe,1,2\n",
        "npy_claims_1e10_rows.npy": _npy(b"(10000000000, 3)"),
        # 16 MiB of zeros in 16 KiB: an IDX header announcing 10 bytes, then the zeros
        "idx_gzip_bomb.gz": _zeros_gz(b"\0\0\x08\x01" + struct.pack(">I", 10), 16),
        "zeros_gzip_bomb.gz": _zeros_gz(b"", 16),
        "idx_announces_36_exabytes.gz": gzip.compress(
            b"\0\0\x0e\x02" + struct.pack(">2I", 2**31, 2**31), mtime=0),
    }


EXPECTED = {
    "first_row_typo.csv": r"row 1 mixes numbers and text \(column 2 is '2o'\)",
    "first_row_empty_field.csv": r"row 1 mixes numbers and text \(column 2 is ''\)",
    "bom_crlf_empty_field.csv": "row 2, column 3 is empty",
    "nan_field.csv": "row 3, column 2 is 'nan', not a finite number",
    "inf_field.csv": "row 3, column 2 is '-inf', not a finite number",
    "escape_sequence_field.csv": r"row 3, column 2 is '\\x1b\]0;pwned\\x07\\x1b\[2J', not a",
    "not_utf8.csv": r"not UTF-8 text \(byte 36 is 0xff\)",
    "npy_claims_1e10_rows.npy": "mmap length is greater than file size",
    "idx_gzip_bomb.gz": r"\(18 bytes with the header\), the file has more",
    "zeros_gzip_bomb.gz": "not an IDX file",
    "idx_announces_36_exabytes.gz": "announces 36,893,488,147,419,103,244 bytes",
}


def _read(path: Path):
    if path.suffix == ".csv":
        return read_csv(path)
    if path.suffix == ".npy":
        return np.load(path, mmap_mode="r", allow_pickle=False)  # as lucidnet predict does
    return read_idx(path)


def test_the_corpus_and_its_expectations_agree():
    assert set(corpus()) == set(EXPECTED)
    assert {p.name for p in DATA.iterdir()} == set(EXPECTED), \
        "regenerate with: python tests/test_hostile_data.py"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_data_files_are_refused(tmp_path, name):
    generated = tmp_path / name
    generated.write_bytes(corpus()[name])
    for path in (generated, DATA / name):
        with pytest.raises((ValueError, ChecksumError), match=EXPECTED[name]):
            _read(path)


if __name__ == "__main__":
    DATA.mkdir(parents=True, exist_ok=True)
    for old in DATA.iterdir():
        old.unlink()
    for name, data in corpus().items():
        (DATA / name).write_bytes(data)
    print(f"wrote {len(EXPECTED)} files to {DATA}")
