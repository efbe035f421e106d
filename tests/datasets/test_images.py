"""Fashion-MNIST and MNIST from the real IDX files in shared/data."""

import gzip
import shutil

import numpy as np
import pytest

from lucidnet._files import ChecksumError
from lucidnet.datasets import fashion_mnist, mnist, read_idx

MNIST_TEST = ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def test_fashion_mnist_matches_keras(fashion):
    (x_train, y_train), (x_test, y_test) = fashion
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert y_train[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert y_test[:10].tolist() == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert x_train.max() == 255 and x_train.min() == 0
    assert len(fashion_mnist.CLASS_NAMES) == 10


def test_fashion_mnist_missing_says_where_to_put_it(data_home):
    with pytest.raises(FileNotFoundError) as err:
        fashion_mnist.load_data()
    message = str(err.value)
    assert "train-images-idx3-ubyte.gz" in message
    assert str(data_home / "fashion-mnist") in message
    assert "lucidnet datasets --fetch fashion_mnist" in message



def test_mnist_test_split(shared_data):
    x_test, y_test = mnist.load_test_data(shared_data / "mnist-idx-partial")
    assert x_test.shape == (10000, 28, 28) and x_test.dtype == np.uint8
    assert y_test.dtype == np.uint8
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_mnist_train_labels_match_their_pin(shared_data):
    name = "train-labels-idx1-ubyte"
    y_train = read_idx(shared_data / "mnist-idx-partial" / f"{name}.gz", mnist.FILES[name])
    counts = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(y_train).tolist() == counts


def test_mnist_without_train_images_says_which_file_and_where(shared_data):
    folder = shared_data / "mnist-idx-partial"
    with pytest.raises(FileNotFoundError) as err:
        mnist.load_data(folder)
    message = str(err.value)
    assert "train-images-idx3-ubyte.gz" in message and str(folder) in message
    assert "load_test_data" in message


def test_mnist_default_folder_is_in_the_data_home(shared_data, data_home):
    cache = data_home / "mnist"
    with pytest.raises(FileNotFoundError, match=str(cache)):
        mnist.load_test_data()
    cache.mkdir(parents=True)
    for name in MNIST_TEST:
        shutil.copy(shared_data / "mnist-idx-partial" / f"{name}.gz", cache)
    x_test, y_test = mnist.load_test_data()
    assert x_test.shape == (10000, 28, 28) and y_test[:3].tolist() == [7, 2, 1]


@pytest.mark.parametrize("form", ["plain", "gzipped again"])
def test_plain_and_recompressed_copies_are_accepted(shared_data, tmp_path, form):
    """A gunzipped copy, or one gzipped again with other headers (as Debian does),
    holds the same IDX data, so it passes the payload's SHA-256."""
    for name in MNIST_TEST:
        raw = gzip.decompress((shared_data / "mnist-idx-partial" / f"{name}.gz").read_bytes())
        if form == "plain":
            (tmp_path / name).write_bytes(raw)
        else:
            (tmp_path / f"{name}.gz").write_bytes(gzip.compress(raw, compresslevel=1, mtime=0))
    reference = mnist.load_test_data(shared_data / "mnist-idx-partial")
    for got, want in zip(mnist.load_test_data(tmp_path), reference):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("damage", ["gzip stream", "plain payload"])
def test_corrupted_copy_raises_checksum_error(shared_data, tmp_path, damage):
    for name in MNIST_TEST:
        shutil.copy(shared_data / "mnist-idx-partial" / f"{name}.gz", tmp_path)
    labels = tmp_path / "t10k-labels-idx1-ubyte.gz"
    if damage == "gzip stream":
        data = bytearray(labels.read_bytes())
        data[len(data) // 2] ^= 0xFF
        labels.write_bytes(bytes(data))
    else:  # a valid IDX file whose first label changed from 7 to 1
        raw = bytearray(gzip.decompress(labels.read_bytes()))
        raw[8] = 1
        labels.unlink()
        (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(bytes(raw))
    with pytest.raises(ChecksumError, match="t10k-labels-idx1-ubyte"):
        mnist.load_test_data(tmp_path)
