"""read_csv: never drops a row in silence; says whether row 1 was a header."""

import numpy as np
import pytest

from lucidnet.datasets.csvfile import read_csv

ROWS = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.5], [-7.0, 8e-3, 9.0]]


def write(tmp_path, data: bytes, name="x.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_numbers_with_or_without_header_bom_and_crlf(tmp_path, newline, bom):
    body = newline.join(b",".join(repr(v).encode() for v in row) for row in ROWS) + newline
    table = read_csv(write(tmp_path, bom + body))
    assert table.header is None
    np.testing.assert_array_equal(table.values, ROWS)
    table = read_csv(write(tmp_path, bom + b"a, b ,\"c,d\"" + newline + body))
    assert table.header == ["a", "b", "c,d"]
    np.testing.assert_array_equal(table.values, ROWS)


@pytest.mark.parametrize("first, message", [
    (b"1,2x,3", r"row 1 mixes numbers and text \(column 2 is '2x'\)"),
    (b"1,,3", r"row 1 mixes numbers and text \(column 2 is ''\)"),
    (b"\xef\xbb\xbf1,2,3\r\n5,,7", r"row 2, column 2 is empty"),
    (b"a,b,c\n1,2", r"row 2 has 2 fields, expected 3"),
    (b"1,2,3\n4,five,6", r"row 2, column 2 is 'five', not a number"),
    (b"1,2,3\n4,nan,6", r"row 2, column 2 is 'nan', not a finite number"),
    (b"1,2,3\n4,-inf,6", r"row 2, column 2 is '-inf', not a finite number"),
    (b"1,2,\xff", r"not UTF-8 text \(byte 4 is 0xff\)"),
])
def test_what_cannot_be_read_is_refused_with_row_and_column(tmp_path, first, message):
    """The first row is never dropped because a field of it fails to parse."""
    path = write(tmp_path, first + b"\n4,5,6\n7,8,9\n")
    with pytest.raises(ValueError, match=message) as err:
        read_csv(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize("data, message", [(b"a,b,c\n", "holds a header row but no samples"),
                                           (b"\n \r\n", "holds no rows"), (b"", "holds no rows")])
def test_a_file_without_samples_is_refused(tmp_path, data, message):
    with pytest.raises(ValueError, match=message):
        read_csv(write(tmp_path, data))


def test_header_can_be_forced_either_way(tmp_path):
    path = write(tmp_path, b"1,2,3\n4,5,6\n")
    assert read_csv(path, header=True).header == ["1", "2", "3"]
    assert read_csv(path, header=True).values.tolist() == [[4, 5, 6]]
    with pytest.raises(ValueError, match="row 1, column 1 is 'a', not a number"):
        read_csv(write(tmp_path, b"a,b\n1,2\n"), header=False)
    with pytest.raises(ValueError, match="header must be 'auto', True or False"):
        read_csv(path, header="infer")


def test_a_hostile_field_is_quoted_in_the_message(tmp_path):
    with pytest.raises(ValueError, match=r"'\\x1b\[2J'"):
        read_csv(write(tmp_path, b"1,2\n3,\x1b[2J\n"))
