"""The backpropagation-by-hand section of the lab."""

from __future__ import annotations

import json

import numpy as np
import pytest
from matplotlib.figure import Figure

from lucidnet.lab import SECTIONS, backprop


@pytest.fixture(scope="module")
def result():
    return backprop.backprop_by_hand(quick=True)


def test_registered():
    assert SECTIONS["backprop_by_hand"][1] is backprop.backprop_by_hand


def test_hand_computed_gradients_match_autograd(result):
    n = result.numbers
    assert result.held is True
    assert set(n["max_abs_diff_vs_autograd"]) == {"W1", "b1", "W2", "b2", "x"}
    assert max(n["max_abs_diff_vs_autograd"].values()) < 1e-12
    assert n["loss_abs_diff_vs_autograd"] < 1e-12
    assert n["parameters"] == 100 * 128 + 128 + 128 + 1


def test_loss_is_the_binary_cross_entropy_of_the_predictions(result):
    y, p = np.array(result.numbers["labels"]), np.array(result.numbers["predictions"])
    assert result.numbers["loss"] == pytest.approx(
        -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), rel=1e-12)


def test_the_written_out_steps_show_every_shape_and_factor(result):
    text = result.numbers["text"]
    for shape in ("(4, 10, 10)", "(4, 100)", "(4, 128)", "(4, 1)", "(100, 128)", "(128, 1)",
                  "(128,)", "(1,)"):
        assert shape in text
    for step in ("flatten", "σ'(z2) = ŷ(1 − ŷ)", "σ'(z1) = a1(1 − a1)", "∂L/∂W1 = a0ᵀ ∂L/∂z1",
                 "∂L/∂W2 = a1ᵀ ∂L/∂z2", "∂L/∂b1", "∂L/∂b2", "∂L/∂x"):
        assert step in text
    assert text.index("Forward") < text.index("Backward") < text.index("autograd")


def test_reportable(result):
    json.dumps(result.numbers, allow_nan=False)
    assert all(isinstance(f, Figure) for f in result.figures.values())
