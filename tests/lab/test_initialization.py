"""The initialization section of the lab, run in quick mode: signals through 20 layers."""

from __future__ import annotations

import json

import pytest
from matplotlib.figure import Figure

from lucidnet.lab import SECTIONS, initialization


@pytest.fixture(scope="module")
def result():
    return initialization.initialization(quick=True)


@pytest.fixture(scope="module")
def stats(result):
    return result.numbers["per_layer_mean_over_seeds"]


def test_registered_and_reportable(result):
    assert SECTIONS["initialization"][1] is initialization.initialization
    json.dumps(result.numbers, allow_nan=False)
    assert [isinstance(f, Figure) for f in result.figures.values()] == [True]


def test_every_scheme_has_twenty_layers_of_statistics(stats):
    assert list(stats) == list(initialization.SCHEMES)
    for s in stats.values():
        assert all(len(values) == 20 for values in s.values())


def test_zero_weights_never_break_the_symmetry(result, stats):
    assert stats["zeros"]["unit_spread"] == [0.0] * 20
    assert stats["zeros"]["activation_std"] == [0.0] * 20
    z = result.numbers["zeros_training"]
    assert z["max_relative_weight_spread_across_units"] < 1e-12
    assert z["max_activation_spread_across_units"] < 1e-12
    assert 20 in z["layers_whose_weights_moved"]  # it trains, yet the units stay copies
    assert z["loss_last_step"] < z["loss_first_step"]


def test_small_weights_make_activations_and_gradients_vanish(stats):
    small = stats["small normal"]
    assert small["activation_std"][-1] < 1e-6 * small["activation_std"][0]
    assert small["gradient_std"][0] < 1e-6 * small["gradient_std"][-1]


@pytest.mark.parametrize("scheme", ["glorot + tanh", "he + relu", "lecun + selu"])
def test_matched_schemes_keep_the_scale_through_the_layers(stats, scheme):
    for key in ("activation_std", "gradient_std"):
        values = stats[scheme][key]
        assert max(values) <= 10 * min(values)


def test_he_makes_up_for_relu_halving_the_variance(result):
    assert result.numbers["glorot_relu_variance_factor_per_layer"] == pytest.approx(0.5, abs=0.1)
    assert result.numbers["he_relu_variance_factor_per_layer"] == pytest.approx(1.0, abs=0.1)


def test_selu_self_normalizes_at_depth_twenty(stats):
    selu = stats["lecun + selu"]
    assert abs(selu["activation_mean"][-1]) <= 0.1
    assert abs(selu["activation_variance"][-1] - 1) <= 0.1


def test_held_is_every_verdict(result):
    assert result.held is all(result.numbers["held"].values())
    assert result.held
