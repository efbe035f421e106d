"""lucidnet.plotting: the activation gallery (one PNG per registered activation and an
overview), the autograd derivatives it draws, and the facts table."""

import doctest
import struct
import sys

import numpy
import pytest

from lucidnet import activations, plotting

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk, after checking the signature."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def gallery(tmp_path_factory):
    pytest.importorskip("matplotlib")
    out = tmp_path_factory.mktemp("gallery")
    return out, plotting.activation_gallery(out / "figures")


def test_gallery_writes_one_png_per_activation_and_an_overview(gallery):
    out, paths = gallery
    names = activations.names()
    assert [p.name for p in paths] == [f"{n}.png" for n in names] + ["overview.png"]
    for path in paths:
        assert path.parent == out / "figures"
        width, height = png_size(path)
        assert width >= 400 and height >= 200
        assert path.stat().st_size > 10_000, f"{path.name} is suspiciously small"
    assert png_size(paths[-1])[0] > png_size(paths[0])[0]  # the grid is the wide one


def test_gallery_leaves_no_temporary_files(gallery):
    out, paths = gallery
    assert sorted((out / "figures").iterdir()) == sorted(paths)


@pytest.mark.parametrize("name", activations.names())
def test_curve_derivative_is_the_slope_of_the_curve(name):
    """The autograd derivative drawn matches central differences of the drawn f,
    away from kinks (the registry's, or maxout's piece crossings)."""
    curve = plotting.activation_curve(name)
    assert curve.x.dtype == curve.y.dtype == curve.dy.dtype == numpy.float64
    assert curve.x.shape == curve.y.shape == curve.dy.shape == (plotting.POINTS,)
    assert numpy.isfinite(curve.y).all() and numpy.isfinite(curve.dy).all()
    h = curve.x[1] - curve.x[0]
    slope = (curve.y[2:] - curve.y[:-2]) / (2 * h)
    middle = curve.x[1:-1]
    away = numpy.ones_like(middle, dtype=bool)
    for kink, _, _ in curve.kinks:
        away &= numpy.abs(middle - kink) > 1.5 * h
    numpy.testing.assert_allclose(curve.dy[1:-1][away], slope[away], atol=1e-3 * max(1, abs(slope).max()))


def test_curves_of_activations_that_need_more_than_x():
    prelu = plotting.activation_curve("prelu")
    left = prelu.x < 0
    numpy.testing.assert_allclose(prelu.y[left], plotting.PRELU_ALPHA * prelu.x[left])
    numpy.testing.assert_allclose(prelu.dy[left], plotting.PRELU_ALPHA)
    assert "α = 0.25" in prelu.note

    maxout = plotting.activation_curve("maxout")
    pieces = numpy.stack([w * maxout.x + b for w, b in plotting.MAXOUT_PIECES])
    numpy.testing.assert_allclose(maxout.y, pieces.max(axis=0))
    assert [k[0] for k in maxout.kinks] == [-1.0, 1.0]
    # at a tie the backward shares dY between the tied pieces
    assert [k[2] for k in maxout.kinks] == [(-1 + 0.25) / 2, (0.25 + 1.5) / 2]

    # softmax of the logits (x, 0) is σ(x); log_softmax's is ln σ(x)
    softmax = plotting.activation_curve("softmax")
    sigma = 1 / (1 + numpy.exp(-softmax.x))
    numpy.testing.assert_allclose(softmax.y, sigma, rtol=1e-12)
    numpy.testing.assert_allclose(softmax.dy, sigma * (1 - sigma), rtol=1e-10)
    log_softmax = plotting.activation_curve("log_softmax")
    numpy.testing.assert_allclose(log_softmax.dy, 1 - sigma, rtol=1e-10)


def test_kinks_are_marked_with_the_backward_convention():
    relu = plotting.activation_curve("relu")
    assert relu.kinks == [(0.0, 0.0, 0.0)]  # ReLU'(0) = 0
    step = plotting.activation_curve("binary_step")
    assert step.kinks == [(0.0, 1.0, 0.0)]  # step(0) = 1, derivative 0 everywhere
    # a jump in the curve is drawn as a gap; a kink of a continuous curve is not one
    x, y = plotting._with_gaps(step.x, step.y, [0.0])
    assert numpy.isnan(y).sum() == 1 and numpy.isnan(x).sum() == 1
    x, y = plotting._with_gaps(relu.x, relu.y, [0.0])
    assert not numpy.isnan(y).any()
    x, dy = plotting._with_gaps(relu.x, relu.dy, [0.0])
    assert numpy.isnan(dy).sum() == 1


def test_facts_table_lists_every_activation_and_fact():
    table = plotting.facts_table()
    lines = table.splitlines()
    assert lines[0].split()[:2] == ["activation", "range"]
    for column in plotting.FACT_COLUMNS:
        assert column in lines[0]
    first_words = {line.split()[0] for line in lines[2:] if line and not line.startswith(" ")}
    assert set(activations.names()) <= first_words
    assert "silu (swish)" in table and "linear (identity)" in table
    relu = next(line for line in lines if line.startswith("relu "))
    assert "[0, ∞)" in relu and "default for hidden layers" in relu
    widths = {len(line) for line in lines}
    assert max(widths) < 200


def test_facts_table_of_chosen_activations():
    table = plotting.facts_table(["tanh", "sigmoid"])
    rows = [line.split()[0] for line in table.splitlines()[2:] if line and not line.startswith(" ")]
    assert rows == ["tanh", "sigmoid"]


def test_doctests():
    assert doctest.testmod(plotting, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0


def test_missing_matplotlib_says_how_to_install_it(monkeypatch, tmp_path):
    for module in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib → ImportError
    with pytest.raises(ImportError, match=r"pip install lucidnet\[plot\]"):
        plotting.activation_gallery(tmp_path / "figures")
    assert not (tmp_path / "figures").exists()
    assert "relu" in plotting.facts_table()  # the table needs no matplotlib
