"""Metrics against scikit-learn (accumulated over uneven batches, with sample weights),
and the resolution of 'accuracy'."""

import numpy as np
import pytest
from sklearn import metrics as skm

from lucidnet.training import METRICS, Precision, metrics
from lucidnet.training.metrics import AutoAccuracy, resolve_accuracy

N, C = 97, 4
CUTS = [0, 10, 41, 42, 97]  # uneven batches, one of a single sample


def _accumulate(metric, y_true, y_pred, w=None):
    metric.reset_state()
    for a, b in zip(CUTS[:-1], CUTS[1:]):
        metric.update_state(y_true[a:b], y_pred[a:b], None if w is None else w[a:b])
    return metric.result()


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _weights(rng, weighted):
    return rng.uniform(0.1, 3.0, N).astype(np.float32) if weighted else None


@pytest.mark.parametrize("weighted", [False, True])
def test_binary_accuracy(rng, weighted):
    y = rng.integers(0, 2, N)
    p = rng.uniform(0, 1, (N, 1)).astype(np.float32)
    w = _weights(rng, weighted)
    ours = _accumulate(METRICS.get("binary_accuracy"), y, p, w)
    assert ours == pytest.approx(skm.accuracy_score(y, p[:, 0] > 0.5, sample_weight=w), rel=1e-6)


@pytest.mark.parametrize("weighted", [False, True])
def test_categorical_and_sparse_accuracy(rng, weighted):
    y = rng.integers(0, C, N)
    p = rng.standard_normal((N, C)).astype(np.float32)
    w = _weights(rng, weighted)
    expected = skm.accuracy_score(y, p.argmax(1), sample_weight=w)
    for name, targets in (("categorical_accuracy", np.eye(C)[y]),
                          ("sparse_categorical_accuracy", y),
                          ("sparse_categorical_accuracy", y[:, None])):
        assert _accumulate(METRICS.get(name), targets, p, w) == pytest.approx(expected)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_top_k_accuracy(rng, k):
    y = rng.integers(0, C, N)
    p = rng.standard_normal((N, C))
    expected = skm.top_k_accuracy_score(y, p, k=k, labels=range(C))
    top = metrics.TopKCategoricalAccuracy(k=k)
    assert _accumulate(top, np.eye(C)[y], p) == pytest.approx(expected)
    assert _accumulate(metrics.SparseTopKCategoricalAccuracy(k=k), y, p) == pytest.approx(expected)
    assert METRICS.get("top_k_categorical_accuracy").kwargs["k"] == 5  # Keras's default


@pytest.mark.parametrize("name, sk", [("precision", skm.precision_score),
                                      ("recall", skm.recall_score), ("f1_score", skm.f1_score)])
@pytest.mark.parametrize("weighted", [False, True])
def test_precision_recall_f1_binary_and_macro(rng, name, sk, weighted):
    w = _weights(rng, weighted)
    y2 = rng.integers(0, 2, N)
    p2 = rng.uniform(0, 1, (N, 1))
    binary = METRICS.get(name)
    assert _accumulate(binary, y2, p2, w) == pytest.approx(sk(y2, p2[:, 0] > 0.5, sample_weight=w))
    assert binary.resolved == "binary"
    y = rng.integers(0, C, N)
    y[y == 3] = 2  # class 3 never a target; scikit-learn averages over classes seen
    p = rng.standard_normal((N, C))
    expected = sk(y, p.argmax(1), average="macro", sample_weight=w, zero_division=0)
    macro = METRICS.get(name)
    assert _accumulate(macro, y, p, w) == pytest.approx(expected)
    assert macro.resolved == "macro" and "macro" in macro.note
    assert _accumulate(METRICS.get(name), np.eye(C)[y], p, w) == pytest.approx(expected)


@pytest.mark.parametrize("name, sk", [("precision", skm.precision_score),
                                      ("recall", skm.recall_score), ("f1_score", skm.f1_score)])
def test_precision_recall_f1_multilabel_macro(rng, name, sk):
    y = rng.integers(0, 2, (N, C))
    p = rng.uniform(0, 1, (N, C))
    metric = METRICS.get(name)
    metric.configure("binary_crossentropy")
    assert _accumulate(metric, y, p) == pytest.approx(sk(y, p > 0.5, average="macro"))
    assert "multi-label" in metric.note


def test_binary_precision_with_macro_average_covers_both_classes(rng):
    y = rng.integers(0, 2, N)
    p = rng.uniform(0, 1, N)
    metric = Precision(average="macro")
    expected = skm.precision_score(y, p > 0.5, average="macro")
    assert _accumulate(metric, y, p) == pytest.approx(expected)
    assert metric.note == "'precision' is macro over the 2 classes"
    with pytest.raises(ValueError, match="needs one output"):
        Precision(average="binary")(np.eye(3), np.eye(3))


@pytest.mark.parametrize("name, sk", [("mae", skm.mean_absolute_error),
                                      ("mse", skm.mean_squared_error)])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("outputs", [1, 3])
def test_mae_mse(rng, name, sk, weighted, outputs):
    y = rng.standard_normal((N, outputs))
    p = rng.standard_normal((N, outputs)).astype(np.float32)
    w = _weights(rng, weighted)
    metric = metrics.get(name)
    assert metric.name == name and metric.direction == "down"
    assert _accumulate(metric, y, p, w) == pytest.approx(sk(y, p, sample_weight=w), rel=1e-6)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("outputs", [1, 3])
def test_r2_score(rng, weighted, outputs):
    y = 100 + rng.standard_normal((N, outputs))  # a large mean: no cancellation allowed
    p = y + 0.5 * rng.standard_normal((N, outputs))
    w = _weights(rng, weighted)
    ours = _accumulate(METRICS.get("r2_score"), y.astype(np.float32), p.astype(np.float32), w)
    assert ours == pytest.approx(skm.r2_score(y, p, sample_weight=w), abs=1e-4)


def test_r2_score_of_constant_targets_follows_scikit_learn():
    y = np.full(10, 2.0)
    r2 = METRICS.get("r2_score")
    assert r2(y, y) == skm.r2_score(y, y) == 1.0
    r2.reset_state()
    assert r2(y, y + 1) == skm.r2_score(y, y + 1) == 0.0


def test_names_aliases_and_functions():
    assert metrics.get("acc").name == "acc"
    assert isinstance(metrics.get("acc"), AutoAccuracy)
    assert isinstance(metrics.get("mean_absolute_error"), metrics.MeanAbsoluteError)
    assert metrics.get({"class_name": "F1Score", "config": {"average": "macro"}}).average == "macro"

    def half_error(y_true, y_pred):
        return abs(y_true - y_pred) / 2

    wrapped = metrics.get(half_error)
    assert wrapped.name == "half_error"
    assert wrapped(np.array([0.0, 2.0]), np.array([1.0, 2.0])) == pytest.approx(0.25)
    assert metrics.direction("accuracy") == "up" and metrics.direction("mae") == "down"


def test_float32_inputs_stay_float32_and_give_python_floats(rng):
    y = rng.standard_normal((N, 2)).astype(np.float32)
    for name in ("mae", "mse", "r2_score"):
        assert isinstance(METRICS.get(name)(y, y * 0.5), float)


def test_shape_mismatch_is_named():
    with pytest.raises(ValueError, match="'mean_absolute_error'.*\\(4, 2\\).*\\(4, 3\\)"):
        METRICS.get("mae")(np.zeros((4, 2)), np.zeros((4, 3)))


# -- 'accuracy' --------------------------------------------------------------------
ONE_HOT = np.eye(3)[[0, 2, 1, 2]]
INDICES = np.array([0, 2, 1, 2])
PROBS3 = np.random.default_rng(1).dirichlet(np.ones(3), 4)


@pytest.mark.parametrize("loss, y_true, y_pred, expected, warns", [
    ("binary_crossentropy", np.array([0, 1, 1, 0]), np.full((4, 1), 0.7), "binary_accuracy", False),
    ("categorical_crossentropy", ONE_HOT, PROBS3, "categorical_accuracy", False),
    ("sparse_categorical_crossentropy", INDICES, PROBS3, "sparse_categorical_accuracy", False),
    # the ambiguous ones: the targets contradict the loss
    ("sparse_categorical_crossentropy", ONE_HOT, PROBS3, "categorical_accuracy", True),
    ("categorical_crossentropy", INDICES, PROBS3, "sparse_categorical_accuracy", True),
    ("binary_crossentropy", ONE_HOT, PROBS3, "binary_accuracy", True),
    # no classification loss: from the shapes (Keras 3's rule)
    (None, np.array([0, 1, 1, 0]), np.full((4, 1), 0.7), "binary_accuracy", False),
    (None, INDICES[:, None], PROBS3, "sparse_categorical_accuracy", False),
    ("mean_squared_error", ONE_HOT, PROBS3, "categorical_accuracy", False),
])
def test_accuracy_resolution(loss, y_true, y_pred, expected, warns):
    name, note, warning = resolve_accuracy(y_true, y_pred, loss)
    assert name == expected and expected in note
    assert (warning is not None) == warns
    metric = metrics.get("accuracy")
    metric.configure(loss)
    if warns:
        with pytest.warns(UserWarning):
            metric.update_state(y_true, y_pred)
    else:
        metric.update_state(y_true, y_pred)
    assert metric.resolved == expected
    reference = METRICS.get(expected)
    assert metric.result() == reference(y_true, y_pred)


def test_binary_cross_entropy_on_one_hot_warns_of_the_inflated_score():
    _, _, warning = resolve_accuracy(np.eye(3)[[0, 1, 2]], np.zeros((3, 3)), "binary_crossentropy")
    assert "67%" in warning and "categorical_crossentropy" in warning


def test_binary_accuracy_on_logits_thresholds_at_zero():
    metric = metrics.get("accuracy")
    metric.configure("binary_crossentropy", from_logits=True)
    logits = np.array([[-2.0], [0.3], [0.2], [-0.1]])  # probabilities < 0.5, > 0.5, > 0.5, < 0.5
    assert metric(np.array([0, 1, 1, 0]), logits) == 1.0
    assert "threshold 0" in metric.note
    assert metrics.BinaryAccuracy()(np.array([0, 1, 1, 0]), logits) == 0.5  # 0.5 on logits
