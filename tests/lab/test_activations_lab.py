"""The activations section of the lab, run in quick mode: the numbers it reports."""

from __future__ import annotations

import json
import math

import pytest
from matplotlib.figure import Figure

from lucidnet import activations as registry
from lucidnet.lab import SECTIONS, activations


@pytest.fixture(scope="module")
def result():
    return activations.activations(quick=True)


def test_registered_and_reportable(result):
    assert SECTIONS["activations"][1] is activations.activations
    json.dumps(result.numbers, allow_nan=False)
    assert len(result.figures) == 5
    assert all(isinstance(f, Figure) for f in result.figures.values())


def test_held_is_every_sub_claim(result):
    parts = result.numbers["held"]
    assert set(parts) == {"gallery", "saturation", "zigzag", "dying_relu", "relu_faster"}
    assert result.held is all(parts.values())


def test_the_gallery_shows_every_registered_activation(result):
    gallery = result.numbers["gallery"]
    assert sorted(gallery["per_activation"]) == registry.names()
    assert gallery["max_error_autograd_vs_central_differences"] < 1e-6
    assert gallery["monotonic_facts_agree"] and result.numbers["held"]["gallery"]
    relu, absolute = gallery["per_activation"]["relu"], gallery["per_activation"]["abs"]
    assert relu["kinks_or_jumps_on_grid"] == [0.0] and relu["monotonic_measured"]
    assert not absolute["monotonic_measured"]
    assert gallery["per_activation"]["sigmoid"]["max_abs_derivative"] == pytest.approx(0.25)


def test_sigmoid_saturates_outside_about_three(result):
    s = result.numbers["saturation"]
    exact = math.log((1 + math.sqrt(0.8)) / (1 - math.sqrt(0.8)))  # σ(1 − σ) = 0.05
    assert s["crossing_positive_side"] == pytest.approx(exact, abs=1e-9)
    assert s["crossing_negative_side"] == pytest.approx(-exact, abs=1e-9)
    assert 2.8 < s["crossing_positive_side"] < 3.0
    assert s["max_derivative_outside_crossing"] < 0.05 <= s["min_derivative_inside_crossing"]
    assert s["derivative_at_0"] == 0.25


def test_all_positive_inputs_make_one_signed_updates(result):
    z = result.numbers["zigzag"]
    assert z["sigmoid"]["one_sign_share_per_example"] == 1.0
    assert z["tanh"]["one_sign_share_per_example"] < 0.05
    assert z["sigmoid"]["one_sign_share_batches_of_32"] > z["tanh"]["one_sign_share_batches_of_32"]


def test_a_large_learning_rate_kills_relu_units_only(result):
    d = result.numbers["dying_relu"]
    large, normal = str(activations.LARGE_LR), str(activations.NORMAL_LR)
    relu = d["relu"][large]["dead"]
    assert relu > 0.25 and relu > 2 * d["relu"][normal]["dead"]
    for name in ("leaky_relu", "prelu", "elu"):
        assert d[name][large]["dead"] < relu
    # a leaky unit below 0 on every example is not dead: it still passes slope·dY
    assert d["leaky_relu"][large]["negative_everywhere"] > d["leaky_relu"][large]["dead"] == 0
    assert d["relu"][large]["negative_everywhere"] == relu


def test_speed_is_measured_and_held_follows_it(result):
    s = result.numbers["speed"]
    relu, tanh = s["relu"]["epochs_to_0.25_error"], s["tanh"]["epochs_to_0.25_error"]
    assert relu is not None and tanh is not None
    assert s["sigmoid"]["epochs_to_0.25_error"] is None  # 4 sigmoid layers sit at chance
    assert s["sigmoid"]["train_error_when_stopped"] > 0.8
    assert s["speedup_vs_tanh"] == pytest.approx(tanh / relu)
    assert s["speedup_vs_sigmoid_at_least"] == pytest.approx(s["max_epochs"] / relu)
    assert result.numbers["held"]["relu_faster"] is (relu < tanh)
