"""The output layer and loss per problem type, inference from targets, and the warnings."""

import numpy as np
import pytest

import lucidnet.functional as F
from lucidnet.autograd import tensor
from lucidnet.errors import LabelError, UnknownNameError
from lucidnet.training.last_layer import (
    check_output,
    infer_problem,
    output_for,
    saturation_gradients,
)


@pytest.mark.parametrize("problem, activation, loss", [
    ("binary", "sigmoid", "binary_crossentropy"),
    ("multiclass", "softmax", "categorical_crossentropy"),
    ("multilabel", "sigmoid", "binary_crossentropy"),
    ("regression", "linear", "mean_squared_error"),
    ("regression_01", "sigmoid", "binary_crossentropy"),
])
def test_output_for_each_problem(problem, activation, loss):
    assert output_for(problem) == (activation, loss)


def test_multiclass_with_class_indices_takes_the_sparse_loss():
    assert output_for("multiclass", np.array([0, 2, 1])).loss == "sparse_categorical_crossentropy"
    assert output_for("multiclass", np.eye(3)).loss == "categorical_crossentropy"
    assert output_for(y=np.array([0, 2, 1, 1])) == ("softmax", "sparse_categorical_crossentropy")


def test_unknown_problem_suggests_names():
    with pytest.raises(UnknownNameError, match="multiclass"):
        output_for("multiclas")


@pytest.mark.parametrize("y, problem", [
    (np.array([0, 1, 1, 0]), "binary"),
    (np.array([[0.0], [1.0], [1.0]]), "binary"),
    (np.array([True, False]), "binary"),
    (np.array([0, 3, 1, 2]), "multiclass"),
    (np.eye(4)[[0, 3, 1]], "multiclass"),
    (np.array([[1, 0, 1], [0, 0, 1]]), "multilabel"),
    (np.array([0.2, 0.9, 0.0]), "regression_01"),
    (np.array([1.5, -2.0, 30.0]), "regression"),
    (np.array([0.0, 1.0, 2.0]), "regression"),  # class indices stored as floats read as reals
    (np.array([[3, 0], [1, 7]]), "regression"),  # integer counts
])
def test_infer_problem(y, problem):
    assert infer_problem(y) == problem


def test_infer_problem_refuses_strings():
    with pytest.raises(LabelError, match="encode"):
        infer_problem(np.array(["cat", "dog"]))


def test_good_pairs_raise_no_warning():
    assert check_output("sigmoid", 1, "binary_crossentropy") == []
    assert check_output("softmax", 10, "categorical_crossentropy") == []
    assert check_output("softmax", 10, "sparse_categorical_crossentropy") == []
    assert check_output(None, 1, "mean_squared_error") == []
    assert check_output("linear", 1, "binary_crossentropy", from_logits=True) == []
    assert check_output("sigmoid", 1, "mse", problem="regression_01") == []


@pytest.mark.parametrize("args, words", [
    (("softmax", 3, "categorical_crossentropy", True), "from_logits=True"),
    (("sigmoid", 1, "binary_crossentropy", True), "from_logits=True"),
    (("softmax", 1, "categorical_crossentropy"), "always outputs"),
    (("sigmoid", 1, "mse"), "0.0073"),
    (("sigmoid", 1, "mean_squared_error"), "0.9963"),
    (("linear", 1, "binary_crossentropy"), "not probabilities"),
    (("linear", 5, "categorical_crossentropy"), "from_logits=True"),
    (("relu", 1, "binary_crossentropy"), "relu"),
    (("softmax", 4, "binary_crossentropy"), "compete"),
    (("sigmoid", 4, "categorical_crossentropy"), "softmax"),
])
def test_each_regrettable_pair_warns(args, words):
    warnings = check_output(*args)
    assert len(warnings) == 1 and words in warnings[0]


def test_saturation_gradients_are_the_lectures_numbers_and_lucidnets():
    mse, ce = saturation_gradients(5.6, 0.0)
    assert round(mse, 4) == 0.0073 and round(ce, 4) == 0.9963
    y = tensor(np.zeros((1, 1)), dtype="float64")
    for loss, expected in ((F.mean_squared_error, mse), (F.binary_crossentropy, ce)):
        o = tensor(np.full((1, 1), 5.6), requires_grad=True, dtype="float64")
        loss(y, F.sigmoid(o)).backward()
        assert o.grad[0, 0] == pytest.approx(expected, rel=1e-6)
