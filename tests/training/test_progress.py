"""The progress display of the Trainer and the CLI (training.progress): every metric
readable at 80 columns, notes outside the bars, and a notebook without ipywidgets (a
real Jupyter kernel) free of tqdm's warning. The Keras facade prints Keras 3's own
format (tests/keras)."""

import contextlib
import io
import re
from pathlib import Path

import numpy as np
import pytest

from lucidnet import cli, nn
from lucidnet.training.callbacks import Callback, echo
from lucidnet.training.progress import wrap_logs

from trainkit import blobs, mlp, trainer_for

SRC = Path(__file__).resolve().parents[2] / "src"
METRICS = ("loss", "accuracy", "sparse_top_k_categorical_accuracy")


def _fit(callbacks=(), epochs=2):
    X, y = blobs(n=400)
    trainer = trainer_for(mlp([4, 8, 3], nn.Softmax()),
                          metrics=["accuracy", "sparse_top_k_categorical_accuracy"])
    return trainer.fit(X, y, epochs=epochs, batch_size=32, validation_split=0.25, verbose=1,
                       callbacks=list(callbacks))


def _screen(text: str) -> list[str]:
    """What a terminal shows: each carriage return starts the line over."""
    return [line.split("\r")[-1] for line in text.split("\n")]


def _shown_after(screen: list[str], bar_start: str) -> str:
    """The metric lines (indented) that follow the bar starting with ``bar_start``."""
    bar = next(i for i, line in enumerate(screen) if line.startswith(bar_start))
    lines = []
    for line in screen[bar + 1:]:
        if not line.startswith("  "):
            break
        lines.append(line.strip())
    return " - ".join(lines)


def _assert_every_metric_shown(screen, history, keys, epochs):
    for epoch in range(epochs):
        shown = _shown_after(screen, f"Epoch {epoch + 1}/{epochs}:")
        for key in keys:
            value = re.search(rf"(?:^|- ){key}: ([-0-9.e+]+)", shown)
            assert value, f"{key} not shown after epoch {epoch + 1}: {shown!r}"
            assert float(value.group(1)) == pytest.approx(history[key][epoch], abs=1e-4)


def _widths(out: str) -> int:
    """The longest line of a bar (each redraw after a carriage return) or of its
    metrics; plain lines (a dataset's description, a note) the terminal wraps."""
    drawn = []
    for line in out.split("\n"):
        parts = line.split("\r")
        if len(parts) > 1 or (line.startswith("  ") and "loss: " in line):
            drawn += parts
    assert drawn
    return max(len(part) for part in drawn)


def test_every_metric_is_visible_at_80_columns(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    history = _fit()
    out = capsys.readouterr().out
    assert _widths(out) <= 80, out
    screen = _screen(out)
    _assert_every_metric_shown(screen, history.history,
                               METRICS + tuple(f"val_{k}" for k in METRICS), 2)
    # the one-off note has a line of its own, before the first bar
    note = next(i for i, line in enumerate(screen) if line.startswith("'accuracy' means"))
    assert note < next(i for i, line in enumerate(screen) if line.startswith("Epoch 1/2"))


def test_the_command_line_at_80_columns(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert cli.main(["train", "iris", "--epochs", "3", "--out", str(tmp_path)]) == 0
    import json

    history = json.loads((tmp_path / "history.json").read_text())["history"]
    assert _widths(out.getvalue()) <= 80
    _assert_every_metric_shown(_screen(out.getvalue()), history,
                               ("loss", "accuracy", "val_loss", "val_accuracy"), 3)


def test_wrap_logs_keeps_items_whole():
    logs = {f"metric_{i}": i / 7 for i in range(12)}
    lines = wrap_logs(logs, 40)
    assert all(len(line) <= 40 for line in lines)
    items = " - ".join(line.strip() for line in lines).split(" - ")
    assert items == [f"metric_{i}: {i / 7:.4f}" for i in range(12)]


def test_a_note_printed_while_a_bar_is_open_waits_until_it_closes(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")

    class Talker(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                echo("a note from batch 2")

    _fit([Talker()], epochs=1)
    screen = _screen(capsys.readouterr().out)
    note = screen.index("a note from batch 2")
    bar = next(i for i, line in enumerate(screen) if line.startswith("Epoch 1/1: 100%"))
    assert bar < note and all(line.startswith("  ") for line in screen[bar + 1:note])


def test_notebook_without_ipywidgets_prints_no_warning(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    code = f"""
import sys
sys.modules["ipywidgets"] = None  # as in a notebook without ipywidgets
sys.path.insert(0, {str(SRC)!r})
import numpy as np
from lucidnet import nn, optim
from lucidnet.training import Trainer
x = np.random.default_rng(0).normal(size=(200, 4)).astype("float32")
y = (x[:, 0] > 0).astype("int64")
model = nn.Sequential(nn.Linear(4, 2), nn.Softmax())
trainer = Trainer(model, "sparse_categorical_crossentropy", optim.Adam(model.parameters()),
                  metrics=["accuracy"])
trainer.fit(x, y, epochs=2, validation_split=0.2, verbose=1)
"""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = notebook.cells[0].outputs
    stderr = "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr")
    stdout = "".join(o.get("text", "") for o in outputs if o.get("name") == "stdout")
    assert not [o for o in outputs if o.output_type == "error"], outputs
    assert "Warning" not in stderr and "IProgress" not in stderr, stderr
    screen = _screen(stdout)
    assert any(line.startswith("Epoch 2/2: 100%") for line in screen), stdout
    assert any("val_accuracy: " in line for line in screen), stdout
    assert any(line.startswith("'accuracy' means") for line in screen), stdout
