"""lucidnet.datasets.reuters against every published output of Keras's reuters dataset.

The SGML is parsed once per module: all tests share one temporary
LUCIDNET_HOME, where the first load writes the cache that later loads read. Values marked "printed"
are outputs of ``keras.datasets.reuters`` copied from public notebooks; the
others are the official checks of shared/data/README.md.
"""

import gzip
import re
import shutil

import numpy as np
import pytest

from lucidnet._files import ChecksumError
from lucidnet.datasets import reuters

KERAS_LABELS = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing",
    "money-supply", "coffee", "sugar", "trade", "reserves", "ship", "cotton",
    "carcass", "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp",
    "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock",
    "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc",
    "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """A fresh LUCIDNET_HOME (the cache) for the module."""
    with pytest.MonkeyPatch.context() as mp:
        path = tmp_path_factory.mktemp("lucidnet_home")
        mp.setenv("LUCIDNET_HOME", str(path))
        yield path


@pytest.fixture(autouse=True)
def lucidnet_home(home, monkeypatch):
    """Replaces conftest's empty cache per test: this module's tests share ``home``,
    so the SGML is parsed once and later loads read the cache written there."""
    monkeypatch.setenv("LUCIDNET_HOME", str(home))
    return home


@pytest.fixture(scope="module")
def sgml(shared_data):
    return shared_data / "reuters" / "reuters21578"


@pytest.fixture(scope="module")
def keras_data(home, sgml):
    """The default load_data; the first call of the module: it parses and caches."""
    return reuters.load_data(sgml)


@pytest.fixture(scope="module")
def corpus(keras_data, sgml):
    """The cached arrays (wires in file order)."""
    return reuters._corpus(sgml)


@pytest.fixture(scope="module")
def word_index(keras_data, sgml):
    return reuters.get_word_index(sgml)


def texts(corpus, variant):
    """The word ranks of each wire, in file order: the content of Keras's reuters.npz."""
    ids, offsets = corpus[f"{variant}_ids"], corpus[f"{variant}_offsets"]
    return [ids[a:b].tolist() for a, b in zip(offsets[:-1], offsets[1:])]


# -------------------------------------------------------------- the official checks

def test_sizes_and_split(keras_data):
    (x_train, y_train), (x_test, y_test) = keras_data
    assert (len(x_train), len(y_train), len(x_test), len(y_test)) == (8982, 8982, 2246, 2246)
    assert len(np.unique(np.concatenate([y_train, y_test]))) == 46
    assert x_train.dtype == object and x_train.ndim == 1 and y_train.dtype == np.int64
    assert type(x_train[0]) is list and type(x_train[0][0]) is int


def test_official_values(keras_data):
    (x_train, y_train), (x_test, y_test) = keras_data
    assert y_train[:10].tolist() == [3, 4, 3, 4, 4, 4, 4, 3, 3, 16]
    assert y_test[-3:].tolist() == [3, 3, 24]
    assert (len(x_train[0]), len(x_train[1]), len(x_train[11])) == (87, 56, 59)
    lengths = [len(x) for x in x_train]
    assert (max(lengths), min(lengths), sum(lengths)) == (2376, 13, 1_307_239)


def test_word_ranks(word_index):
    assert len(word_index) == 30979
    ranks = {w: word_index[w] for w in ("the", "four", "wednesday", "grains", "elections")}
    assert ranks == {"the": 1, "four": 185, "wednesday": 1220, "grains": 1642, "elections": 3914}
    assert sorted(word_index.values()) == list(range(1, 30980))


def test_label_names():
    assert reuters.get_label_names() == KERAS_LABELS


# ------------------------------------------- outputs printed by Keras in public notebooks

def test_printed_sequences(sgml):
    (x_train, _), _ = reuters.load_data(sgml, num_words=10000)
    assert x_train[0] == [
        1, 2, 2, 8, 43, 10, 447, 5, 25, 207, 270, 5, 3095, 111, 16, 369, 186, 90, 67, 7, 89,
        5, 19, 102, 6, 19, 124, 15, 90, 67, 84, 22, 482, 26, 7, 48, 4, 49, 8, 864, 39, 209,
        154, 6, 151, 6, 83, 11, 15, 22, 155, 11, 15, 7, 48, 9, 4579, 1005, 504, 6, 258, 6,
        272, 11, 15, 22, 134, 44, 11, 15, 16, 8, 197, 1245, 90, 67, 52, 29, 209, 30, 32, 132,
        6, 109, 15, 17, 12]
    assert x_train[1] == [
        1, 3267, 699, 3434, 2295, 56, 2, 7511, 9, 56, 3906, 1073, 81, 5, 1198, 57, 366, 737,
        132, 20, 4093, 7, 2, 49, 2295, 2, 1037, 3267, 699, 3434, 8, 7, 10, 241, 16, 855, 129,
        231, 783, 5, 4, 587, 2295, 2, 2, 775, 7, 48, 34, 191, 44, 35, 1795, 505, 17, 12]
    assert x_train[2] == [
        1, 53, 12, 284, 15, 14, 272, 26, 53, 959, 32, 818, 15, 14, 272, 26, 39, 684, 70, 11,
        14, 12, 3886, 18, 180, 183, 187, 70, 11, 14, 102, 32, 11, 29, 53, 44, 704, 15, 14, 19,
        758, 15, 53, 959, 47, 1013, 15, 14, 19, 132, 15, 39, 965, 32, 11, 14, 147, 72, 11, 180,
        183, 187, 44, 11, 14, 102, 19, 11, 123, 186, 90, 67, 960, 4, 78, 13, 68, 467, 511, 110,
        59, 89, 90, 67, 1390, 55, 2678, 92, 617, 80, 1274, 46, 905, 220, 13, 4, 346, 48, 235,
        629, 5, 211, 5, 1118, 7, 2, 81, 5, 187, 11, 15, 9, 1709, 201, 5, 47, 3615, 18, 478,
        4514, 5, 1118, 7, 232, 2, 71, 5, 160, 63, 11, 9, 2, 81, 5, 102, 59, 11, 17, 12]


def test_printed_labels(keras_data):
    (_, y_train), (_, y_test) = keras_data
    assert y_test[:40].tolist() == [
        3, 10, 1, 4, 4, 3, 3, 3, 3, 3, 5, 4, 1, 3, 1, 11, 23, 3, 19, 3,
        8, 3, 3, 3, 9, 3, 4, 6, 10, 3, 3, 10, 20, 1, 19, 4, 40, 1, 4, 3]
    assert np.bincount(y_train).tolist() == [
        55, 432, 74, 3159, 1949, 17, 48, 16, 139, 101, 124, 390, 49, 172, 26, 20, 444, 39, 66,
        549, 269, 100, 15, 41, 62, 92, 24, 15, 48, 19, 45, 39, 32, 11, 50, 10, 49, 19, 19, 24,
        36, 30, 13, 21, 12, 18]


def test_printed_word_index_order(word_index):
    """The first keys of reuters_word_index.json, in the file's order, with their ranks."""
    printed = {
        "mdbl": 10996, "fawc": 16260, "degussa": 12089, "woods": 8803, "hanging": 13796,
        "localized": 20672, "sation": 20673, "chanthaburi": 20675, "refunding": 10997,
        "hermann": 8804, "passsengers": 20676, "stipulate": 20677, "heublein": 8352,
        "screaming": 20713, "tcby": 16261, "four": 185, "grains": 1642, "broiler": 20680,
        "wooden": 12090, "wednesday": 1220, "highveld": 13797, "duffour": 7593, "0053": 20681,
        "elections": 3914, "270": 2563, "271": 3551, "272": 5113, "273": 3552, "274": 3400,
        "rudman": 7975, "276": 3401, "277": 3478, "278": 3632, "279": 4309, "dormancy": 9381,
    }
    assert list(word_index.items())[:len(printed)] == list(printed.items())


def test_printed_decoding(keras_data, word_index):
    """Printed: x_train[0] decoded with index_to_word[i] (the index_from shift forgotten)."""
    (x_train, _), _ = keras_data
    index_to_word = {rank: word for word, rank in word_index.items()}
    assert index_to_word[30979] == "northerly"
    assert " ".join(index_to_word[i] for i in x_train[0]) == (
        "the wattie nondiscriminatory mln loss for plc said at only ended said commonwealth "
        "could 1 traders now april 0 a after said from 1985 and from foreign 000 april 0 "
        "prices its account year a but in this mln home an states earlier and rise and revs "
        "vs 000 its 16 vs 000 a but 3 psbr oils several and shareholders and dividend vs 000 "
        "its all 4 vs 000 1 mln agreed largely april 0 are 2 states will billion total and "
        "against 000 pct dlrs")
    assert " ".join(index_to_word.get(i - 3, "?") for i in x_train[0][:8]) == (
        "? mcgrath rentcorp said as a result of")


# --------------------------------------------------- the wires, labels and words

def test_labels_are_first_topics(corpus, sgml):
    """Each kept wire is labelled with its first topic; rare topics are dropped."""
    first_topic = {}
    for path in sorted(sgml.glob("reut2-*.sgm.gz")):
        text = gzip.decompress(path.read_bytes()).decode("latin-1")
        for newid, topics in re.findall(r'NEWID="(\d+)">.*?<TOPICS>(.*?)</TOPICS>', text, re.S):
            if topics:
                first_topic[int(newid)] = re.match(r"<D>(.*?)</D>", topics).group(1)
    counts = {t: list(first_topic.values()).count(t) for t in set(first_topic.values())}
    kept = [n for n, t in sorted(first_topic.items()) if counts[t] >= 15]
    assert (len(first_topic), len(kept)) == (11367, 11228)
    assert corpus["newids"].tolist() == kept
    names = [KERAS_LABELS[label] for label in corpus["labels"]]
    assert names == [first_topic[n] for n in kept]
    assert list(dict.fromkeys(names)) == list(KERAS_LABELS)  # numbered by first appearance


def test_text_to_word_sequence():
    assert reuters.text_to_word_sequence("Hello, World!\tIt's 3.5 &lt;MGRC>") == [
        "hello", "world", "it's", "3", "5", "lt", "mgrc"]


def test_py27_dict_emulation():
    # Python 2.7 on 64-bit Linux: hash('') == 0, hash('a') == 12416037344.
    assert reuters._py27_hash("") == 0
    assert reuters._py27_hash("a") == 12416037344
    # The hashes of 'a'..'h' differ in their low 5 bits, so these 8 keys never
    # collide: after the resize at the 6th key (to 32 slots) they are listed by
    # hash & 31, whatever the insertion order.
    keys = list("hgfedcba")
    assert reuters._py27_dict_order(keys) == sorted(keys, key=lambda k: reuters._py27_hash(k) & 31)
    many = [f"w{i}" for i in range(1000)]  # through several resizes
    assert sorted(reuters._py27_dict_order(many)) == sorted(many)


# ----------------------------------------------- num_words, skip_top, maxlen, ...

def keras_load_data(xs, labels, num_words=None, skip_top=0, maxlen=None, test_split=0.2,
                    seed=113, start_char=1, oov_char=2, index_from=3):
    """keras.datasets.reuters.load_data (Keras 3 source) after it has read reuters.npz."""
    rng = np.random.RandomState(seed)
    indices = np.arange(len(xs))
    rng.shuffle(indices)
    xs = [xs[i] for i in indices]
    labels = labels[indices]
    if start_char is not None:
        xs = [[start_char] + [w + index_from for w in x] for x in xs]
    elif index_from:
        xs = [[w + index_from for w in x] for x in xs]
    if maxlen:  # keras.src.utils.python_utils.remove_long_seq
        kept = [(x, y) for x, y in zip(xs, labels) if len(x) < maxlen]
        xs, labels = [x for x, _ in kept], [y for _, y in kept]
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        xs = [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    else:
        xs = [[w for w in x if skip_top <= w < num_words] for x in xs]
    idx = int(len(xs) * (1 - test_split))
    return (xs[:idx], np.array(labels[:idx])), (xs[idx:], np.array(labels[idx:]))


@pytest.mark.parametrize("kwargs", [
    {},
    {"num_words": 1000, "skip_top": 20},
    {"maxlen": 100, "num_words": 5000},
    {"maxlen": 200, "oov_char": None, "num_words": 2000, "skip_top": 5},
    {"start_char": None, "index_from": 0, "seed": 7, "test_split": 0.1},
], ids=repr)
def test_load_data_matches_keras(kwargs, corpus, sgml):
    (x_train, y_train), (x_test, y_test) = reuters.load_data(sgml, **kwargs)
    (kx_train, ky_train), (kx_test, ky_test) = keras_load_data(
        texts(corpus, "keras"), corpus["labels"], **kwargs)
    assert x_train.tolist() == kx_train and x_test.tolist() == kx_test
    assert np.array_equal(y_train, ky_train) and np.array_equal(y_test, ky_test)


def test_maxlen_drops_every_wire(sgml, keras_data):
    with pytest.raises(ValueError, match="no sequence"):
        reuters.load_data(sgml, maxlen=2)


# ------------------------------------------------------- borrowed texts and 'clean'

def test_borrowed_mask(sgml, corpus, keras_data):
    (x_train, _), (x_test, _) = keras_data
    train_mask, test_mask = reuters.borrowed_mask(sgml)
    assert (len(train_mask), len(test_mask)) == (len(x_train), len(x_test))
    assert corpus["borrowed"].sum() == 975
    assert test_mask.sum() == 207
    (x_train, _), _ = reuters.load_data(sgml, maxlen=200)
    assert len(reuters.borrowed_mask(sgml, maxlen=200)[0]) == len(x_train)


def test_newid_7000_got_rn(corpus):
    """No later body in its file: the 2015 script's find() == -1 gave 'rn' (from 'earn')."""
    i = int(np.flatnonzero(corpus["newids"] == 7000)[0])
    assert corpus["borrowed"][i]
    assert texts(corpus, "keras")[i] == [int(np.flatnonzero(corpus["keras_words"] == "rn")[0]) + 1]


def test_clean_variant(sgml, keras_data, corpus):
    (x_train, y_train), (x_test, y_test) = keras_data
    (c_train, cy_train), (c_test, cy_test) = reuters.load_data(sgml, variant="clean")
    assert np.array_equal(y_train, cy_train) and np.array_equal(y_test, cy_test)
    assert (len(c_train), len(c_test)) == (len(x_train), len(x_test))
    keras_words = reuters.get_word_index(sgml)
    clean_words = reuters.get_word_index(sgml, variant="clean")
    assert clean_words != keras_words and clean_words["the"] == 1

    keras_word = {rank + 3: word for word, rank in keras_words.items()}
    clean_word = {rank + 3: word for word, rank in clean_words.items()}

    def decode(seq, to_word):
        return [to_word.get(i, "?") for i in seq[1:]]

    # Own title, entities decoded (&lt;MGRC> -> mgrc), no '3' from the closing &#3;.
    assert " ".join(decode(c_train[0], clean_word)).startswith(
        "mcgrath rentcorp mgrc sees net rising mcgrath rentcorp said as a result")
    assert decode(c_train[0], clean_word)[-1] == "reuter"
    _, test_mask = reuters.borrowed_mask(sgml)
    for i in np.flatnonzero(test_mask):
        assert decode(c_test[i], clean_word) != decode(x_test[i], keras_word)


def test_unknown_variant(sgml, keras_data):
    with pytest.raises(ValueError, match="variant"):
        reuters.load_data(sgml, variant="raw")


# --------------------------------------------------------------- files and cache

def test_cache_round_trip(home, sgml, keras_data, monkeypatch):
    caches = list((home / "datasets").glob("reuters21578-v*.npz"))
    assert len(caches) == 1
    with np.load(caches[0], allow_pickle=False) as npz:  # plain arrays, no pickle
        assert {npz[name].dtype.kind for name in npz.files} <= {"i", "b", "U"}
    monkeypatch.setattr(reuters, "_build", lambda files: pytest.fail("cache not used"))
    (x_train, y_train), (x_test, y_test) = reuters.load_data(sgml)
    assert x_train.tolist() == keras_data[0][0].tolist()
    assert x_test.tolist() == keras_data[1][0].tolist()
    assert np.array_equal(y_train, keras_data[0][1]) and np.array_equal(y_test, keras_data[1][1])


def test_damaged_cache_is_rebuilt(home, sgml, corpus, monkeypatch):
    cache = next((home / "datasets").glob("reuters21578-v*.npz"))
    cache.write_bytes(b"not a zip file")
    built = []
    monkeypatch.setattr(reuters, "_build", lambda files: built.append(1) or dict(corpus))
    assert reuters.get_word_index(sgml)["the"] == 1
    assert built == [1]
    with np.load(cache, allow_pickle=False) as npz:
        assert np.array_equal(npz["keras_ids"], corpus["keras_ids"])


def test_default_folder_is_in_the_data_home(home, sgml, keras_data, monkeypatch, tmp_path):
    monkeypatch.setenv("LUCIDNET_DATA", str(sgml.parent.parent))
    assert len(reuters.load_data()[0][0]) == 8982
    monkeypatch.setenv("LUCIDNET_DATA", str(tmp_path / "data"))
    with pytest.raises(FileNotFoundError, match="UCI KDD.*research purposes only"):
        reuters.load_data()
    shutil.copytree(sgml, tmp_path / "data" / "reuters" / "reuters21578")
    assert reuters.get_word_index()["grains"] == 1642


def test_missing_folder_and_file(sgml, tmp_path):
    with pytest.raises(FileNotFoundError, match="reut2-000.sgm"):
        reuters.load_data(tmp_path / "nowhere")
    for path in sgml.glob("reut2-*.sgm.gz"):
        if path.name != "reut2-013.sgm.gz":
            shutil.copy(path, tmp_path)
    with pytest.raises(FileNotFoundError, match="reut2-013.sgm"):
        reuters.load_data(tmp_path)


@pytest.fixture
def copy_of(sgml, tmp_path):
    """A copy of the 22 files; the test damages reut2-000 (checked first)."""
    for path in sgml.glob("reut2-*.sgm.gz"):
        shutil.copy(path, tmp_path)
    return tmp_path


def test_damaged_gzip(copy_of, home):
    path = copy_of / "reut2-000.sgm.gz"
    path.write_bytes(path.read_bytes()[:50_000])
    with pytest.raises(ChecksumError, match=r"reut2-000\.sgm\.gz: damaged gzip"):
        reuters.load_data(copy_of)


def test_wrong_wire_count(copy_of, home):
    sgml = gzip.decompress((copy_of / "reut2-000.sgm.gz").read_bytes()).decode("latin-1")
    (copy_of / "reut2-000.sgm.gz").unlink()
    cut = sgml.index("</REUTERS>") + len("</REUTERS>")
    (copy_of / "reut2-000.sgm").write_text(sgml[cut:], encoding="latin-1")  # plain .sgm
    with pytest.raises(ValueError, match=r"reut2-000\.sgm: holds 999 wires"):
        reuters.load_data(copy_of)


def test_edited_file(copy_of, home):
    path = copy_of / "reut2-000.sgm.gz"
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()).replace(b"cocoa", b"cacao")))
    with pytest.raises(ChecksumError, match="not Reuters-21578 Distribution 1.0"):
        reuters.load_data(copy_of)


def test_plain_and_gzipped_files_agree(sgml, tmp_path):
    plain = tmp_path / "reut2-021.sgm"
    plain.write_bytes(gzip.decompress((sgml / "reut2-021.sgm.gz").read_bytes()))
    gzipped = reuters._read_file(sgml / "reut2-021.sgm.gz", "reut2-021.sgm", 578)
    assert reuters._read_file(plain, "reut2-021.sgm", 578) == gzipped


def test_an_edited_cache_is_rebuilt_not_used(home, sgml, keras_data):
    """With every label set to 0 in the cache, load_data returned 8,982 zero labels."""
    cache = next((home / "datasets").glob("reuters21578-v*.npz"))
    with np.load(cache, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays["labels"][:] = 0
    np.savez(cache, **arrays)
    (_, y_train), (_, y_test) = reuters.load_data(sgml)
    assert np.array_equal(y_train, keras_data[0][1]) and np.array_equal(y_test, keras_data[1][1])
    with np.load(cache, allow_pickle=False) as npz:  # rebuilt in place
        assert reuters.corpus_sha256({n: npz[n] for n in npz.files}) == reuters.CORPUS_SHA256


def test_a_gzip_bomb_stops_at_the_bound(copy_of, home):
    (copy_of / "reut2-000.sgm.gz").write_bytes(gzip.compress(bytes(16 << 20)))
    with pytest.raises(ChecksumError, match=r"reut2-000\.sgm\.gz: holds more than 4,194,304"):
        reuters.load_data(copy_of)
