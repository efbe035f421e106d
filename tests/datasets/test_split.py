"""lucidnet's train_test_split gives scikit-learn's split, index for index."""

import numpy as np
import pytest
from sklearn.model_selection import train_test_split as sklearn_split

from lucidnet.datasets import embedded, train_test_split

CLASSIFICATION = ["digits", "breast_cancer", "wine", "iris"]


@pytest.mark.parametrize("name", CLASSIFICATION + ["diabetes", "linnerud"])
@pytest.mark.parametrize("seed", [0, 1, 42])
def test_same_split_as_sklearn_on_the_embedded_sets(name, seed):
    x, y, _ = getattr(embedded, name)()
    stratify = y if name in CLASSIFICATION else None
    ours = train_test_split(x, y, test_size=0.2, random_state=seed, stratify=stratify)
    theirs = sklearn_split(x, y, test_size=0.2, random_state=seed, stratify=stratify)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("seed", range(20))
def test_same_split_as_sklearn_when_class_shares_tie(seed):
    """Equal fractional shares are settled by random draws: the draws must match."""
    y = np.repeat(np.arange(5), [10, 10, 10, 7, 3])
    rows = np.arange(len(y))
    for test_size in (0.25, 0.3, 0.5):
        ours = train_test_split(rows, test_size=test_size, random_state=seed, stratify=y)
        theirs = sklearn_split(rows, test_size=test_size, random_state=seed, stratify=y)
        for a, b in zip(ours, theirs, strict=True):
            np.testing.assert_array_equal(a, b)


def test_stratified_split_refuses_what_sklearn_refuses():
    with pytest.raises(ValueError, match="class 2 has a single sample"):
        train_test_split(np.arange(5), stratify=[0, 0, 1, 1, 2])
    with pytest.raises(ValueError, match="2 test rows cannot hold all 3 classes"):
        train_test_split(np.arange(9), stratify=[0, 0, 0, 1, 1, 1, 2, 2, 2])
