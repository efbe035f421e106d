"""vectorize_sequences (dense and sparse) and to_categorical."""

import numpy as np
import pytest
import scipy.sparse
from hypothesis import given
from hypothesis import strategies as st

from lucidnet.datasets import to_categorical, vectorize_sequences, vectorize_sequences_sparse


def naive_vectorize(sequences, dimension):
    """The course's function: one Python loop over the sequences."""
    results = np.zeros((len(sequences), dimension))
    for i, sequence in enumerate(sequences):
        results[i, sequence] = 1.0
    return results


sequences = st.lists(st.lists(st.integers(0, 49), max_size=30), max_size=20)


@given(sequences)
def test_vectorize_equals_the_course_loop(seqs):
    out = vectorize_sequences(seqs, dimension=50)
    assert out.dtype == np.float32 and out.shape == (len(seqs), 50)
    np.testing.assert_array_equal(out, naive_vectorize(seqs, 50))


@given(sequences)
def test_sparse_equals_dense(seqs):
    sparse = vectorize_sequences_sparse(seqs, dimension=50)
    assert isinstance(sparse, scipy.sparse.csr_matrix) and sparse.dtype == np.float32
    assert sparse.has_canonical_format and np.all(sparse.data == 1)
    np.testing.assert_array_equal(sparse.toarray(), vectorize_sequences(seqs, dimension=50))


def test_random_word_sequences_like_load_data():
    rng = np.random.default_rng(0)
    seqs = np.empty(300, dtype=object)  # load_data's layout: an object array of lists
    for i in range(len(seqs)):
        seqs[i] = rng.integers(0, 1000, rng.integers(0, 200)).tolist()
    dense = vectorize_sequences(seqs, dimension=1000, dtype="float64")
    assert dense.dtype == np.float64
    np.testing.assert_array_equal(dense, naive_vectorize(seqs, 1000))
    np.testing.assert_array_equal(vectorize_sequences_sparse(seqs, 1000).toarray(), dense)


@pytest.mark.parametrize("vectorize", [vectorize_sequences, vectorize_sequences_sparse])
def test_vectorize_refuses_indices_outside_the_dimension(vectorize):
    with pytest.raises(ValueError, match="word index 10 is outside 0..9"):
        vectorize([[1, 2], [10]], dimension=10)
    with pytest.raises(ValueError, match="word index -1"):
        vectorize([[-1]], dimension=10)


def keras_to_categorical(x, num_classes=None):
    """Keras 3's algorithm (keras/src/utils/numerical_utils.py), as the oracle."""
    x = np.array(x, dtype="int64")
    input_shape = x.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    x = x.reshape(-1)
    if not num_classes:
        num_classes = np.max(x) + 1
    categorical = np.zeros((x.shape[0], num_classes))
    categorical[np.arange(x.shape[0]), x] = 1
    return np.reshape(categorical, input_shape + (num_classes,))


@pytest.mark.parametrize("y, num_classes", [
    ([0, 1, 2, 3], None),
    ([0, 1, 2, 3], 6),
    ([[1], [0], [2]], None),           # (N, 1) -> (N, C)
    ([[1, 0], [2, 2]], 4),             # (N, 2) -> (N, 2, C)
    (np.array([2.0, 0.0]), None),      # integral floats are labels
    (3, 5),                            # a scalar -> (C,)
    ([1, 1], 0),                       # num_classes=0 means "infer", as in Keras
])
def test_to_categorical_matches_keras(y, num_classes):
    out = to_categorical(y, num_classes)
    want = keras_to_categorical(y, num_classes)
    assert out.dtype == np.float32 and out.shape == want.shape
    np.testing.assert_array_equal(out, want)


def test_to_categorical_dtype():
    assert to_categorical([0, 1], dtype="int8").dtype == np.int8


@pytest.mark.parametrize("y, num_classes, message", [
    ([0, -1, 2], None, "labels must be >= 0, got -1"),
    ([-1], 3, "labels must be >= 0"),
    ([0, 3], 3, "label 3 >= num_classes=3"),
    ([0.5, 1], None, "labels must be integers"),
])
def test_to_categorical_refuses_bad_labels(y, num_classes, message):
    with pytest.raises(ValueError, match=message):
        to_categorical(y, num_classes)
