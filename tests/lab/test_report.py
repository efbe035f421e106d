"""The lab's report says 'not measured' for a section that ran on a stand-in: in the
console, results.json and report.html, never 'held'."""

from __future__ import annotations

import json

import pytest

from lucidnet.lab import report  # the package registers every section before the patch
from lucidnet.lab.report import Result


@pytest.fixture
def sections(monkeypatch):
    """Two sections whose measurements 'held': one on its data, one on a stand-in."""
    sections = {
        "measured": ("On its data", lambda quick: Result("a claim", True, {}, "measured")),
        "stand_in": ("On a stand-in", lambda quick: Result(
            "a claim", True, {}, "ran on digits", not_measured="Reuters not found at /nowhere")),
    }
    monkeypatch.setattr(report, "SECTIONS", sections)
    return sections


@pytest.mark.parametrize(("held", "not_measured", "verdict"), [
    (True, "", "held"), (False, "", "not held"),
    (True, "data missing", "not measured"), (False, "data missing", "not measured")])
def test_verdict(held, not_measured, verdict):
    assert Result("c", held, {}, "s", not_measured=not_measured).verdict == verdict


def test_a_stand_in_is_not_measured_in_every_output(sections, tmp_path, capsys):
    html_path = report.run(out=tmp_path, quick=True, only=list(sections))
    console = capsys.readouterr().out.splitlines()
    assert console[0].startswith("lab measured: held")
    assert console[1].startswith("lab stand_in: not measured")
    assert console[1].endswith(": Reuters not found at /nowhere")
    document = json.loads((tmp_path / "results.json").read_text())["sections"]
    assert document["measured"]["verdict"] == "held" and document["measured"]["held"] is True
    stand_in = document["stand_in"]
    assert stand_in["verdict"] == "not measured" and stand_in["held"] is None
    assert stand_in["not_measured"] == "Reuters not found at /nowhere"
    page = html_path.read_text()
    assert "On a stand-in: <span class='unmeasured'>not measured</span>" in page
    assert "On its data: <span class='held'>held</span>" in page
    assert page.count("class='held'") == 1  # the stand-in's section shows no green verdict
