"""R8: 7674 Reuters newswires in 8 topics (Cardoso-Cachopo's single-label split).

Keras's reuters layout: word-index sequences and integer labels. The two files
``r8-train-all-terms.txt`` and ``r8-test-all-terms.txt`` are looked for in
``path``, else in ``reuters/`` of the data home (:mod:`lucidnet.datasets.home`);
each is checked against its pinned SHA-256. See ``lucidnet.datasets._r8_r52`` for the
format and the source.
"""

from __future__ import annotations

from lucidnet.datasets import _r8_r52


def load_data(path=None, num_words=None, skip_top=0, maxlen=None,
              start_char=1, oov_char=2, index_from=3):
    """Load R8 as ``(x_train, y_train), (x_test, y_test)``: 5485 and 2189 documents.

    ``x``: object arrays of lists of word indices; word of rank r (1 = most
    frequent in the training split, see ``get_word_index``) is stored as
    r + ``index_from``, each sequence starts with ``start_char``, and 0 is left for
    padding. ``y``: int64 labels, indices into ``get_label_names()``. The fixed
    ModApté split is kept, in file order (nothing is shuffled).

    num_words: keep the indices below ``num_words`` (the num_words − index_from
        most frequent words); the others become ``oov_char``. None keeps all.
    skip_top: indices below ``skip_top`` also become ``oov_char``. As in Keras,
        the comparison is on the stored index, ``start_char`` included.
    maxlen: drop the documents whose sequence (with ``start_char``) has
        ``maxlen`` or more entries, as Keras does.
    oov_char: None drops the out-of-vocabulary words instead.
    Words of a test document that never occur in the training split are skipped.
    """
    return _r8_r52.load_data("r8", path, num_words, skip_top, maxlen,
                              start_char, oov_char, index_from)


def get_word_index(path=None) -> dict[str, int]:
    """Word -> rank by frequency in R8's training split (1 = most frequent; ties in
    order of first appearance). Add ``index_from`` to get the index in ``x``."""
    return _r8_r52.get_word_index("r8", path)


def get_label_names() -> tuple[str, ...]:
    """The 8 topics in label order (sorted): ``('acq', 'crude', 'earn', …)``."""
    return _r8_r52.LABEL_NAMES["r8"]
