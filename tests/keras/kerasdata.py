"""Synthetic data shaped like the course's datasets, shared by the Keras facade tests."""

import numpy as np

from lucidnet.datasets import vectorize_sequences


def reuters_like(n, num_words=1000, classes=46, seed=0):
    """Newswires as word-index sequences with a topic (class) each, as
    ``keras.datasets.reuters.load_data`` gives them: every topic owns 10 words of
    the vocabulary, a wire holds 6 of its topic's words among ~30 random ones.
    Returns (sequences, labels)."""
    rng = np.random.default_rng(seed)
    topics = rng.permutation(num_words)[: classes * 10].reshape(classes, 10)
    labels = rng.integers(0, classes, n)
    sequences = [
        np.concatenate([rng.choice(topics[k], 6, replace=False), rng.integers(0, num_words, 30)])
        for k in labels
    ]
    return sequences, labels


def reuters_arrays(n, num_words=1000, seed=0):
    """(x multi-hot (n, num_words) float32, one-hot y (n, 46), integer labels (n,))."""
    from lucidnet.datasets import to_categorical

    sequences, labels = reuters_like(n, num_words, seed=seed)
    return vectorize_sequences(sequences, num_words), to_categorical(labels, 46), labels


def blobs(n=200, d=8, classes=3, seed=0):
    """Well separated Gaussian blobs: (x float64 (n, d), integer labels (n,))."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, n)
    centres = rng.standard_normal((classes, d)) * 4
    return centres[labels] + rng.standard_normal((n, d)), labels
