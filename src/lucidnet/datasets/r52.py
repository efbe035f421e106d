"""R52: 9100 Reuters newswires in 52 topics (Cardoso-Cachopo's single-label split).

R8's layout and conventions (see ``lucidnet.datasets.r8``) over the files
``r52-train-all-terms.txt`` and ``r52-test-all-terms.txt``. The classes are very
imbalanced: earn is 43 % of the training split, and 7 topics have 3 or fewer
training documents.
"""

from __future__ import annotations

from lucidnet.datasets import _r8_r52


def load_data(path=None, num_words=None, skip_top=0, maxlen=None,
              start_char=1, oov_char=2, index_from=3):
    """Load R52 as ``(x_train, y_train), (x_test, y_test)``: 6532 and 2568 documents.

    Same arguments and layout as ``lucidnet.datasets.r8.load_data``; labels are
    indices into ``get_label_names()``.
    """
    return _r8_r52.load_data("r52", path, num_words, skip_top, maxlen,
                              start_char, oov_char, index_from)


def get_word_index(path=None) -> dict[str, int]:
    """Word -> rank by frequency in R52's training split (1 = most frequent; ties
    in order of first appearance). Add ``index_from`` to get the index in ``x``."""
    return _r8_r52.get_word_index("r52", path)


def get_label_names() -> tuple[str, ...]:
    """The 52 topics in label order (sorted): ``('acq', 'alum', 'bop', …)``."""
    return _r8_r52.LABEL_NAMES["r52"]
