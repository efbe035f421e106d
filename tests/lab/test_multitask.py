"""The multi-task section of the lab, run in quick mode: shared trunk vs separate nets."""

from __future__ import annotations

import json

import numpy as np
import pytest
from matplotlib.figure import Figure

from lucidnet import datasets, manual_seed
from lucidnet.lab import SECTIONS, multitask


@pytest.fixture(scope="module")
def result():
    return multitask.multitask(quick=True)


def test_registered_and_reportable(result):
    assert SECTIONS["multitask"][1] is multitask.multitask
    json.dumps(result.numbers, allow_nan=False)
    assert [isinstance(f, Figure) for f in result.figures.values()] == [True]


def test_the_shared_model_returns_one_output_per_task():
    manual_seed(0)
    out = multitask.SharedTrunk()(np.zeros((5, 3), dtype=np.float32))
    assert list(out) == list(multitask.TASKS)
    assert all(v.shape == (5, 1) for v in out.values())


def test_parameter_counts(result):
    h = multitask.HIDDEN
    trunk, head = 3 * h + h, h + 1
    assert result.numbers["parameters"] == {"shared": trunk + 3 * head,
                                            "separate": 3 * (trunk + head)}


def test_the_mean_predictor_error_is_recomputed_from_the_splits(result):
    errors = []
    for seed in range(result.numbers["splits"]):
        d = datasets.load("linnerud", seed=seed)
        mean, std = d.y_train.mean(axis=0), d.y_train.std(axis=0)
        errors.append((((d.y_test - mean) / std) ** 2).mean())
    measured = result.numbers["test_mse_standardized"]["mean predictor"]
    assert measured == pytest.approx(np.mean(errors), rel=1e-5)


def test_sharing_helps_on_linnerud_and_held_follows_the_rule(result):
    n = result.numbers
    e = n["test_mse_standardized"]
    assert e["shared"] < e["separate"]
    assert n["shared_minus_separate"] == pytest.approx(e["shared"] - e["separate"], rel=1e-5)
    difference, error = n["shared_minus_separate"], n["shared_minus_separate_standard_error"]
    assert result.held is (difference <= error)
    assert n["verdict"] == ("helped" if difference < -error else
                            "matched" if abs(difference) <= error else "hurt")
