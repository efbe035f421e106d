"""keras.datasets.imdb and boston_housing with Keras's arguments, on small files made
here (CI is offline), cifar10's clear refusal, and the data home's listing and fetch."""

import hashlib
import http.server
import json
import pickle
import threading

import numpy as np
import pytest

from lucidnet import keras
from lucidnet._files import ChecksumError
from lucidnet.datasets import sources


def _objects(lists):
    out = np.empty(len(lists), dtype=object)
    out[:] = lists
    return out


TRAIN = [[1, 2, 3], [4, 5], [6], [7, 8, 9, 10]]
TEST = [[2, 2], [11, 1, 3]]


@pytest.fixture
def imdb_file(data_home):
    data_home.mkdir(parents=True)
    np.savez(data_home / "imdb.npz", x_train=_objects(TRAIN), y_train=np.array([0, 1, 1, 0]),
             x_test=_objects(TEST), y_test=np.array([1, 0]))
    return data_home / "imdb.npz"


def _keras_imdb(num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
                index_from=3):
    """Keras 3's imdb.load_data steps, written out on the lists above."""
    rng = np.random.RandomState(seed)
    splits = []
    for xs, ys in ((TRAIN, [0, 1, 1, 0]), (TEST, [1, 0])):
        order = np.arange(len(xs))
        rng.shuffle(order)
        xs = [[start_char] + [w + index_from for w in xs[i]] for i in order]
        ys = [ys[i] for i in order]
        if maxlen:
            ys = [y for x, y in zip(xs, ys) if len(x) < maxlen]
            xs = [x for x in xs if len(x) < maxlen]
        splits.append((xs, ys))
    num_words = num_words or max(max(x) for xs, _ in splits for x in xs)
    return [([[w if skip_top <= w < num_words else oov_char for w in x] for x in xs], ys)
            for xs, ys in splits]


@pytest.mark.parametrize("kwargs", [{}, {"num_words": 8}, {"skip_top": 5, "maxlen": 5},
                                    {"seed": 7, "index_from": 0}])
def test_imdb_follows_keras(imdb_file, kwargs):
    (x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data(**kwargs)
    expected = _keras_imdb(**kwargs)
    assert x_train.dtype == object and [list(x) for x in x_train] == expected[0][0]
    assert y_train.tolist() == expected[0][1]
    assert [list(x) for x in x_test] == expected[1][0] and y_test.tolist() == expected[1][1]


def test_imdb_refuses_objects_that_are_not_arrays_of_lists(data_home):
    class Payload:
        def __reduce__(self):
            return (print, ("this must never run",))

    data_home.mkdir(parents=True)
    np.savez(data_home / "imdb.npz", x_train=_objects([Payload()]), y_train=np.array([0]),
             x_test=_objects([[1]]), y_test=np.array([0]))
    with pytest.raises(pickle.UnpicklingError, match="builtins.print .*refused"):
        keras.datasets.imdb.load_data()


def test_imdb_word_index_and_missing_files(data_home):
    with pytest.raises(FileNotFoundError, match="lucidnet datasets --fetch imdb"):
        keras.datasets.imdb.load_data()
    data_home.mkdir(parents=True)
    (data_home / "imdb_word_index.json").write_text(json.dumps({"the": 1, "and": 2}))
    assert keras.datasets.imdb.get_word_index() == {"the": 1, "and": 2}


def test_boston_housing_follows_keras(data_home):
    data_home.mkdir(parents=True)
    x = np.arange(10 * 13, dtype=np.float64).reshape(10, 13)
    y = np.arange(10, dtype=np.float64) + 0.5
    np.savez(data_home / "boston_housing.npz", x=x, y=y)
    (x_train, y_train), (x_test, y_test) = keras.datasets.boston_housing.load_data(
        test_split=0.3, seed=5)
    order = np.arange(10)
    np.random.RandomState(5).shuffle(order)
    np.testing.assert_array_equal(x_train, x[order[:7]])
    np.testing.assert_array_equal(y_test, y[order[7:]])
    with pytest.raises(ValueError, match="test_split must be in"):
        keras.datasets.boston_housing.load_data(test_split=1.0)


def test_cifar10_says_it_is_out_of_scope():
    with pytest.raises(NotImplementedError, match="cifar10: .*convolutions are outside"):
        keras.datasets.cifar10.load_data()


def test_listing_says_where_what_and_whether_intact(data_home, shared_data):
    rows = {row["name"]: row for row in sources.listing()}
    assert set(rows) == set(sources.SOURCES)
    assert rows["imdb"]["present"] == "0/2" and rows["imdb"]["checksum"] == "-"
    assert rows["fashion_mnist"]["folder"] == str(data_home / "fashion-mnist")
    (data_home / "reuters").mkdir(parents=True)
    for name in ("r8-train-all-terms.txt", "r8-test-all-terms.txt"):
        (data_home / "reuters" / name).write_bytes((shared_data / "reuters" / name).read_bytes())
    (data_home / "boston_housing.npz").write_bytes(b"not the official file")
    rows = {row["name"]: row for row in sources.listing()}
    assert (rows["r8"]["present"], rows["r8"]["checksum"]) == ("2/2", "ok")
    assert (rows["boston_housing"]["present"], rows["boston_housing"]["checksum"]) == (
        "1/1", "MISMATCH")


@pytest.fixture
def served(tmp_path):
    """(a folder, the URL of a local HTTP server that serves it): CI is offline."""
    pytest.importorskip("pooch")
    folder = tmp_path / "served"
    folder.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(folder), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def test_fetch_downloads_with_pooch_and_checks_the_pinned_hash(data_home, served, monkeypatch):
    folder, base = served
    payload = b"boston, as a test serves it"
    (folder / "boston_housing.npz").write_bytes(payload)
    url = base + "boston_housing.npz"
    good = sources.DataFile("boston_housing.npz",
                            f"sha256:{hashlib.sha256(payload).hexdigest()}", url)
    monkeypatch.setitem(sources.SOURCES, "boston_housing", sources.Source(".", (good,)))
    assert sources.fetch("boston_housing") == data_home / "."
    assert (data_home / "boston_housing.npz").read_bytes() == payload
    bad = sources.DataFile("boston_housing.npz", "sha256:" + "0" * 64, url)
    monkeypatch.setitem(sources.SOURCES, "boston_housing", sources.Source(".", (bad,)))
    (data_home / "boston_housing.npz").unlink()
    with pytest.raises(ValueError, match="(?i)hash"):
        sources.fetch("boston_housing")
    assert not (data_home / "boston_housing.npz").exists()
    with pytest.raises(ValueError, match="r8 has no official download.*ana.cachopo.org.*"
                                         "put them in"):
        sources.fetch("r8")


def _tarball(path, files: dict):
    import io
    import tarfile

    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def test_reuters_is_fetched_as_the_uci_tarball_and_each_sgml_file_checked(
        data_home, served, monkeypatch):
    """Reuters-21578 comes as one tarball (the UCI KDD archive's, its hash pinned): pooch
    checks it, unpacks the SGML files the loader wants, and each is checked against the
    loader's own SHA-256; a tarball whose files differ is refused."""
    real = sources.SOURCES["reuters"]
    assert real.fetchable and real.archive.url.startswith("https://kdd.ics.uci.edu/")
    assert len(real.files) == 22
    folder, base = served
    texts = {"reut2-000.sgm": b"<REUTERS NEWID=\"1\">one</REUTERS>",
             "reut2-001.sgm": b"<REUTERS NEWID=\"2\">two</REUTERS>"}
    files = tuple(sources.DataFile(f"{name}.gz", None, None, hashlib.sha256(text).hexdigest())
                  for name, text in texts.items())
    digest = _tarball(folder / "good.tar.gz", {**texts, "README.txt": b"not wanted"})
    monkeypatch.setitem(sources.SOURCES, "reuters", sources.Source(
        "reuters/reuters21578", files,
        archive=sources.DataFile("reuters21578.tar.gz", digest, base + "good.tar.gz")))
    target = sources.fetch("reuters")
    assert target == data_home / "reuters" / "reuters21578"
    for name, text in texts.items():
        assert (target / name).read_bytes() == text
    assert not (target / "README.txt").exists()
    row = next(r for r in sources.listing() if r["name"] == "reuters")
    assert (row["present"], row["checksum"], row["fetch"]) == ("2/2", "ok", "yes")

    (target / "reut2-001.sgm").unlink()
    (target / "reuters21578.tar.gz").unlink()
    digest = _tarball(folder / "other.tar.gz", {**texts, "reut2-001.sgm": b"edited"})
    monkeypatch.setitem(sources.SOURCES, "reuters", sources.Source(
        "reuters/reuters21578", files,
        archive=sources.DataFile("reuters21578.tar.gz", digest, base + "other.tar.gz")))
    with pytest.raises(ValueError, match="reut2-001.sgm: MISMATCH after the download"):
        sources.fetch("reuters")


# -- files too large, or lying about their size ---------------------------------------
def _npz_with_header(path, name, header: dict, data: bytes = b""):
    """An .npz whose member ``name`` has the .npy ``header`` given, then ``data``."""
    import io
    import zipfile

    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(name + ".npy", buffer.getvalue() + data)


def test_boston_housing_refuses_a_zip_bomb_before_decompressing_it(data_home):
    """64 MB of zeros compress to about 64 kB: the header announces them, and the
    read stops there, with the size allowed in the message."""
    data_home.mkdir(parents=True)
    np.savez_compressed(data_home / "boston_housing.npz", x=np.zeros((8 << 20, 1)),
                        y=np.zeros(8 << 20))
    assert (data_home / "boston_housing.npz").stat().st_size < 1 << 20
    with pytest.raises(ChecksumError, match="boston_housing.npz: holds more than 1,048,576"):
        keras.datasets.boston_housing.load_data()


def test_boston_housing_refuses_a_header_announcing_a_terabyte(data_home):
    data_home.mkdir(parents=True)
    _npz_with_header(data_home / "boston_housing.npz", "x",
                     {"descr": "<f8", "fortran_order": False, "shape": (1 << 37, 13)})
    with pytest.raises(ChecksumError, match="holds more than 1,048,576 bytes"):
        keras.datasets.boston_housing.load_data()


def test_boston_housing_refuses_a_large_file_truncated_arrays_and_objects(data_home):
    data_home.mkdir(parents=True)
    file = data_home / "boston_housing.npz"
    file.write_bytes(b"\0" * ((1 << 20) + 1))  # over the cap on disk: never parsed
    with pytest.raises(ChecksumError, match="holds more than 1,048,576 bytes"):
        keras.datasets.boston_housing.load_data()
    _npz_with_header(file, "x", {"descr": "<f8", "fortran_order": False, "shape": (3, 13)},
                     b"\0" * 16)
    with pytest.raises(ValueError, match="x holds 16 bytes, its header announces 312"):
        keras.datasets.boston_housing.load_data()
    np.savez(file, x=_objects([[1.0] * 13]), y=np.zeros(1))
    with pytest.raises(ValueError, match="x holds Python objects; numbers were expected"):
        keras.datasets.boston_housing.load_data()
    np.savez(file, x=np.zeros((4, 13)), y=np.zeros(3))
    with pytest.raises(ValueError, match=r"expected arrays x \(N, 13\) and y \(N,\)"):
        keras.datasets.boston_housing.load_data()
    file.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a NumPy .npz archive"):
        keras.datasets.boston_housing.load_data()


def test_imdb_stops_reading_sequences_at_its_cap(data_home, monkeypatch):
    """Pickled sequences have no size in their header: their read stops at the bytes
    left (the cap lowered here; the real one is 256 MiB), before unpickling."""
    from lucidnet.datasets import imdb

    data_home.mkdir(parents=True)
    long = _objects([list(range(1000 + i, 3000 + i)) for i in range(4)])  # 24 kB pickled
    np.savez_compressed(data_home / "imdb.npz", x_train=long, y_train=np.zeros(4),
                        x_test=long, y_test=np.zeros(4))
    keras.datasets.imdb.load_data()  # whole under the real cap
    monkeypatch.setattr(imdb, "MAX_BYTES", 20_000)
    with pytest.raises(ChecksumError, match="holds more than 20,000 bytes"):
        keras.datasets.imdb.load_data()
    monkeypatch.setattr(imdb, "MAX_INDEX_BYTES", 10)
    (data_home / "imdb_word_index.json").write_text(json.dumps({"the": 1, "and": 2}))
    with pytest.raises(ChecksumError, match="holds more than 10 bytes"):
        keras.datasets.imdb.get_word_index()
