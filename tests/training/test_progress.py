"""The progress display: every metric readable at 80 columns, notes outside the bars,
and a notebook without ipywidgets (a real Jupyter kernel) free of tqdm's warning."""

import re
from pathlib import Path

import numpy as np
import pytest

from lucidnet import keras
from lucidnet.training.callbacks import echo
from lucidnet.training.progress import wrap_logs

SRC = Path(__file__).resolve().parents[2] / "src"


def _model(metrics=("accuracy", "sparse_top_k_categorical_accuracy")):
    model = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=list(metrics))
    return model


def _data(n=400):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 6)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 1)


def _screen(text: str) -> list[str]:
    """What a terminal shows: each carriage return starts the line over."""
    return [line.split("\r")[-1] for line in text.split("\n")]


def test_every_metric_is_visible_at_80_columns(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    x, y = _data()
    history = _model().fit(x, y, epochs=2, batch_size=32, validation_split=0.25, verbose=1)
    out = capsys.readouterr().out
    written = [part for line in out.split("\n") for part in line.split("\r")
               if not part.startswith("'accuracy' means")]  # a plain line the terminal wraps
    assert max(len(part) for part in written) <= 80, written
    screen = _screen(out)
    for epoch in (0, 1):
        bar = next(i for i, line in enumerate(screen) if line.startswith(f"Epoch {epoch + 1}/2:"))
        shown_lines = []
        for line in screen[bar + 1:]:
            if not line.startswith("  "):
                break
            shown_lines.append(line.strip())
        metrics = " - ".join(shown_lines)
        for key in ("loss", "accuracy", "sparse_top_k_categorical_accuracy", "val_loss",
                    "val_accuracy", "val_sparse_top_k_categorical_accuracy"):
            shown = re.search(rf"(?:^|- ){key}: ([-0-9.e+]+)", metrics)
            assert shown, f"{key} not shown after epoch {epoch + 1}: {metrics!r}"
            assert float(shown.group(1)) == pytest.approx(history.history[key][epoch], abs=1e-4)
    # the one-off note has a line of its own, before the first bar
    note = next(i for i, line in enumerate(screen) if line.startswith("'accuracy' means"))
    assert note < next(i for i, line in enumerate(screen) if line.startswith("Epoch 1/2"))


def test_wrap_logs_keeps_items_whole():
    logs = {f"metric_{i}": i / 7 for i in range(12)}
    lines = wrap_logs(logs, 40)
    assert all(len(line) <= 40 for line in lines)
    items = " - ".join(line.strip() for line in lines).split(" - ")
    assert items == [f"metric_{i}: {i / 7:.4f}" for i in range(12)]


def test_notebook_without_ipywidgets_prints_no_warning(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    code = f"""
import sys
sys.modules["ipywidgets"] = None  # as in a notebook without ipywidgets
sys.path.insert(0, {str(SRC)!r})
import numpy as np
from lucidnet import keras
x = np.random.default_rng(0).normal(size=(200, 4)).astype("float32")
y = (x[:, 0] > 0).astype("int64")
model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=2, validation_split=0.2, verbose=1)
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


def test_a_note_printed_while_a_bar_is_open_waits_until_it_closes(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")

    class Talker(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                echo("a note from batch 2")

    x, y = _data()
    _model().fit(x, y, epochs=1, batch_size=32, verbose=1, callbacks=[Talker()])
    screen = _screen(capsys.readouterr().out)
    note = screen.index("a note from batch 2")
    assert screen[note - 1].startswith("  loss: ")  # after the bar and its metrics
