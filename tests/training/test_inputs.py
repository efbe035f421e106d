"""What fit, evaluate and predict refuse: NaN and ∞ in x, y or sample_weight, negative
sample weights, epochs < 1, one-hot targets that are not distributions, class_weight
for a class that is not there."""

import warnings

import numpy as np
import pytest
import scipy.sparse
from trainkit import blobs, mlp, trainer_for

import lucidnet.functional as F
from lucidnet import tensor
from lucidnet.errors import LabelError


def _data():
    x, y = blobs(40)
    return x.astype(np.float64), y


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 1e39])  # 1e39 overflows float32
@pytest.mark.parametrize("where", ["x", "y", "sample_weight", "validation x"])
def test_nan_and_infinity_are_refused_before_training(bad, where):
    x, y = _data()
    weights = np.ones(len(x))
    trainer = trainer_for(mlp([x.shape[1], 8, 3]), loss="mse")
    before = [p.data.copy() for p in trainer.model.parameters()]
    yf = np.eye(3)[y]
    kwargs = {"x": x.copy(), "y": yf.copy(), "sample_weight": weights}
    target = {"validation x": "x"}.get(where, where)
    if where == "validation x":
        vx = x.copy()
        vx[7, 1] = bad
        kwargs["validation_data"] = (vx, yf)
    else:
        kwargs[target] = kwargs[target].copy()
        kwargs[target].reshape(len(x), -1)[7, 0] = bad
    with pytest.raises(ValueError, match=rf"{target} holds 1 NaN or infinite value, the "
                                         r"first in sample 7 \((nan|-?inf)\)"):
        trainer.fit(**kwargs, epochs=1, verbose=0)
    assert all((p.data == b).all() for p, b in zip(trainer.model.parameters(), before))


def test_finite_values_whose_sum_overflows_are_accepted_quietly():
    """The check sums first (no (N, D) mask while all is well); a finite sum that
    overflows must not be taken for an infinite value, nor warn."""
    x, _ = _data()
    big = np.full(x.shape, 3e38, np.float32)  # finite, and their float32 sum is ∞
    trainer = trainer_for(mlp([x.shape[1], 8, 3]), loss="mse")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert trainer.predict(big, verbose=0).shape == (len(x), 3)


def test_predict_and_evaluate_refuse_nan_rows_and_sparse_nan():
    x, y = _data()
    trainer = trainer_for(mlp([x.shape[1], 8, 3]), loss="mse")
    x[3] = np.nan
    with pytest.raises(ValueError, match="x holds 4 NaN .* sample 3"):
        trainer.predict(x, verbose=0)
    with pytest.raises(ValueError, match="x holds 4 NaN"):
        trainer.evaluate(x, np.eye(3)[y], verbose=0)
    sparse = scipy.sparse.csr_matrix(np.where(np.isnan(x), np.inf, 0.0))
    with pytest.raises(ValueError, match="x holds 4 NaN or infinite values; "):
        trainer.predict(sparse, verbose=0)


def test_negative_sample_weights_are_refused():
    x, y = _data()
    weights = np.ones(len(x))
    weights[5] = -1
    with pytest.raises(ValueError, match="sample_weight must be ≥ 0.*minimum of -1"):
        trainer_for(mlp([x.shape[1], 8, 3]), loss="mse").fit(x, np.eye(3)[y], sample_weight=weights, verbose=0)


@pytest.mark.parametrize("epochs", [0, -1, 2.5, True, "3"])
def test_epochs_must_be_a_positive_integer(epochs):
    x, y = _data()
    with pytest.raises(ValueError, match=r"epochs must be an integer ≥ 1, got"):
        trainer_for(mlp([x.shape[1], 8, 3]), loss="mse").fit(x, np.eye(3)[y], epochs=epochs, verbose=0)


def test_initial_epoch_must_not_be_negative():
    x, y = _data()
    with pytest.raises(ValueError, match=r"initial_epoch must be an integer ≥ 0, got -1"):
        trainer_for(mlp([x.shape[1], 8, 3]), loss="mse").fit(x, np.eye(3)[y], initial_epoch=-1, verbose=0)


@pytest.mark.parametrize("rows, message", [
    ([[1.0, 0.0], [-0.5, 1.5]], r"must lie in \[0, 1\], got values in \[-0.5, 1.5\]"),
    ([[1.0, 0.0], [1.0, 1.0]], r"each row of y_true must sum to 1 .* sums in \[1, 2\]"),
    ([[0.2, 0.3], [0.0, 1.0]], r"sums in \[0.5, 1\]"),
])
def test_categorical_targets_must_be_distributions(rows, message):
    logits = tensor([[0.1, 0.2], [0.3, -0.1]])
    for from_logits in (True, False):
        pred = logits if from_logits else F.softmax(logits)
        with pytest.raises(LabelError, match=message):
            F.categorical_crossentropy(rows, pred, from_logits=from_logits)
    # smoothed and soft labels are distributions
    F.categorical_crossentropy([[0.5, 0.5], [0.0, 1.0]], logits, from_logits=True,
                               label_smoothing=0.1)


def test_class_weight_for_an_absent_class_warns_and_for_a_missing_column_fails():
    x, y = _data()
    y = np.where(y == 2, 1, y)  # classes 0 and 1 only, 3 output units
    trainer = trainer_for(mlp([x.shape[1], 8, 3]), loss="mse")
    with pytest.warns(UserWarning, match=r"class_weight names classes \[2\] that no target"):
        trainer.fit(x, np.eye(3)[y], class_weight={0: 1.0, 2: 3.0}, verbose=0)
    with pytest.raises(LabelError, match=r"class_weight names classes \[5\], but the one-hot "
                                         r"targets have 3 classes"):
        trainer.fit(x, np.eye(3)[y], class_weight={5: 1.0}, verbose=0)
    with pytest.raises(ValueError, match=r"class_weight\[1\] must be a finite number ≥ 0"):
        trainer.fit(x, np.eye(3)[y], class_weight={1: float("nan")}, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trainer.fit(x, np.eye(3)[y], class_weight={0: 1.0, 1: 2.0}, verbose=0)
