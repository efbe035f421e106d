"""The depth sections of the lab, run in quick mode."""

from __future__ import annotations

import json

import numpy as np
import pytest
from matplotlib.figure import Figure

from lucidnet.lab import SECTIONS, depth


@pytest.fixture(scope="module")
def collapse():
    return depth.depth_without_nonlinearity(quick=True)


@pytest.fixture(scope="module")
def xor():
    return depth.xor(quick=True)


@pytest.fixture(scope="module")
def approximation():
    return depth.universal_approximation(quick=True)


def test_sections_are_registered_in_the_lectures_order():
    keys = list(SECTIONS)
    start = keys.index("depth_without_nonlinearity")
    assert keys[start:start + 3] == ["depth_without_nonlinearity", "xor", "universal_approximation"]


@pytest.mark.parametrize("name", ["collapse", "xor", "approximation"])
def test_every_result_is_reportable(name, request):
    result = request.getfixturevalue(name)
    json.dumps(result.numbers, allow_nan=False)
    assert result.figures and all(isinstance(f, Figure) for f in result.figures.values())


def test_a_linear_stack_is_one_linear_layer(collapse):
    n = collapse.numbers
    assert collapse.held is True
    assert np.shape(n["collapsed_W"]) == (4, 3) and np.shape(n["collapsed_b"]) == (3,)
    assert (n["parameters_stack"], n["parameters_single"]) == (83, 15)
    assert n["max_abs_diff_outputs"] < 1e-12
    assert n["affine_fit_residual_linear_stack"] < 1e-12
    assert n["affine_fit_residual_with_relu"] > 1e-3


def test_xor_exact_numbers(xor):
    n = xor.numbers
    np.testing.assert_allclose(n["best_linear_theta"], [0.0, 0.0, 0.5], atol=1e-12)
    assert n["best_linear_mse"] == pytest.approx(0.25, abs=1e-12)
    assert n["course_network_hidden_codes"] == [[0, 0], [1, 0], [1, 0], [2, 1]]
    assert n["course_network_mse"] == 0.0


def test_a_trained_two_unit_network_solves_xor_from_a_minority_of_seeds(xor):
    """The lab's finding: the claim "from most seeds" does not hold for 2 hidden units
    (lucidnet's default init, Adam); every failure is a stationary point with a dead or
    all-linear hidden layer, and 8 units from the same seeds succeed."""
    n = xor.numbers
    seeds = n["seeds"]
    assert xor.held is (n["solved_2_units"] > seeds / 2)
    assert xor.held is False
    assert 0 < n["solved_2_units"] <= seeds // 2
    assert n["solved_8_units"] == seeds
    solved = [mse < n["zero_loss_threshold"] for mse in n["final_mse_2_units"]]
    assert sum(solved) == n["solved_2_units"]
    unsolved = seeds - n["solved_2_units"]
    assert sum(n["unsolved_2_units_by_mse"].values()) == unsolved
    assert set(n["unsolved_2_units_by_mse"]) <= {"0.125", "0.1667", "0.25"}
    assert n["unsolved_2_units_max_abs_gradient"] < 1e-6
    assert n["unsolved_2_units_with_a_dead_unit"] + n["unsolved_2_units_affine_on_the_data"] \
        == unsolved


def test_approximation_error_falls_with_width(approximation):
    n = approximation.numbers
    assert approximation.held is True
    rmse = n["rmse"]
    assert all(b <= 1.1 * a for a, b in zip(rmse, rmse[1:]))
    assert rmse[-1] < rmse[0] / 10 and rmse[-1] < 0.01
    assert n["parameters"] == [3 * H + 1 for H in n["widths"]]


def test_wide_and_deep_are_compared_at_equal_parameter_count(approximation):
    wide, deep = approximation.numbers["wide_shallow"], approximation.numbers["deep_narrow"]
    assert wide["parameters"] == deep["parameters"] == 169
    assert 0 < wide["rmse"] < 0.05 and 0 < deep["rmse"] < 0.05
    assert str(round(wide["rmse"], 4)) in approximation.summary
