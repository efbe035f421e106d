"""``train_test_split``: scikit-learn's split, index for index, without importing it.

Importing scikit-learn takes over a second; ``lucidnet train digits`` should
start at once. This module draws the same random numbers in the same order as
``sklearn.model_selection.train_test_split(..., shuffle=True)`` (its
``ShuffleSplit`` and ``StratifiedShuffleSplit``), so a seed gives the same split
in both; the tests check that against scikit-learn.
"""

from __future__ import annotations

import math

import numpy as np


def train_test_split(*arrays, test_size: float = 0.2, random_state: int = 0, stratify=None):
    """Shuffle and split ``arrays`` (same length N) into train and test parts.

    Returns ``[a_train, a_test, b_train, b_test, ...]``. The test part holds
    ceil(test_size · N) rows. With ``stratify`` (class labels) each class keeps
    about its share of the rows in both parts.
    """
    n = len(arrays[0])
    n_test = math.ceil(test_size * n)
    n_train = n - n_test
    rng = np.random.RandomState(random_state)
    if stratify is None:
        order = rng.permutation(n)
        train, test = order[n_test:], order[:n_test]
    else:
        train, test = _stratified(np.asarray(stratify), n_train, n_test, rng)
    return [part for a in arrays for part in (a[train], a[test])]


def _stratified(y: np.ndarray, n_train: int, n_test: int, rng: np.random.RandomState):
    """Train and test indices with the class proportions of ``y`` in each."""
    classes, y_index, counts = np.unique(y, return_inverse=True, return_counts=True)
    if counts.min() < 2:
        raise ValueError(f"stratify: class {classes[counts.argmin()]} has a single sample")
    if min(n_train, n_test) < len(classes):
        raise ValueError(f"stratify: {n_train} train and {n_test} test rows cannot hold "
                         f"all {len(classes)} classes")
    by_class = np.split(np.argsort(y_index, kind="stable"), np.cumsum(counts)[:-1])
    train_counts = _apportion(counts, n_train, rng)
    test_counts = _apportion(counts - train_counts, n_test, rng)
    train, test = [], []
    for rows, n_tr, n_te in zip(by_class, train_counts, test_counts):
        rows = rows[rng.permutation(len(rows))]
        train.extend(rows[:n_tr])
        test.extend(rows[n_tr:n_tr + n_te])
    return rng.permutation(train), rng.permutation(test)


def _apportion(counts: np.ndarray, n_draws: int, rng: np.random.RandomState) -> np.ndarray:
    """How many of ``n_draws`` rows to take from each class: its share
    ``counts / counts.sum() · n_draws`` rounded down, then one more for the classes
    with the largest fractional parts (ties drawn at random) until the total is
    ``n_draws``. scikit-learn calls this ``_approximate_mode``."""
    share = counts / counts.sum() * n_draws
    taken = np.floor(share)
    missing = int(n_draws - taken.sum())
    fraction = share - taken
    for value in np.unique(fraction)[::-1]:
        if missing == 0:
            break
        (candidates,) = np.nonzero(fraction == value)
        chosen = rng.choice(candidates, size=min(len(candidates), missing), replace=False)
        taken[chosen] += 1
        missing -= len(chosen)
    return taken.astype(int)
