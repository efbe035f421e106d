"""Shared loader of R8 and R52, Ana Cardoso-Cachopo's single-label Reuters-21578 splits.

Each corpus is two ASCII files, ``{name}-train-all-terms.txt`` and
``{name}-test-all-terms.txt``, one document per line: ``topic<TAB>words `` (title
and body, lowercased, every non-letter turned into a space). The split is
ModApté; documents are in NEWID order. Reference: A. Cardoso-Cachopo, PhD thesis,
IST Lisbon, 2007. Reuters-21578 Distribution 1.0 is free for research purposes.
"""

from __future__ import annotations

import os
from collections import Counter
from itertools import chain
from pathlib import Path

import numpy as np

from lucidnet._files import verify_sha256
from lucidnet.datasets.home import locate

#: SHA-256 of each file, as listed in shared/data/README.md.
SHA256 = {
    "r8-train-all-terms.txt": "f2cebcc0203f9092db55fc11b98377a5c30407121b1d633583580e36d0668ed9",
    "r8-test-all-terms.txt": "2cda485b855244b8995a67b81edc691470059225776627d3c45545206f61a1b2",
    "r52-train-all-terms.txt": "b7915d75c0a410fec200e78a667615513be6166e3226dcedc2cda2a18ec8d84a",
    "r52-test-all-terms.txt": "ec6ee4ff39c058ce74cf61b5f4007bc04b65c6a32173783ea8726ad9eaf39dbb",
}
#: Topic names in sorted order: label i is LABEL_NAMES[corpus][i].
LABEL_NAMES = {
    "r8": ("acq", "crude", "earn", "grain", "interest", "money-fx", "ship", "trade"),
    "r52": (
        "acq", "alum", "bop", "carcass", "cocoa", "coffee", "copper", "cotton", "cpi",
        "cpu", "crude", "dlr", "earn", "fuel", "gas", "gnp", "gold", "grain", "heat",
        "housing", "income", "instal-debt", "interest", "ipi", "iron-steel", "jet",
        "jobs", "lead", "lei", "livestock", "lumber", "meal-feed", "money-fx",
        "money-supply", "nat-gas", "nickel", "orange", "pet-chem", "platinum",
        "potato", "reserves", "retail", "rubber", "ship", "strategic-metal", "sugar",
        "tea", "tin", "trade", "veg-oil", "wpi", "zinc",
    ),
}


def _folder(path: str | os.PathLike | None) -> Path:
    """``path``, else ``reuters/`` in the data home."""
    return Path(path) if path is not None else locate("reuters")


def _read(corpus: str, split: str, path) -> tuple[list[str], list[list[str]]]:
    """The topics and the tokenized documents of one split, after the SHA-256 check."""
    name = f"{corpus}-{split}-all-terms.txt"
    file = _folder(path) / name
    if not file.is_file():
        raise FileNotFoundError(
            f"{name} not found in {file.parent}; put Cardoso-Cachopo's {corpus.upper()} "
            "files there (http://ana.cachopo.org/datasets-for-single-label-text-"
            "categorization; the data home: lucidnet datasets), or pass path="
        )
    verify_sha256(file, SHA256[name])
    with open(file, encoding="ascii") as f:
        lines = [line.split("\t", 1) for line in f]
    return [topic for topic, _ in lines], [text.split() for _, text in lines]


def _rank(docs: list[list[str]]) -> dict[str, int]:
    """Word -> rank by count over ``docs`` (stable: ties in order of first appearance)."""
    counts = Counter(chain.from_iterable(docs))
    return {word: rank for rank, (word, _) in enumerate(counts.most_common(), start=1)}


def get_word_index(corpus: str, path=None) -> dict[str, int]:
    """Word -> rank by frequency in the training split: 1 = most frequent. Ties keep
    the order of first appearance, as Keras's ``Tokenizer`` does."""
    return _rank(_read(corpus, "train", path)[1])


def load_data(corpus: str, path=None, num_words=None, skip_top=0, maxlen=None,
              start_char=1, oov_char=2, index_from=3):
    """Word-index sequences and labels of ``corpus``, Keras's reuters conventions;
    the arguments are documented in ``lucidnet.datasets.r8.load_data``."""
    train, test = _read(corpus, "train", path), _read(corpus, "test", path)
    word_index = _rank(train[1])
    label = {name: i for i, name in enumerate(LABEL_NAMES[corpus])}
    limit = num_words or len(word_index) + index_from + 1
    splits = []
    for topics, docs in (train, test):
        xs, ys = [], []
        for topic, words in zip(topics, docs):
            # words missing from the training split are skipped, as in Keras
            seq = [word_index[w] + index_from for w in words if w in word_index]
            if start_char is not None:
                seq.insert(0, start_char)
            if maxlen and len(seq) >= maxlen:  # Keras keeps len(seq) < maxlen
                continue
            if oov_char is None:
                seq = [w for w in seq if skip_top <= w < limit]
            else:
                seq = [w if skip_top <= w < limit else oov_char for w in seq]
            xs.append(seq)
            ys.append(label[topic])
        splits.append((np.fromiter(xs, dtype=object, count=len(xs)), np.array(ys, dtype=np.int64)))
    return tuple(splits)
