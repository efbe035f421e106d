"""Reuters newswire topics: Keras's ``reuters`` dataset, rebuilt from the original SGML.

11,228 Reuters wires of 1987 in 46 topics, the dataset of
``keras.datasets.reuters``, with the same functions and defaults. Keras serves a
file (``reuters.npz``) made in 2015 by a script that no longer ships with it;
lucidnet rebuilds that file from the 22 SGML files of Reuters-21578 Distribution 1.0,
the collection Keras's file was made from.

Getting the data
    ``lucidnet datasets --fetch reuters`` downloads ``reuters21578.tar.gz`` of the UCI
    KDD archive (https://kdd.ics.uci.edu/databases/reuters21578/reuters21578.html),
    checks its pinned hash and unpacks ``reut2-000.sgm`` … ``reut2-021.sgm`` into
    ``reuters/reuters21578/`` of the data home (:mod:`lucidnet.datasets.home`). Or put
    them there yourself (plain or gzipped), or pass ``path=``.
    Licence: Reuters Ltd. and Carnegie Group allow free distribution for research
    purposes only; cite "Reuters-21578, Distribution 1.0".

How Keras's file was made (``variant='keras'``, the default)
    * Wires: every wire with at least one topic, in file order; its label is the
      FIRST topic listed. Topics that label fewer than 15 wires are dropped:
      11,367 -> 11,228 wires in 46 topics, numbered in order of first appearance
      (cocoa=0, grain=1, veg-oil=2, earn=3, acq=4, …; see ``get_label_names``).
    * Text: the raw ``<BODY>`` only: no title, no decoding of HTML entities
      (``&lt;`` gives the word ``lt``, the ``&#3;`` that ends every wire the word
      ``3``). The 2015 script searched forward from each wire's ``<TOPICS>`` for
      the next ``<BODY>`` in the file, so each of the 975 wires without a body
      of its own got the body of the next wire that has one (NEWID 7000, with
      no later body in its file, got the two letters ``rn``: see
      ``_read_file``). So about 7 % of the dataset (207 of the 2,246 test
      wires) carries another wire's text, in 801 cases that of a wire with
      another topic or none: this caps the course's accuracy near 80 %.
      ``borrowed_mask`` tells which wires they are.
    * Words: Keras's ``text_to_word_sequence``, then ranked by count over all
      11,228 texts (1 = most frequent, 30,979 words). Words with equal counts
      keep the order in which a Python 2.7 ``dict`` listed them (the 2015
      tokenizer counted in a plain dict and sorted by count, a stable sort);
      ``_py27_dict_order`` replays that dict.
    * ``load_data`` shuffles with ``np.random.RandomState(seed)`` and splits
      80/20 (8,982 / 2,246 wires), exactly as Keras's ``load_data``.

``variant='clean'``
    The same wires, labels, shuffle and split, but each wire with its OWN text:
    title then body, HTML entities decoded (the 61 wires of type UNPROC, which
    have neither, use their whole unformatted text), so nothing is borrowed.
    Its word index ranks its own words by count, ties in order of first
    appearance (what today's Keras ``Tokenizer`` would give). With the same
    network it reaches about 88 % instead of 80 %.

The first call parses the SGML (a few seconds) and caches the result in
``cache_dir('datasets')`` as a plain ``.npz`` (no pickle), named after the
SHA-256 of the SGML files; later calls read the cache.
"""

from __future__ import annotations

import hashlib
import html
import re
import zipfile
from pathlib import Path
from typing import NamedTuple

import numpy as np
from tqdm import tqdm

from lucidnet._files import ChecksumError, atomic_write, cache_dir, read_bounded, sha256
from lucidnet.datasets.home import locate

__all__ = ["load_data", "get_word_index", "get_label_names", "borrowed_mask",
           "text_to_word_sequence"]

#: The 22 SGML files of Reuters-21578 Distribution 1.0 -> SHA-256 of their SGML
#: (of the decompressed data for a ``.gz`` file).
FILES = {f"reut2-{i:03d}.sgm": digest for i, digest in enumerate((
    "9ff9bb40624ef992a03f62aace12e697dca1087abfd9b4d06aa787a6ad3e0687",
    "1528e7e82d110d88d0234eb9619eadb7f9fd805711971df05975b92277dfdf4d",
    "99f18068d0518952987dedd78c622e5c2a584e357d264d3754696c815f3e6628",
    "78a3a8d7e04bc9d42c4614d5d5c60a4293dbe3f708df6fb5a71d9ef31f4b3fa3",
    "726342c19a65873330b412378cd6a3f0d512035f5223146ddd60930c62eb6ff0",
    "d09de619b6dd2d047d5124681f6df90550abaf592020d1c1ce338ae9b91522e7",
    "b5535c0d66b01f4976f84621a4a795afbc00d2c4bd0a1b7ae426df6630fb361d",
    "aa706007ec84a03537a3921ca976d60e11b3f99e4b9e9b2d5c81dd384d2c2062",
    "a3994583694a00b7c744097c1d7eabfcf90f2e6650cc21663e46828035a336cb",
    "29995f606dd1a9bdf907eacc9d879846c716860d9d9141676979474aaea39c7d",
    "996df6008089bd09fa5b28a4d2eb0ee5f7b9d4601cde566fed3926ac82960fa3",
    "d3a2782015247d9c2bffb8926267827fdd449c70d619435ef01a25a1c56a53ca",
    "da31035d483851f2aebce5b66d779e5e2c0ac9dcfe098596c6d544e81c5604ab",
    "8f7700bc0455fac3fcc12377ced4807b7df8aba1f21ecad059b9cc2b1cf0b8be",
    "ef936bd3e0f36cf722afa9a6957563549775af32e9e28b4f539c8737ceda83ab",
    "6d3bcec73eff871b8a5403588af814c4e50a0de6bc25707480522ab836f74026",
    "be2f03a185fff70131f3b4fdbd6229b7ee2be077eba9691eaa597c8cfbda8812",
    "f370e610b4b1342e41a98e0c426a08541044bd1d7e539674f32372a6060b73b5",
    "a5f971bf25448e915781962309e669359a35fbcaf3017a806eca0590897f209a",
    "d3b07097fba2633d130b4914aceba671645985248943ce9e39c289315339dffb",
    "f6ad1b724125c202566c63b35ea0b5ee23881f8b7ed47a32829d5af05d8e860d",
    "3f5196d32869723c9042aa5756805b4e90360f1f45ea17f4594fa0e2b3630b18",
))}
#: Wires per file: 1000 in each, 578 in the last (21,578 in all).
WIRES_PER_FILE = (1000,) * 21 + (578,)
#: Keras's label order: label ``i`` is topic ``LABEL_NAMES[i]``.
LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing",
    "money-supply", "coffee", "sugar", "trade", "reserves", "ship", "cotton",
    "carcass", "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp",
    "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock",
    "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc",
    "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)
#: Topics that label fewer wires than this are dropped.
MIN_WIRES_PER_TOPIC = 15
VARIANTS = ("keras", "clean")
#: Keras's default ``filters``: each of these characters becomes a space.
FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'

_CACHE_FORMAT = 1  # bump when the cached arrays change meaning
#: SHA-256 of the arrays parsed from the pinned files (:func:`corpus_sha256`): a cache
#: that differs (damaged, edited) is rebuilt, never used.
CORPUS_SHA256 = "89c5a04a0d9bf714243bc5258fc96d2d1fc67f2386b06bf60f2f0d844b937445"
_MAX_SGML_BYTES = 4 << 20  # the largest file is 1,546,911 bytes; a gzip bomb stops here
_WIRE = re.compile(r'<REUTERS[^>]*\bNEWID="(\d+)"[^>]*>(.*?)</REUTERS>', re.S)
_UNPROC = re.compile(r'<TEXT TYPE="UNPROC">(.*?)</TEXT>', re.S)
_FILTER_TABLE = str.maketrans(dict.fromkeys(FILTERS, " "))
# Control characters (the &#2; / &#3; that open and close a wire, …) -> spaces.
_CONTROL_TABLE = str.maketrans(dict.fromkeys([*range(32), *range(127, 160)], " "))
_HINT = (
    "Run `lucidnet datasets --fetch reuters`, or put the 22 files reut2-000.sgm … "
    "reut2-021.sgm of Reuters-21578 Distribution 1.0 (plain or gzipped) in {home}, or "
    "pass path=. They are in reuters21578.tar.gz of the UCI KDD archive "
    "(https://kdd.ics.uci.edu/databases/reuters21578/reuters21578.html). "
    "Licence: free distribution for research purposes only (Reuters Ltd. and "
    "Carnegie Group); cite \"Reuters-21578, Distribution 1.0\"."
)


# ----------------------------------------------------------------------------- API

def load_data(path=None, num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3, variant="keras"):
    """Load the wires as ``(x_train, y_train), (x_test, y_test)``, like Keras.

    ``x``: 1-D object arrays of Python lists of word indices; a sequence is
    ``[start_char] + [rank + index_from for each word]``, where ``rank`` is the
    word's value in ``get_word_index`` (1 = most frequent). ``y``: int64 labels
    0..45 (``get_label_names``). The steps and their quirks are Keras's:

    1. shuffle all 11,228 wires with ``np.random.RandomState(seed)``;
    2. ``maxlen``: DROP (not truncate) sequences whose length, start_char
       included, is ``>= maxlen``;
    3. every index outside ``skip_top <= index < num_words`` becomes
       ``oov_char`` (removed when ``oov_char`` is None). This applies to
       ``start_char`` too, and with ``num_words=None`` the limit is the largest
       index present, so that single index becomes ``oov_char`` as well;
    4. the first ``int(n * (1 - test_split))`` wires are the train part
       (8,982 / 2,246 by default).

    ``path``: the folder of the SGML files (see the module docstring for where
    it is looked for when None). ``variant``: ``'keras'`` (Keras's texts, some
    borrowed) or ``'clean'`` (each wire's own text).
    """
    _check_variant(variant)
    corpus = _corpus(path)
    ids, offsets = corpus[f"{variant}_ids"], corpus[f"{variant}_offsets"]
    docs = _keras_order(np.diff(offsets), seed, maxlen, start_char)
    # The kept texts one after the other (``flat``), text i being ``lengths[i]`` long:
    # its word j is ids[offsets[docs[i]] + j], at position starts[i] + j of flat.
    lengths = offsets[docs + 1] - offsets[docs]
    starts = np.cumsum(lengths) - lengths
    flat = ids[np.repeat(offsets[docs] - starts, lengths) + np.arange(lengths.sum())]
    flat = flat.astype(np.int64) + index_from
    if start_char is not None:
        flat = np.insert(flat, starts, start_char)
        lengths = lengths + 1
    if not num_words:
        if not len(flat):
            raise ValueError(f"maxlen={maxlen} leaves no sequence")
        num_words = flat.max()  # Keras: max(max(x) for x in xs)
    inside = (skip_top <= flat) & (flat < num_words)
    if oov_char is not None:
        flat = np.where(inside, flat, oov_char)
    else:
        wire_of = np.repeat(np.arange(len(docs)), lengths)
        lengths = np.bincount(wire_of[inside], minlength=len(docs))
        flat = flat[inside]
    values, ends = flat.tolist(), np.cumsum(lengths).tolist()
    xs = [values[start:end] for start, end in zip([0] + ends[:-1], ends)]
    labels = corpus["labels"][docs]
    n_train = int(len(docs) * (1 - test_split))
    return ((_object_array(xs[:n_train]), labels[:n_train]),
            (_object_array(xs[n_train:]), labels[n_train:]))


def get_word_index(path=None, variant="keras") -> dict[str, int]:
    """The word index: word -> rank, 1 for the most frequent word.

    A word of rank r appears in ``load_data``'s sequences as ``r + index_from``.
    ``variant='keras'``: Keras's 30,979 words with their exact ranks, listed in
    the key order of Keras's ``reuters_word_index.json`` (``'mdbl': 10996,
    'fawc': 16260, …``: a Python 2.7 dict built in rank order, then reloaded;
    see ``_py27_dict_order``). ``variant='clean'``: the clean texts' words, in
    rank order.
    """
    _check_variant(variant)
    corpus = _corpus(path)
    words = corpus[f"{variant}_words"].tolist()
    order = corpus["keras_json_order"] if variant == "keras" else range(len(words))
    return {words[i]: int(i) + 1 for i in order}


def get_label_names() -> tuple[str, ...]:
    """The 46 topic names; label ``i`` of ``load_data`` is ``get_label_names()[i]``."""
    return LABEL_NAMES


def borrowed_mask(path=None, maxlen=None, test_split=0.2, seed=113, start_char=1):
    """Which wires of ``load_data(variant='keras')`` carry another wire's text.

    Returns boolean arrays ``(train_mask, test_mask)`` aligned with ``x_train``
    and ``x_test``: True where the wire had no body of its own and got the next
    wire's body (975 wires; 207 of the 2,246 test wires with the defaults).
    Pass the ``maxlen``, ``test_split``, ``seed`` and ``start_char`` given to
    ``load_data``; its other arguments do not change which wire lands where.
    """
    corpus = _corpus(path)
    docs = _keras_order(np.diff(corpus["keras_offsets"]), seed, maxlen, start_char)
    mask = corpus["borrowed"][docs]
    n_train = int(len(docs) * (1 - test_split))
    return mask[:n_train], mask[n_train:]


def text_to_word_sequence(text: str) -> list[str]:
    """Keras's ``text_to_word_sequence`` with its defaults: lowercase, turn each
    character of ``FILTERS`` into a space, split on spaces (apostrophes stay)."""
    return [word for word in text.lower().translate(_FILTER_TABLE).split(" ") if word]


# ---------------------------------------------------------- Keras's shuffle and split

def _keras_order(lengths: np.ndarray, seed, maxlen, start_char) -> np.ndarray:
    """The wires (indices into the corpus) in the order Keras's load_data returns them.

    ``lengths``: the number of words of each wire. Keras shuffles ``arange(n)``
    in place with ``RandomState(seed)``, then keeps the sequences shorter than
    ``maxlen`` (counting ``start_char``).
    """
    docs = np.arange(len(lengths))
    np.random.RandomState(seed).shuffle(docs)
    if maxlen:
        docs = docs[lengths[docs] + (start_char is not None) < maxlen]
    return docs


def _object_array(lists: list[list[int]]) -> np.ndarray:
    """A 1-D object array of lists (``np.array`` would make a 2-D array of equal lengths)."""
    out = np.empty(len(lists), dtype=object)
    for i, seq in enumerate(lists):
        out[i] = seq
    return out


def _check_variant(variant: str) -> None:
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")


# --------------------------------------------------------------- files and the cache

def _folder(path) -> Path:
    """The folder holding the SGML files: ``path``, else ``reuters/reuters21578/`` in
    the data home."""
    if path is not None:
        return Path(path)
    folder = locate("reuters", "reuters21578")
    if (folder / "reut2-000.sgm").is_file() or (folder / "reut2-000.sgm.gz").is_file():
        return folder
    raise FileNotFoundError(f"Reuters-21578 not found (looked in {folder}). "
                            + _HINT.format(home=folder))


def _sgml_files(folder: Path) -> list[Path]:
    """The 22 files in ``folder``, each ``.sgm`` or else ``.sgm.gz``."""
    files = []
    for name in FILES:
        plain, gz = folder / name, folder / f"{name}.gz"
        if not (plain.is_file() or gz.is_file()):
            raise FileNotFoundError(
                f"{plain} (or {gz.name}) is missing. "
                + _HINT.format(home=locate("reuters", "reuters21578")))
        files.append(plain if plain.is_file() else gz)
    return files


def _corpus(path) -> dict[str, np.ndarray]:
    """The parsed corpus, from the cache when it matches the files' SHA-256, else built.

    The arrays, one entry per kept wire in file order unless said otherwise:
    ``labels`` (int64), ``newids`` (NEWID), ``borrowed`` (bool); for each
    variant V: ``V_ids`` (all texts' word ranks, one text after the other),
    ``V_offsets`` (text i is ``V_ids[V_offsets[i]:V_offsets[i+1]]``),
    ``V_words`` (the words by rank: rank r is ``V_words[r - 1]``); and
    ``keras_json_order`` (the order of ``reuters_word_index.json``'s keys, as
    indices into ``keras_words``).
    """
    files = _sgml_files(_folder(path))
    key = hashlib.sha256("".join(f"{p.name} {sha256(p)}\n" for p in files).encode()).hexdigest()
    cache = cache_dir("datasets") / f"reuters21578-v{_CACHE_FORMAT}-{key[:16]}.npz"
    try:
        with np.load(cache, allow_pickle=False) as npz:
            corpus = {name: npz[name] for name in npz.files}
        if corpus_sha256(corpus) == CORPUS_SHA256:
            return corpus
    except (OSError, ValueError, zipfile.BadZipFile):  # not cached yet, or a damaged cache
        pass
    corpus = _build(files)  # from the pinned SGML files, which give the pinned corpus
    digest = corpus_sha256(corpus)
    if digest != CORPUS_SHA256:
        raise ChecksumError(f"the corpus parsed from {files[0].parent} has SHA-256 {digest}, "
                            f"expected {CORPUS_SHA256}; please report this as a bug")
    with atomic_write(cache) as f:
        np.savez(f, **corpus)
    return corpus


def corpus_sha256(corpus: dict[str, np.ndarray]) -> str:
    """SHA-256 of the corpus arrays: each name, dtype, shape and little-endian bytes, in
    name order (what a cache must hold to be used: an edited label is not)."""
    digest = hashlib.sha256()
    for name in sorted(corpus):
        array = np.ascontiguousarray(corpus[name])
        array = array.astype(array.dtype.newbyteorder("<"), copy=False)
        digest.update(f"{name} {array.dtype.str} {array.shape}\n".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


# ------------------------------------------------------------------------- parsing

class _Wire(NamedTuple):
    newid: int
    topic: str          # the first topic listed
    keras_text: str     # what the 2015 script took as the wire's text
    clean_text: str     # the wire's own title and body, entities decoded
    borrowed: bool      # True when keras_text is not the wire's own


def _read_file(path: Path, name: str, n_wires: int) -> list[_Wire]:
    """The wires of one SGML file that have at least one topic.

    Raises ChecksumError for a damaged gzip stream or SGML that is not the
    original's, ValueError when the file does not hold ``n_wires`` wires.
    """
    raw = read_bounded(path, _MAX_SGML_BYTES)
    blocks = _WIRE.findall(raw.decode("latin-1"))
    if len(blocks) != n_wires:
        raise ValueError(f"{path}: holds {len(blocks)} wires, {name} of Reuters-21578 "
                         f"has {n_wires}; the file is truncated or damaged")
    digest = hashlib.sha256(raw).hexdigest()
    if digest != FILES[name]:
        raise ChecksumError(f"{path}: SHA-256 of the SGML is {digest}, expected {FILES[name]}; "
                            "the file is damaged or not Reuters-21578 Distribution 1.0")
    wires, next_body = [], None  # next_body: the body of the nearest later wire that has one
    for newid, block in reversed(blocks):
        # The 2015 script took the text from a tag up to the next "</": after
        # <TOPICS> that is "<D>first-topic" (empty for a wire with no topic).
        topics, title, body = (_up_to_close(block, tag) for tag in ("TOPICS", "TITLE", "BODY"))
        if topics:
            own = [title, body] if body is not None else [title or _unproc_text(block)]
            keras_text = body if body is not None else next_body
            if keras_text is None:
                # No later <BODY> in the file: s.find("<BODY>") returned -1 and the
                # script took s[-1 + 6:], i.e. from 5 characters after <TOPICS>
                # ("<D>earn" -> "rn") up to the next "</".
                keras_text = topics[5:]
            clean_text = html.unescape("\n".join(t for t in own if t)).translate(_CONTROL_TABLE)
            wires.append(_Wire(int(newid), topics.replace("<D>", ""), keras_text, clean_text,
                               body is None))
        if body is not None:
            next_body = body
    return wires[::-1]


def _up_to_close(block: str, tag: str) -> str | None:
    """The text after ``<tag>`` up to the next ``</``, or None without ``<tag>``."""
    start = block.find(f"<{tag}>")
    if start == -1:
        return None
    start += len(tag) + 2
    return block[start:block.find("</", start)]


def _unproc_text(block: str) -> str:
    """The whole text of a wire of type UNPROC (it has no TITLE nor BODY)."""
    match = _UNPROC.search(block)
    return match.group(1) if match else ""


def _build(files: list[Path]) -> dict[str, np.ndarray]:
    """Parse the 22 files into the cached arrays (see ``_corpus``); a bar in a terminal
    shows the parse (once: later loads read the cache)."""
    parts = tqdm(list(zip(files, FILES, WIRES_PER_FILE)), desc="parsing Reuters-21578",
                 unit="file", disable=None, leave=False)  # disable=None: terminals only
    wires = [wire for path, name, n in parts for wire in _read_file(path, name, n)]
    counts: dict[str, int] = {}
    for wire in wires:
        counts[wire.topic] = counts.get(wire.topic, 0) + 1
    wires = [wire for wire in wires if counts[wire.topic] >= MIN_WIRES_PER_TOPIC]
    topics = list(dict.fromkeys(wire.topic for wire in wires))  # order of first appearance
    label = {topic: i for i, topic in enumerate(topics)}
    corpus = {
        "labels": np.array([label[wire.topic] for wire in wires], dtype=np.int64),
        "newids": np.array([wire.newid for wire in wires], dtype=np.int32),
        "borrowed": np.array([wire.borrowed for wire in wires], dtype=bool),
    }
    for variant in VARIANTS:
        texts = [text_to_word_sequence(getattr(wire, f"{variant}_text")) for wire in wires]
        words, ids, offsets = _index_words(texts, py27_ties=variant == "keras")
        corpus.update({f"{variant}_words": np.array(words), f"{variant}_ids": ids,
                       f"{variant}_offsets": offsets})
    # Keras's JSON lists its keys as a Python 2.7 dict filled in rank order, then
    # refilled in its own listing order, would (presumably the word index was
    # pickled in 2015 and loaded back before being written as JSON): this
    # reproduces the file's first keys as Keras prints them.
    rank_of = {word: i for i, word in enumerate(corpus["keras_words"].tolist())}
    json_order = _py27_dict_order(_py27_dict_order(rank_of))
    corpus["keras_json_order"] = np.array([rank_of[w] for w in json_order], dtype=np.int32)
    return corpus


def _index_words(texts: list[list[str]], py27_ties: bool):
    """Rank the words by count and encode the texts.

    Returns (words by rank, all ranks as one int32 array, offsets). Ties keep the
    order of a Python 2.7 dict (``py27_ties``) or of first appearance.
    """
    counts: dict[str, int] = {}
    for text in texts:
        for word in text:
            counts[word] = counts.get(word, 0) + 1
    listed = _py27_dict_order(counts) if py27_ties else list(counts)
    words = sorted(listed, key=counts.__getitem__, reverse=True)  # stable: ties keep order
    rank = {word: r for r, word in enumerate(words, start=1)}
    ids = np.fromiter((rank[w] for text in texts for w in text), dtype=np.int32)
    offsets = np.cumsum([0] + [len(text) for text in texts], dtype=np.int64)
    return words, ids, offsets


# ------------------------------------------------------- a Python 2.7 dict, replayed
#
# A CPython 2.7 dict is a table of 2**k slots; iterating it lists the keys slot
# by slot, so ties in the word counts came out in slot order. A key's slot:
#   * its hash h: CPython 2.7's string hash, computed below on 64 bits (C long)
#     without hash randomization (off by default in Python 2.7);
#   * first try slot i = h & mask (mask = size - 1); while a slot is taken, move
#     to i = 5*i + perturb + 1 (mod 2**64), perturb starting at h and shifted
#     right by 5 bits after each step (``lookdict`` in Objects/dictobject.c);
#   * the table starts with 8 slots; when an insertion leaves it 2/3 full it is
#     rebuilt with the smallest power of 2 above 4 * used (2 * used beyond
#     50,000 keys), reinserting the old keys in slot order.
# Here keys are only inserted, never deleted, as when words are counted.

_MASK64 = (1 << 64) - 1


def _py27_hash(word: str) -> int:
    """CPython 2.7's hash of a byte string (latin-1 characters), as an unsigned 64-bit int."""
    if not word:
        return 0
    x = ord(word[0]) << 7
    for ch in word:
        x = ((1000003 * x) & _MASK64) ^ ord(ch)
    x ^= len(word)
    return _MASK64 - 1 if x == _MASK64 else x  # -1 means "error" in C: -2 is used instead


def _py27_dict_order(keys) -> list[str]:
    """The iteration order of a CPython 2.7 dict after inserting distinct ``keys`` in order."""
    table: list[tuple[int, str] | None] = [None] * 8
    used = 0
    for key in keys:
        _py27_insert(table, _py27_hash(key), key)
        used += 1
        if 3 * used >= 2 * len(table):
            size = 8
            while size <= (2 if used > 50000 else 4) * used:
                size *= 2
            old, table = table, [None] * size
            for entry in old:
                if entry is not None:
                    _py27_insert(table, *entry)
    return [entry[1] for entry in table if entry is not None]


def _py27_insert(table: list, h: int, key: str) -> None:
    """Put ``key`` (hash ``h``) in the first free slot of its probe sequence."""
    mask = len(table) - 1
    i, perturb = h & mask, h
    while table[i & mask] is not None:
        i = (5 * i + perturb + 1) & _MASK64
        perturb >>= 5
    table[i & mask] = (h, key)
