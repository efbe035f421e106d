"""The text sections of the lab (information bottleneck, Reuters variants), quick mode,
on the real Reuters-21578 files of the shared data folder, and on the stand-in."""

from __future__ import annotations

import json

import numpy as np
import pytest
from matplotlib.figure import Figure

from lucidnet.lab import SECTIONS, text
from lucidnet.lab.report import _finite


@pytest.fixture(scope="module")
def reuters_env(shared_data, tmp_path_factory):
    """The shared data folder, and an empty lucidnet home (so the Reuters cache is
    built here, never read from or written to the user's ~/.lucidnet)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LUCIDNET_DATA", str(shared_data))
        mp.setenv("LUCIDNET_HOME", str(tmp_path_factory.mktemp("home")))
        text._reuters.cache_clear()
        text._borrowed.cache_clear()
        yield shared_data
    text._reuters.cache_clear()
    text._borrowed.cache_clear()


@pytest.fixture(scope="module")
def bottleneck(reuters_env):
    return text.bottleneck(quick=True)


@pytest.fixture(scope="module")
def variants(reuters_env):
    return text.reuters_variants(quick=True)


def test_sections_are_registered():
    assert SECTIONS["bottleneck"][1] is text.bottleneck
    assert SECTIONS["reuters_variants"][1] is text.reuters_variants


def test_the_data_are_reuters_as_the_course_feeds_it(reuters_env):
    data = text.load_text("keras")
    assert not data.stand_in and data.name.startswith("reuters")
    assert data.x_train.shape == (8982, 10000) and data.x_test.shape == (2246, 10000)
    assert type(data.x_train).__module__.startswith("scipy.sparse")  # the sparse path
    assert set(np.unique(data.x_train.data)) == {1.0}  # multi-hot, not counts
    assert data.num_classes == 46 and data.y_train.max() == 45


def test_bottleneck_64_64_beats_the_4_unit_networks(bottleneck):
    acc = bottleneck.numbers["final_accuracy"]
    assert not bottleneck.numbers["stand_in"]
    assert 0.76 <= acc["64-64"] <= 0.83  # Keras: 79.4 %
    assert acc["64-64"] > acc["64-4"] + 0.05
    assert acc["64-64"] > acc["4-4"] + 0.10
    assert acc["64-4"] > acc["4-4"]
    assert bottleneck.held


def test_bottleneck_records_the_protocol_and_curves(bottleneck):
    numbers = bottleneck.numbers
    assert numbers["protocol"]["epochs"] == 20 and numbers["protocol"]["batch_size"] == 512
    for name in text.NETWORKS:
        (curve,) = numbers["curves"][name]
        assert len(curve) == 20 and all(0 <= a <= 1 for a in curve)
        assert curve[-1] == numbers["final_accuracy"][name]
        assert max(curve) == numbers["best_epoch_accuracy"][name]
    # the 4-unit layers' dead units are counted per layer
    assert all(len(d) == 2 for runs in numbers["dead_units_per_seed"].values() for d in runs)
    assert "keras_reference" not in numbers  # one seed: no comparison with a 3-seed mean
    json.dumps(_finite(numbers))
    assert bottleneck.figures and all(isinstance(f, Figure) for f in bottleneck.figures.values())


def test_borrowed_wires_are_classified_worse_than_own_text_wires(variants):
    numbers = variants.numbers
    assert not numbers["stand_in"]
    assert numbers["test_samples"] == 2246 and numbers["borrowed_test_samples"] == 207
    borrowed, own = numbers["accuracy_on_borrowed"], numbers["accuracy_on_own_text"]
    assert borrowed["keras"] < own["keras"] - 0.30
    # with their own text the same wires are no harder than the rest
    assert borrowed["clean"] > own["clean"] - 0.10
    assert borrowed["clean"] > borrowed["keras"] + 0.30
    # 112 of them have their exact text in the training split, 69 only under other topics
    assert numbers["borrowed_test_text_in_train"] == 112
    assert numbers["borrowed_test_text_in_train_other_label_only"] == 69


def test_clean_texts_beat_keras_texts(variants):
    acc = variants.numbers["accuracy"]
    assert acc["clean"] >= acc["keras"] + 0.04  # Keras: 79.4 % vs 88.5 %
    assert 0.75 <= acc["keras"] <= 0.83
    # the overall accuracy is the mix of its two parts
    share = variants.numbers["borrowed_share"]
    mix = (share * variants.numbers["accuracy_on_borrowed"]["keras"]
           + (1 - share) * variants.numbers["accuracy_on_own_text"]["keras"])
    assert mix == pytest.approx(acc["keras"], abs=1e-12)
    assert variants.held
    json.dumps(_finite(variants.numbers))


def test_dead_units_counts_units_that_never_fire():
    model = text.network(3, (4, 2), 5)
    model[0].bias.data[:2] = -100.0  # two first-layer units can never fire
    x = np.random.default_rng(0).standard_normal((50, 3)).astype(np.float32)
    assert text.dead_units(model, x)[0] == 2


def test_without_reuters_the_sections_run_on_a_labelled_stand_in(tmp_path, monkeypatch):
    monkeypatch.setenv("LUCIDNET_DATA", str(tmp_path))  # no reuters/ in it
    monkeypatch.setenv("LUCIDNET_HOME", str(tmp_path / "home"))
    text._reuters.cache_clear()
    result = text.reuters_variants(quick=True)
    assert result.numbers["stand_in"] and "stand-in" in result.claim.lower()
    assert "STAND-IN" in result.summary and "digits" in result.numbers["dataset"]
    # the copied pixels play the borrowed texts' part
    assert (result.numbers["accuracy_on_borrowed"]["keras"]
            < result.numbers["accuracy_on_own_text"]["keras"] - 0.30)
    assert "keras_reference" not in result.numbers
    assert result.verdict == "not measured" and "Reuters-21578 was not found" in result.not_measured
    result = text.bottleneck(quick=True)
    assert result.numbers["stand_in"] and "stand-in" in result.claim.lower()
    assert result.verdict == "not measured" and "digits" in result.not_measured
    acc = result.numbers["final_accuracy"]
    assert acc["64-64"] > acc["4-4"] + 0.10


def test_on_reuters_the_sections_are_measured(bottleneck, variants):
    assert bottleneck.not_measured == "" and bottleneck.verdict == "held"
    assert variants.not_measured == "" and variants.verdict == "held"
