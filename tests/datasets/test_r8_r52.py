"""R8 and R52 from the real files in shared/data/reuters, in Keras's reuters layout."""

import shutil
from collections import Counter

import numpy as np
import pytest

from lucidnet._files import ChecksumError
from lucidnet.datasets import r8, r52

# Per-topic train/test counts, from shared/data/README.md.
R52_COUNTS = """earn 2840/1083, acq 1596/696, crude 253/121, trade 251/75, money-fx 206/87,
interest 190/81, money-supply 123/28, ship 108/36, sugar 97/25, coffee 90/22, gold 70/20,
gnp 58/15, cpi 54/17, cocoa 46/15, grain 41/10, jobs 37/12, reserves 37/12, ipi 33/11,
alum 31/19, copper 31/13, rubber 31/9, iron-steel 26/12, nat-gas 24/12, bop 22/9,
retail 19/1, veg-oil 19/11, tin 17/10, cotton 15/9, housing 15/2, wpi 14/9, livestock 13/5,
orange 13/9, pet-chem 13/6, lei 11/3, gas 10/8, strategic-metal 9/6, zinc 8/5, income 7/4,
lumber 7/4, carcass 6/5, heat 6/4, meal-feed 6/1, instal-debt 5/1, fuel 4/7, lead 4/4,
cpu 3/1, dlr 3/3, nickel 3/1, jet 2/1, potato 2/3, tea 2/3, platinum 1/2"""
R52 = {topic: tuple(map(int, n.split("/")))
       for topic, n in (item.split() for item in R52_COUNTS.replace("\n", " ").split(","))}
R8 = {topic: R52[topic] for topic in "acq crude earn grain interest money-fx ship trade".split()}


@pytest.fixture(scope="module")
def folder(shared_data):
    return shared_data / "reuters"


@pytest.fixture(scope="module")
def r8_full(folder):
    """R8 with every word kept (num_words=None)."""
    return r8.load_data(folder)


@pytest.fixture(scope="module")
def top_10k(folder):
    """R8 and R52 as the course uses them: num_words=10000."""
    return {module: module.load_data(folder, num_words=10000) for module in (r8, r52)}


@pytest.mark.parametrize("module, counts, sizes",
                         [(r8, R8, (5485, 2189)), (r52, R52, (6532, 2568))])
def test_documents_labels_and_names(top_10k, module, counts, sizes):
    (x_train, y_train), (x_test, y_test) = top_10k[module]
    assert (len(x_train), len(x_test)) == (len(y_train), len(y_test)) == sizes
    assert x_train.dtype == object and x_train.ndim == 1 and isinstance(x_train[0], list)
    assert y_train.dtype == np.int64
    names = module.get_label_names()
    assert names == tuple(sorted(counts))
    assert Counter(names[y] for y in y_train) == {t: n for t, (n, _) in counts.items()}
    assert Counter(names[y] for y in y_test) == {t: n for t, (_, n) in counts.items()}
    assert all(seq[0] == 1 for seq in x_train) and all(seq[0] == 1 for seq in x_test)
    assert max(max(seq) for seq in x_train) == 9999


def test_word_index_and_first_document(folder, top_10k):
    word_index = r52.get_word_index(folder)
    assert word_index["the"] == 1
    assert sorted(word_index.values()) == list(range(1, len(word_index) + 1))
    (x_train, y_train), (x_test, _) = top_10k[r52]
    words = {rank + 3: word for word, rank in word_index.items()}
    assert [words[i] for i in x_train[0][1:4]] == ["bahia", "cocoa", "review"]
    assert r52.get_label_names()[y_train[0]] == "cocoa"
    assert [words[i] for i in x_test[0][1:5]] == ["asian", "exporters", "fear", "damage"]


def test_word_index_counts_the_training_split_only(folder):
    word_index = r8.get_word_index(folder)
    text = (folder / "r8-train-all-terms.txt").read_text()
    counts = Counter(word for line in text.splitlines() for word in line.split("\t")[1].split())
    assert set(word_index) == set(counts)
    ranked = sorted(word_index, key=word_index.get)
    assert all(counts[a] >= counts[b] for a, b in zip(ranked, ranked[1:]))


def test_every_training_word_is_kept_and_unknown_test_words_skipped(folder, r8_full):
    (x_train, _), (x_test, _) = r8_full
    word_index = r8.get_word_index(folder)
    assert max(max(seq) for seq in x_train) == len(word_index) + 3
    lines = (folder / "r8-test-all-terms.txt").read_text().splitlines()
    known = [sum(w in word_index for w in line.split("\t")[1].split()) for line in lines]
    assert [len(seq) - 1 for seq in x_test] == known


def test_num_words_skip_top_oov_and_maxlen_follow_keras(folder, r8_full):
    (full, y_full), _ = r8_full
    (cut, y_cut), _ = r8.load_data(folder, num_words=100, skip_top=10, maxlen=50)
    keep = [len(seq) < 50 for seq in full]  # Keras drops (not truncates) len >= maxlen
    assert len(cut) == sum(keep)
    np.testing.assert_array_equal(y_cut, y_full[keep])
    for f, c in zip(full[keep], cut):
        f = np.array(f)
        # Keras compares the stored index, so start_char (1 < skip_top) turns into oov too
        np.testing.assert_array_equal(c, np.where((f >= 10) & (f < 100), f, 2))
    (dropped, _), _ = r8.load_data(folder, num_words=100, oov_char=None, start_char=None)
    assert [len(d) for d in dropped] == [sum(3 < w < 100 for w in f) for f in full]


def test_default_folder_is_reuters_in_the_data_home(folder, data_home):
    with pytest.raises(FileNotFoundError, match=str(data_home / "reuters")):
        r8.get_word_index()
    (data_home / "reuters").mkdir(parents=True)
    for name in ("r8-train-all-terms.txt", "r8-test-all-terms.txt"):
        shutil.copy(folder / name, data_home / "reuters")
    assert r8.get_word_index()["the"] == 1


def test_corrupted_copy_raises_checksum_error(folder, tmp_path):
    shutil.copy(folder / "r8-test-all-terms.txt", tmp_path)
    data = (folder / "r8-train-all-terms.txt").read_bytes()
    (tmp_path / "r8-train-all-terms.txt").write_bytes(data.replace(b" the ", b" thy ", 1))
    with pytest.raises(ChecksumError, match="r8-train-all-terms.txt"):
        r8.load_data(tmp_path)
