"""``lucidnet trace`` and ``lucidnet train --health`` (in-process, as tests/test_cli.py)."""

import json
import subprocess
import sys

from test_cli import error_line, run


def test_train_health_warns_prints_the_table_and_writes_it(tmp_path):
    status, stdout, stderr = run("train", "--epochs", 2, "--lr", 0.3, "--health", "--quiet",
                                 "--out", tmp_path)
    assert status == 0, stderr
    assert "Health: layer 'hidden_1': " in stdout and "of relu units dead since epoch 1" in stdout
    assert "Training health after epoch 2" in stdout
    record = json.loads((tmp_path / "history.json").read_text())
    assert {r["layer"] for r in record["health"]} == {"hidden_1", "hidden_2", "output"}
    assert len(record["health"]) == 2 * 3 and (tmp_path / "health.png").is_file()
    assert (tmp_path / "command.txt").read_text().strip().endswith("--health")


def test_trace_prints_one_step_in_100_columns_and_writes_html(tmp_path):
    status, _, stderr = run("train", "--epochs", 1, "--hidden", 8, "--quiet", "--out", tmp_path)
    assert status == 0, stderr
    model = tmp_path / "model.safetensors"
    status, stdout, stderr = run("trace", model, "digits", "--batch", 3,
                                 "--html", tmp_path / "trace.html")
    assert status == 0, stderr
    lines = stdout.splitlines()
    assert max(map(len, lines)) <= 100
    assert lines[0].startswith("Forward pass")
    assert lines[1] == "  1  NormalizationFunction:  x (3, 64) → a1 (3, 64)"  # the raw features' scaling
    assert lines[2] == "       s = max(√σ², ε);  Y = (X − μ) / s (invert=False);  Y = μ + X · s (invert=True)"
    assert lines[4] == ("  2  LinearFunction (layer 'hidden_1'):  a1 (3, 64), hidden_1.kernel (64, 8), "
                        "hidden_1.bias (8,) →")
    assert "  6  SparseCategoricalCrossEntropy:  y (3,), ŷ (3, 10) → L ()" in lines
    assert any(line.startswith("       out dL/d(hidden_1.kernel) (64, 8) = ") for line in lines)
    assert "mathjax@3" in (tmp_path / "trace.html").read_text(encoding="utf-8")
    status, narrow, _ = run("trace", model, "digits", "--width", 60)
    assert status == 0 and max(map(len, narrow.splitlines())) <= 60
    status, _, stderr = run("trace", model, "digits", "--batch", 0)
    assert status == 2 and "--batch must be ≥ 1" in error_line(stderr)


def test_a_fresh_process_loads_the_course_reuters_network(tmp_path):
    """The first matrix product of a process maps OpenBLAS's buffers; it must not happen
    under the loader's address-space cap (the process then died, exit 1, no message)."""
    build = ("from lucidnet import keras;"
             "m = keras.Sequential([keras.Input(shape=(10000,)),"
             " keras.layers.Dense(64, kernel_initializer='he_normal'), keras.layers.Dense(46)]);"
             f"m.save({str(tmp_path / 'm.safetensors')!r})")
    subprocess.run([sys.executable, "-c", build], check=True)
    done = subprocess.run([sys.executable, "-m", "lucidnet", "summary", tmp_path / "m.safetensors"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
