"""The regression and classification sections of the lab, run in quick mode: the numbers
the report shows are the numbers asserted here."""

from __future__ import annotations

import json

import numpy as np
import pytest
from matplotlib.figure import Figure

from lucidnet.lab import SECTIONS, regression


@pytest.fixture(scope="module")
def linear():
    return regression.linear_regression(quick=True)


@pytest.fixture(scope="module")
def binary():
    return regression.binary_classification(quick=True)


@pytest.fixture(scope="module")
def multiclass():
    return regression.multiclass(quick=True)


def test_sections_are_registered_in_the_lectures_order():
    keys = list(SECTIONS)
    start = keys.index("linear_regression")
    assert keys[start:start + 3] == ["linear_regression", "binary_classification", "multiclass"]


@pytest.mark.parametrize("name", ["linear", "binary", "multiclass"])
def test_every_result_holds_and_is_reportable(name, request):
    result = request.getfixturevalue(name)
    assert result.held is True
    json.dumps(result.numbers, allow_nan=False)  # results.json takes them as they are
    assert result.figures and all(isinstance(f, Figure) for f in result.figures.values())


def test_closed_forms_and_gradient_descent_agree(linear):
    n = linear.numbers
    normal = np.array(n["theta_normal_equation"])
    np.testing.assert_allclose(n["theta_pseudo_inverse"], normal, rtol=0, atol=1e-9)
    np.testing.assert_allclose(n["theta_gradient_descent"], normal, rtol=0, atol=1e-9)
    # 500 houses with noise σ = 20 k€: the fit lands near the true 3, −1.5, 50
    assert np.all(np.abs(normal - n["theta_true"]) < [0.05, 0.1, 5.0])


def test_gradient_descent_loss_falls_to_the_least_squares_mse(linear):
    first, last = linear.numbers["gd_loss_first_last"]
    assert first > 100 * last
    assert last == pytest.approx(linear.numbers["noise_variance_mle"], rel=1e-9)


def test_least_squares_minimizes_the_gaussian_nll(linear):
    n = linear.numbers
    assert n["nll_perturbed_min"] > n["nll_at_least_squares"]
    assert n["nll_max_abs_gradient_at_least_squares"] < 1e-6
    # at σ² = RSS/N the NLL is N/2 (ln 2πσ² + 1)
    expected = n["houses"] / 2 * (np.log(2 * np.pi * n["noise_variance_mle"]) + 1)
    assert n["nll_at_least_squares"] == pytest.approx(expected, rel=1e-12)


def test_the_gradients_at_a_confident_mistake(binary):
    n = binary.numbers
    assert (n["o"], n["y"]) == (5.6, 0.0)
    assert round(n["dl_do_sigmoid_mse"], 4) == 0.0073
    assert round(n["dl_do_sigmoid_bce"], 4) == 0.9963
    assert n["dl_do_sigmoid_then_bce_unfused"] == pytest.approx(n["dl_do_sigmoid_bce"], abs=1e-12)
    assert n["dl_do_sigmoid_mse"] == pytest.approx(n["dl_do_formula_mse"], abs=1e-15)


def test_the_clipped_model_never_learns_the_points_it_gets_wrong(binary):
    n = binary.numbers
    assert n["completely_wrong_at_start"] == n["points"] // 2
    assert n["max_abs_dl_dz_wrong_points_clipped"] == 0.0
    assert n["clipped_parameter_change"] == 0.0
    assert n["accuracy_clipped_after"] == 0.5
    assert n["min_abs_dl_dz_wrong_points_bce"] > 0.7  # |σ(−1) − 1| = 0.731
    assert n["accuracy_sigmoid_bce_after"] == 1.0
    first, last = n["loss_bce_first_last"]
    assert last < first / 10


def test_softmax_cross_entropy_gradient_is_softmax_minus_y(multiclass):
    gaps = multiclass.numbers["max_abs_diff"]
    assert gaps["autograd_fused_vs_formula"] < 1e-12
    assert gaps["autograd_unfused_vs_formula"] < 1e-9
    assert gaps["central_differences_vs_formula"] < 1e-7
    assert np.abs(multiclass.numbers["row_sums_of_gradient"]).max() < 1e-12
