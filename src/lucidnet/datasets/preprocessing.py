"""Turning word-index sequences and class labels into arrays a network takes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _hot_positions(sequences: Sequence[Sequence[int]], dimension: int):
    """Row and column of every word of every sequence, as two flat index arrays.

    Sequence i of length L_i contributes L_i entries with row i: the rows are
    ``repeat(arange(N), L)``, the columns the concatenated sequences.
    """
    lengths = np.array([len(seq) for seq in sequences], dtype=np.intp)
    rows = np.repeat(np.arange(len(sequences)), lengths)
    cols = np.concatenate([np.zeros(0, np.intp), *sequences]).astype(np.intp)
    if cols.size and (cols.min() < 0 or cols.max() >= dimension):
        bad = cols[(cols < 0) | (cols >= dimension)][0]
        raise ValueError(f"word index {bad} is outside 0..{dimension - 1}; raise dimension=")
    return rows, cols


def vectorize_sequences(sequences: Sequence[Sequence[int]], dimension: int = 10000,
                        dtype="float32") -> np.ndarray:
    """Multi-hot encode word-index sequences: an (N, dimension) array of 0 and 1.

    ``out[i, j] = 1`` when word j occurs in sequence i, however often, else 0;
    the order of the words is lost. The course's loop ``results[i, seq] = 1``,
    done in one scatter over all words at once.
    """
    rows, cols = _hot_positions(sequences, dimension)
    out = np.zeros((len(sequences), dimension), dtype=dtype)
    out[rows, cols] = 1
    return out


def vectorize_sequences_sparse(sequences: Sequence[Sequence[int]], dimension: int = 10000,
                               dtype="float32"):
    """``vectorize_sequences`` as a ``scipy.sparse.csr_matrix``: it stores only the
    ones, about 1 % of a 10,000-word multi-hot matrix."""
    import scipy.sparse  # imported here: it takes longer to import than numpy

    rows, cols = _hot_positions(sequences, dimension)
    data = np.ones(len(cols), dtype=dtype)
    out = scipy.sparse.csr_matrix((data, (rows, cols)), shape=(len(sequences), dimension))
    out.data[:] = 1  # a word repeated in a sequence was summed; multi-hot keeps 1
    return out


def to_categorical(y, num_classes: int | None = None, dtype="float32") -> np.ndarray:
    """One-hot encode integer class labels, like ``keras.utils.to_categorical``.

    Shape: (*) -> (*, C) with C = ``num_classes``, else ``max(y) + 1``; a trailing
    axis of size 1 is dropped first, so (N, 1) -> (N, C). Raises ValueError for
    negative, non-integer or too large labels (Keras silently maps -1 to the last
    class and fails on a too large one with numpy's IndexError).
    """
    y = np.asarray(y)
    labels = y.astype(np.int64)
    if not np.array_equal(labels, y):
        raise ValueError("to_categorical: labels must be integers")
    shape = labels.shape[:-1] if labels.ndim > 1 and labels.shape[-1] == 1 else labels.shape
    labels = labels.reshape(-1)
    if labels.size and labels.min() < 0:
        raise ValueError(f"to_categorical: labels must be >= 0, got {labels.min()}")
    if not num_classes:
        num_classes = int(labels.max()) + 1
    elif labels.size and labels.max() >= num_classes:
        raise ValueError(f"to_categorical: label {labels.max()} >= num_classes={num_classes}")
    out = np.zeros((labels.size, num_classes), dtype=dtype)
    out[np.arange(labels.size), labels] = 1
    return out.reshape(shape + (num_classes,))
