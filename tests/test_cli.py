"""The ``lucidnet`` command, run in-process through ``lucidnet.cli.main`` (and once as
``python -m lucidnet``): train writes a reproducible run folder; evaluate, predict and
summary read its model; every mistake a user can make is one line and exit status 2."""

import contextlib
import io
import json
import os
import shlex
import subprocess
import sys

import numpy
import pytest

from lucidnet import cli, datasets, keras
from lucidnet import io as lio

EPOCHS = 2


def run(*argv):
    """(exit status, stdout, stderr) of ``lucidnet *argv``, in-process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main([str(a) for a in argv])
    return status, out.getvalue(), err.getvalue()


def error_line(err: str) -> str:
    """The one line a failing command writes to stderr."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
    return lines[0]


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    """One quiet training run on digits: (folder, stdout)."""
    out = tmp_path_factory.mktemp("cli") / "digits"
    status, stdout, stderr = run("train", "--epochs", EPOCHS, "--quiet", "--out", out)
    assert status == 0, stderr
    return out, stdout


@pytest.fixture(scope="module")
def model_path(digits_run):
    return digits_run[0] / "model.safetensors"


@pytest.fixture(scope="module")
def digits():
    """Raw digits (pixels 0..16): the rows a user hands to predict."""
    return datasets.load("digits", raw=True)


# -- train ------------------------------------------------------------------------
def test_train_writes_model_history_curves_and_command(digits_run):
    out, stdout = digits_run
    assert sorted(p.name for p in out.iterdir()) == [
        "command.txt", "curves.png", "history.json", "model.safetensors"]
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "curves.png").stat().st_size > 5_000
    record = json.loads((out / "history.json").read_text())
    history, results = record["history"], record["results"]
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == EPOCHS for values in history.values())
    assert list(results) == ["train", "validation", "test"]
    for split in results.values():
        assert set(split) == {"loss", "accuracy"}
        assert 0.0 <= split["accuracy"] <= 1.0
    # the table's validation row is the split fit validated on, after the last epoch
    assert results["validation"]["loss"] == pytest.approx(history["val_loss"][-1], rel=1e-5)
    assert results["validation"]["accuracy"] == pytest.approx(history["val_accuracy"][-1])
    assert f"saved model, history.json, curves.png and command.txt in {out}/" in stdout
    assert "Epoch" not in stdout  # --quiet


def test_train_prints_the_final_table(digits_run):
    out, stdout = digits_run
    results = json.loads((out / "history.json").read_text())["results"]
    lines = stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split() == ["loss", "accuracy"])
    assert set(lines[header + 1]) == {"-"}
    for line, (split, values) in zip(lines[header + 2:], results.items()):
        name, loss, accuracy = line.split()
        assert name == split
        assert float(loss) == pytest.approx(values["loss"], abs=5e-5)
        assert float(accuracy) == pytest.approx(values["accuracy"], abs=5e-5)


def test_command_txt_reproduces_the_run_bit_for_bit(digits_run):
    out, _ = digits_run
    command = (out / "command.txt").read_text().strip()
    argv = shlex.split(command)
    assert argv[:3] == ["lucidnet", "train", "digits"]
    assert argv[argv.index("--epochs") + 1] == str(EPOCHS)
    assert argv[argv.index("--seed") + 1] == "0" and argv[-2:] == ["--out", str(out)]
    before = (out / "history.json").read_bytes()
    weights = lio.load_weights(out / "model.safetensors")
    status, _, err = run(*argv[1:])  # the folder holds a run: kept
    assert status == 2 and "--overwrite" in error_line(err)
    status, _, stderr = run(*argv[1:], "--overwrite")
    assert status == 0, stderr
    assert (out / "history.json").read_bytes() == before
    again = lio.load_weights(out / "model.safetensors")
    assert weights.keys() == again.keys()
    for name in weights:
        numpy.testing.assert_array_equal(weights[name], again[name])
    assert (out / "command.txt").read_text().strip() == command


def test_another_seed_gives_another_run(digits_run, tmp_path):
    out, _ = digits_run
    status, _, stderr = run("train", "--epochs", EPOCHS, "--quiet", "--seed", 1, "--out", tmp_path)
    assert status == 0, stderr
    first = json.loads((out / "history.json").read_text())["history"]
    other = json.loads((tmp_path / "history.json").read_text())["history"]
    assert first["loss"] != other["loss"]


def test_train_defaults_to_runs_dataset_and_reports_progress(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, stdout, stderr = run("train", "--epochs", 1, "--hidden", 16)
    assert status == 0, stderr
    assert (tmp_path / "runs" / "digits" / "model.safetensors").is_file()
    assert "digits: " in stdout and "1437 training samples, 360 test samples" in stdout
    # 64·16+16 + 16·10+10 trainable, and the scaling layer's mean and variance (0, 16²)
    assert 'Model: "digits"' in stdout and "Total params: 1,212" in stdout
    # the CLI's bars are training.progress's, readable at 80 columns (tests/training/
    # test_progress.py); the Keras facade's fit prints Keras 3's format
    assert "Epoch 1/1: 100%|" in stdout and "\n  accuracy: " in stdout
    import matplotlib.pyplot as plt

    assert plt.get_fignums() == []  # the curves' figure is closed once written
    command = (tmp_path / "runs" / "digits" / "command.txt").read_text()
    assert "--hidden 16 " in command and "--out runs/digits" in command


@pytest.mark.parametrize(
    "dataset, activation, units, loss, metric",
    [
        ("diabetes", "linear", 1, "mean_squared_error", "mae"),
        ("breast_cancer", "sigmoid", 1, "binary_crossentropy", "accuracy"),
        ("iris", "softmax", 3, "sparse_categorical_crossentropy", "accuracy"),
    ],
)
def test_train_chooses_the_last_layer_and_loss(tmp_path, dataset, activation, units, loss, metric):
    status, _, stderr = run("train", dataset, "--epochs", 1, "--hidden", 8, "--quiet",
                            "--validation-split", 0, "--out", tmp_path)
    assert status == 0, stderr
    model = keras.models.load_model(tmp_path / "model.safetensors")
    output = next(layer for layer in model.layers if layer.name == "output").get_config()
    assert (output["activation"], output["units"]) == (activation, units)
    settings = lio.load_state(tmp_path / "model.safetensors").metadata["keras"]["compile"]
    assert settings["loss"] == loss
    record = json.loads((tmp_path / "history.json").read_text())
    assert set(record["history"]) == {"loss", metric}  # no validation split
    assert list(record["results"]) == ["train", "test"]


def test_train_without_matplotlib_skips_the_curves(tmp_path, monkeypatch):
    for module in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib → ImportError
    status, stdout, stderr = run("train", "--epochs", 1, "--hidden", 8, "--quiet", "--out", tmp_path)
    assert status == 0, stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "command.txt", "history.json", "model.safetensors"]
    assert "no curves.png: pip install lucidnet[plot]" in stdout


def test_a_train_killed_after_saving_leaves_no_curves_of_the_previous_run(tmp_path,
                                                                          monkeypatch):
    for previous in ("curves.png", "history.json", "command.txt"):
        (tmp_path / previous).write_text("from the previous run")

    def killed(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_plot_history", killed)
    status, _, _ = run("train", "--epochs", 1, "--hidden", 8, "--quiet", "--out", tmp_path,
                       "--overwrite")
    assert status == 130
    assert "curves.png" not in {p.name for p in tmp_path.iterdir()}
    assert "previous" not in (tmp_path / "history.json").read_text()


def test_running_out_of_memory_is_one_line_and_status_2(tmp_path, monkeypatch):
    """`train --hidden 100000000` printed a MemoryError traceback."""
    def too_big(data, args):
        raise MemoryError("Unable to allocate 23.8 GiB for an array with shape (64, 100000000)")

    monkeypatch.setattr(cli, "_build_model", too_big)
    status, _, err = run("train", "--hidden", 100000000, "--quiet", "--out", tmp_path)
    assert status == 2
    assert error_line(err) == ("lucidnet train: error: out of memory (Unable to allocate "
                               "23.8 GiB for an array with shape (64, 100000000)); use a "
                               "smaller model or less data")


def test_predict_refuses_to_write_into_a_fifo(model_path, digits, tmp_path):
    numpy.save(tmp_path / "x.npy", digits.x_test[:2])
    os.mkfifo(tmp_path / "out.csv")
    status, stdout, err = run("predict", model_path, tmp_path / "x.npy",
                              "--output", tmp_path / "out.csv")
    assert status == 2 and "it is a FIFO (named pipe)" in error_line(err)


@pytest.mark.parametrize(
    "argv, words",
    [
        (["train", "no_such_set"], ["unknown dataset 'no_such_set'", "digits", "breast_cancer"]),
        (["train", "--optimizer", "adamm", "--epochs", "1"], ["adamm", "adam"]),
        (["train", "--activation", "rleu", "--epochs", "1"], ["rleu", "relu"]),
    ],
)
def test_train_mistakes_are_one_line_and_status_2(tmp_path, argv, words):
    status, _, err = run(*argv, "--out", tmp_path)
    assert status == 2
    line = error_line(err)
    assert line.startswith("lucidnet train: error: ")
    for word in words:
        assert word in line
    assert not (tmp_path / "model.safetensors").exists()


def test_malformed_arguments_exit_2_through_argparse():
    with pytest.raises(SystemExit) as exit_info, contextlib.redirect_stderr(io.StringIO()):
        cli.main(["train", "--epochs", "many"])
    assert exit_info.value.code == 2


# -- evaluate, predict, summary -----------------------------------------------------
def test_evaluate_matches_the_test_row_of_train(digits_run, model_path):
    out, _ = digits_run
    status, stdout, stderr = run("evaluate", model_path, "digits")
    assert status == 0, stderr
    expected = json.loads((out / "history.json").read_text())["results"]["test"]
    name, loss, accuracy = stdout.splitlines()[-1].split()
    assert name == "test"
    assert float(loss) == pytest.approx(expected["loss"], abs=5e-5)
    assert float(accuracy) == pytest.approx(expected["accuracy"], abs=5e-5)


def test_evaluate_mistakes(model_path, tmp_path):
    status, _, err = run("evaluate", model_path, "iris")  # 4 features, the model takes 64
    assert status == 2 and "64" in error_line(err) and "4)" in error_line(err)
    status, _, err = run("evaluate", tmp_path / "missing.safetensors", "digits")
    assert status == 2 and "no model file at" in error_line(err)
    (tmp_path / "junk.safetensors").write_bytes(b"not a model at all")
    status, _, err = run("evaluate", tmp_path / "junk.safetensors", "digits")
    assert status == 2 and "junk.safetensors" in error_line(err)


def predictions(stdout: str) -> numpy.ndarray:
    """The probability columns of predict --proba's CSV (after 'index' and 'class')."""
    lines = stdout.splitlines()
    assert lines[0] == "index,class," + ",".join(f"proba_{d}" for d in range(10))
    table = numpy.loadtxt(io.StringIO(stdout), delimiter=",", ndmin=2, skiprows=1)
    numpy.testing.assert_array_equal(table[:, 0], table[:, 2:].argmax(axis=1))
    numpy.testing.assert_array_equal(table[:, 0], table[:, 1])  # digits: the name is the index
    return table[:, 2:]


@pytest.fixture(scope="module")
def expected_predictions(model_path, digits):
    model = keras.models.load_model(model_path)
    return model.predict(digits.x_test[:5], verbose=0)


def test_predict_from_csv_with_and_without_header_and_npy(model_path, digits, tmp_path,
                                                          expected_predictions):
    x = digits.x_test[:5]
    numpy.savetxt(tmp_path / "plain.csv", x, delimiter=",")
    header = ",".join(f"pixel_{i}" for i in range(x.shape[1]))
    numpy.savetxt(tmp_path / "header.csv", x, delimiter=",", header=header, comments="")
    numpy.save(tmp_path / "samples.npy", x)
    for name in ("plain.csv", "header.csv", "samples.npy"):
        status, stdout, stderr = run("predict", model_path, tmp_path / name, "--proba")
        assert status == 0, stderr
        y = predictions(stdout)
        assert y.shape == (5, 10)
        numpy.testing.assert_allclose(y, expected_predictions, rtol=1e-5, atol=1e-6)
        numpy.testing.assert_allclose(y.sum(axis=1), 1.0, atol=1e-4)  # softmax rows


def test_predict_one_sample(model_path, digits, tmp_path, expected_predictions):
    numpy.savetxt(tmp_path / "row.csv", digits.x_test[:1], delimiter=",")
    numpy.save(tmp_path / "row.npy", digits.x_test[0])  # 1-D: one sample of 64 features
    for name in ("row.csv", "row.npy"):
        status, stdout, stderr = run("predict", model_path, tmp_path / name, "--proba")
        assert status == 0, stderr
        numpy.testing.assert_allclose(predictions(stdout), expected_predictions[:1],
                                      rtol=1e-5, atol=1e-6)


def test_predict_writes_csv_or_npy(model_path, digits, tmp_path, expected_predictions):
    numpy.save(tmp_path / "samples.npy", digits.x_test[:5])
    status, stdout, _ = run("predict", model_path, tmp_path / "samples.npy",
                            "--output", tmp_path / "p.npy")
    assert status == 0 and stdout.strip() == f"wrote 5 predictions to {tmp_path / 'p.npy'}"
    numpy.testing.assert_array_equal(numpy.load(tmp_path / "p.npy"), expected_predictions)
    status, _, _ = run("predict", model_path, tmp_path / "samples.npy", "--output",
                       tmp_path / "p.csv", "--proba")
    assert status == 0
    numpy.testing.assert_allclose(predictions((tmp_path / "p.csv").read_text()),
                                  expected_predictions, rtol=1e-5, atol=1e-6)
    status, _, _ = run("predict", model_path, tmp_path / "samples.npy", "--output",
                       tmp_path / "p.json")
    assert status == 0
    rows = json.loads((tmp_path / "p.json").read_text())
    assert rows == [{"index": int(i), "class": str(i)} for i in expected_predictions.argmax(axis=1)]
    status, _, err = run("predict", model_path, tmp_path / "samples.npy", "--output",
                         tmp_path / "p.txt")
    assert status == 2 and ".csv, .json or .npy" in error_line(err)


def test_predict_mistakes_are_one_line_and_status_2(model_path, digits, tmp_path):
    numpy.savetxt(tmp_path / "narrow.csv", digits.x_test[:3, :10], delimiter=",")
    status, stdout, err = run("predict", model_path, tmp_path / "narrow.csv")
    assert status == 2 and stdout == ""
    line = error_line(err)
    assert line == ("lucidnet predict: error: narrow.csv: the model expects 64 features "
                    "per row, got 10")
    numpy.save(tmp_path / "wide.npy", numpy.zeros((2, 65)))
    status, _, err = run("predict", model_path, tmp_path / "wide.npy")
    assert status == 2 and "64" in error_line(err) and "65" in error_line(err)
    (tmp_path / "words.csv").write_text("a,b\n1,x\n")
    status, _, err = run("predict", model_path, tmp_path / "words.csv")
    assert status == 2 and "'x'" in error_line(err)
    (tmp_path / "samples.txt").write_text("1,2\n")
    status, _, err = run("predict", model_path, tmp_path / "samples.txt")
    assert status == 2 and ".csv or .npy" in error_line(err)
    status, _, err = run("predict", model_path, tmp_path / "absent.csv")
    assert status == 2 and "no input file at" in error_line(err)


@pytest.mark.parametrize("first", ["typo", "empty", "bom_crlf", "nan"])
def test_predict_never_drops_a_first_row_that_fails_to_parse(model_path, digits, tmp_path,
                                                             first):
    """5 rows in, an error naming row 1 out: never 4 predictions and exit 0."""
    rows = [",".join(f"{v:g}" for v in row) for row in digits.x_test[:5]]
    fields = rows[0].split(",")
    newline, bom = "\n", ""
    if first == "typo":
        fields[3] = fields[3] + "o"
    elif first == "empty":
        fields[3] = ""
    elif first == "nan":
        fields[3] = "nan"
    else:
        newline, bom = "\r\n", "\ufeff"
        rows[2] = rows[2].replace(",", ",,", 1)  # and an empty field further down
    rows[0] = ",".join(fields)
    (tmp_path / "x.csv").write_text(bom + newline.join(rows) + newline, newline="")
    status, stdout, err = run("predict", model_path, tmp_path / "x.csv")
    assert status == 2 and stdout == ""
    expected = {"typo": "row 1 mixes numbers and text (column 4",
                "empty": "row 1 mixes numbers and text (column 4 is '')",
                "nan": "row 1, column 4 is 'nan', not a finite number",
                "bom_crlf": "row 3 has 65 fields, expected 64"}[first]
    assert expected in error_line(err)


def test_predict_says_on_stderr_whether_row_1_was_a_header(model_path, digits, tmp_path):
    x = digits.x_test[:3]
    numpy.savetxt(tmp_path / "plain.csv", x, delimiter=",")
    header = ",".join(f"pixel_{i}" for i in range(x.shape[1])).replace("pixel_0", "\x1b[2J")
    numpy.savetxt(tmp_path / "named.csv", x, delimiter=",", header=header, comments="")
    status, stdout, err = run("predict", model_path, tmp_path / "plain.csv", "--proba")
    assert status == 0 and err == "plain.csv: 3 samples, no header\n"
    assert len(predictions(stdout)) == 3
    status, stdout, err = run("predict", model_path, tmp_path / "named.csv", "--proba")
    assert status == 0 and len(predictions(stdout)) == 3
    assert err.startswith("named.csv: 3 samples, row 1 is a header (\\x1b[2J, pixel_1, ")
    assert "\x1b" not in err


def test_predict_refuses_nan_samples_in_npy_and_a_npy_claiming_more_than_it_holds(
        model_path, digits, tmp_path):
    x = digits.x_test[:4].copy()
    x[2, 5] = numpy.nan
    numpy.save(tmp_path / "nan.npy", x)
    status, stdout, err = run("predict", model_path, tmp_path / "nan.npy")
    assert status == 2 and stdout == ""
    assert "x holds 1 NaN or infinite value, the first in sample 2" in error_line(err)
    numpy.save(tmp_path / "big.npy", digits.x_test[:2])
    data = (tmp_path / "big.npy").read_bytes().replace(b"(2, 64)", b"(10000000000, 64)")
    (tmp_path / "big.npy").write_bytes(data)
    status, _, err = run("predict", model_path, tmp_path / "big.npy")
    assert status == 2 and error_line(err) == (
        "lucidnet predict: error: big.npy: not a .npy file of numbers that lucidnet can read "
        "(mmap length is greater than file size)")


def test_summary_prints_layers_and_parameter_counts(model_path):
    status, stdout, stderr = run("summary", model_path)
    assert status == 0, stderr
    for line in ("scaling (Normalization)", "hidden_1 (Dense)", "hidden_2 (Dense)",
                 "output (Dense)"):
        assert line in stdout
    assert stdout.count("4,160") == 2 and "650" in stdout  # 64·64 + 64, 64·10 + 10
    # the scaling's mean and variance (one pair for all pixels) are not trained
    assert " Trainable params: 8,970" in stdout and " Non-trainable params: 2" in stdout
    assert " Optimizer params: 17,942" in stdout  # Adam's two moments + step and rate


def test_summary_of_a_missing_model(tmp_path):
    status, _, err = run("summary", tmp_path / "nothing.safetensors")
    assert status == 2 and error_line(err).startswith("lucidnet summary: error: no model file")


# -- activations, lab, help -----------------------------------------------------------
def test_activations_writes_the_gallery_and_prints_the_facts(tmp_path, monkeypatch):
    """The command end to end, on three activations (the whole gallery, one PNG per
    registered activation, is tested in test_plotting.py)."""
    pytest.importorskip("matplotlib")
    from lucidnet import activations

    monkeypatch.setattr(activations, "names", lambda aliases=False: ["maxout", "relu", "softmax"])
    status, stdout, stderr = run("activations", "--out", tmp_path / "gallery")
    assert status == 0, stderr
    names = activations.names()
    written = sorted(p.name for p in (tmp_path / "gallery").iterdir())
    assert written == sorted([f"{n}.png" for n in names] + ["overview.png"])
    assert f"wrote {len(names) + 1} figures to {tmp_path / 'gallery'}/" in stdout
    for name in names:
        assert f"\n{name} " in stdout
    assert "zero-centred" in stdout.splitlines()[0]


def test_activations_without_matplotlib_says_how_to_install_it(tmp_path, monkeypatch):
    for module in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    status, _, err = run("activations", "--out", tmp_path / "gallery")
    assert status == 2
    assert "pip install lucidnet[plot]" in error_line(err)
    assert not (tmp_path / "gallery").exists()


@pytest.mark.parametrize("command", ["train", "evaluate", "predict", "summary", "activations", "lab",
                                     "datasets", "sweep"])
def test_each_command_has_help_with_an_example(command):
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info, contextlib.redirect_stdout(out):
        cli.main([command, "--help"])
    assert exit_info.value.code == 0
    assert f"usage: lucidnet {command}" in out.getvalue()
    assert "example" in out.getvalue() and f"lucidnet {command}" in out.getvalue().split("example")[-1]


def test_python_dash_m_lucidnet_is_the_same_command():
    done = subprocess.run([sys.executable, "-m", "lucidnet", "--help"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: lucidnet")
    for command in ("train", "evaluate", "predict", "summary", "activations", "lab", "datasets"):
        assert command in done.stdout


def test_no_command_is_a_usage_error():
    with pytest.raises(SystemExit) as exit_info, contextlib.redirect_stderr(io.StringIO()):
        cli.main([])
    assert exit_info.value.code == 2


def test_summary_escapes_names_from_the_file(tmp_path):
    model = keras.Sequential([keras.Input(shape=(2,)),
                              keras.layers.Dense(1, name="evil\x1b]0;pwned\x07\x1b[2J\u202e")],
                             name="m\r\nodel")
    model.save(tmp_path / "m.safetensors")
    status, stdout, stderr = run("summary", tmp_path / "m.safetensors")
    assert status == 0, stderr
    assert "evil\\x1b]0;pwned\\x07\\x1b[2J" in stdout  # (the table cuts the rest)
    assert 'Model: "m\\r\\nodel"' in stdout
    assert not any(c in stdout for c in "\x1b\x07\r\u202e")


def help_text(*argv) -> str:
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info, contextlib.redirect_stdout(out):
        cli.main(list(argv))
    assert exit_info.value.code == 0
    return out.getvalue()


def test_version():
    from lucidnet import __version__

    assert help_text("--version").strip() == f"lucidnet {__version__}"


def test_help_lists_the_choices():
    from lucidnet import activations, initializers, lab, losses, optimizers

    words = lambda text: set(text.replace(",", " ").split())  # noqa: E731
    train = help_text("train", "--help")
    for name in datasets.names():
        n, d, task = datasets.catalogue.SIZES[name]
        assert f"{name} " in train and f"{n:,} samples × {d:>6,} features, {task}" in train
    assert {*activations.names(), *initializers.names(), *optimizers.names()} <= words(train)
    assert set(lab.SECTIONS) <= words(help_text("lab", "--help"))
    assert set(losses.names()) <= words(help_text("trace", "--help"))
