"""``lucidnet train/predict`` as a student meets them: raw rows in, class names out, the
scaling inside the model, regression that starts from the mean, and no silent surprises
(--epochs 0, a run folder overwritten, a loss gone NaN)."""

import contextlib
import io
import json

import numpy
import pytest

from lucidnet import cli, datasets, keras
from lucidnet import io as lio
from lucidnet.datasets import embedded


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main([str(a) for a in argv])
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def cancer_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cancer")
    status, _, stderr = run("train", "breast_cancer", "--epochs", 5, "--quiet", "--out", out)
    assert status == 0, stderr
    return out / "model.safetensors"


def test_raw_csv_rows_get_the_predictions_of_standardized_rows(cancer_run, tmp_path):
    """The issue's case: six raw benign tumours. The model file carries the training
    split's scaling, so raw rows give what the network says of the standardized rows."""
    x, y, _ = embedded.breast_cancer()
    raw = x[y == 1][:6]
    numpy.savetxt(tmp_path / "raw.csv", raw, delimiter=",")
    status, stdout, stderr = run("predict", cancer_run, tmp_path / "raw.csv", "--proba")
    assert status == 0, stderr
    lines = stdout.splitlines()
    assert lines[0] == "index,class,proba_malignant,proba_benign"
    table = numpy.loadtxt(io.StringIO(stdout), delimiter=",", skiprows=1, usecols=(0, 2, 3))
    # the network without its scaling layer, on rows standardized as datasets.load does
    model = keras.models.load_model(cancer_run)
    assert model.layers[0].name == "scaling"
    data = datasets.load("breast_cancer")
    mean, variance = datasets.load("breast_cancer", raw=True).scaling
    standardized = ((raw - mean) / numpy.sqrt(variance)).astype(numpy.float32)
    h = standardized
    for layer in model.layers[1:]:
        h = layer(h)
    numpy.testing.assert_allclose(table[:, 2], h.numpy()[:, 0], rtol=1e-5, atol=1e-6)
    numpy.testing.assert_allclose(table[:, 1] + table[:, 2], 1.0, atol=1e-5)
    numpy.testing.assert_array_equal(table[:, 0], table[:, 2] >= 0.5)
    names = [line.split(",")[1] for line in lines[1:]]
    assert names == ["benign" if i else "malignant" for i in table[:, 0]]
    # and evaluate feeds the raw test split: the same numbers as train's table
    status, stdout, _ = run("evaluate", cancer_run, "breast_cancer")
    results = json.loads((cancer_run.parent / "history.json").read_text())["results"]["test"]
    _, loss, accuracy = stdout.splitlines()[-1].split()
    assert float(loss) == pytest.approx(results["loss"], abs=5e-5)
    assert data.x_test.shape[0] == round(0.2 * 569)


def test_predict_prints_json_with_class_names(cancer_run, tmp_path):
    numpy.save(tmp_path / "rows.npy", embedded.breast_cancer()[0][:3])
    status, stdout, stderr = run("predict", cancer_run, tmp_path / "rows.npy", "--format", "json",
                                 "--proba")
    assert status == 0, stderr
    rows = json.loads(stdout)
    assert [set(r) for r in rows] == [{"index", "class", "proba_malignant", "proba_benign"}] * 3
    assert all(r["class"] == ("benign", "malignant")[r["index"] == 0] for r in rows)


REGRESSION_SETS = [name for name, (_, _, task) in datasets.catalogue.SIZES.items()
                   if task == "regression"]


def test_every_embedded_regression_set_is_tested():
    assert sorted(REGRESSION_SETS) == ["diabetes", "house_prices", "linnerud"]


@pytest.mark.parametrize("name", REGRESSION_SETS)
def test_regression_defaults_against_the_mean_predictor(name, tmp_path):
    """Targets are standardized inside the model (it starts at the training mean): with
    the defaults, every embedded regression set beats predicting the training mean, or
    matches it. House prices and diabetes beat it by far. Linnerud (20 men; 2
    validation and 4 test samples): its best epoch's validation error is within one
    standard error of the start's, so the model keeps predicting the mean, and says so;
    the warning is for a model worse than the mean."""
    status, stdout, stderr = run("train", name, "--quiet", "--out", tmp_path)
    assert status == 0, stderr
    record = json.loads((tmp_path / "history.json").read_text())
    data = datasets.load(name)
    n_train = int(numpy.floor(len(data.y_train) * 0.9))
    mean = data.y_train[:n_train].astype("float64").mean(axis=0)
    baseline = float(numpy.mean((data.y_test - mean) ** 2))
    test = record["results"]["test"]["loss"]
    kept_the_mean = "the model keeps predicting the training mean" in stdout
    assert "is no better than predicting the training mean" not in stderr
    if name == "linnerud":
        assert kept_the_mean
        assert test == pytest.approx(baseline, rel=1e-6)  # float32 predictions of the mean
        model = keras.models.load_model(tmp_path / "model.safetensors")
        numpy.testing.assert_allclose(model.predict(data.x_test, verbose=0),
                                      numpy.broadcast_to(mean, data.y_test.shape), rtol=1e-6)
    else:
        assert not kept_the_mean
        assert test < (0.7 if name == "diabetes" else 0.05) * baseline


def test_one_validation_sample_cannot_show_the_model_beats_the_mean(tmp_path):
    """diabetes: 353 training rows, 0.2 % of them for validation: 1 row, no standard
    error: the start is kept, however much lower the trained model's error on that row."""
    status, stdout, stderr = run("train", "diabetes", "--quiet", "--epochs", 2,
                                 "--validation-split", 0.002, "--out", tmp_path)
    assert status == 0, stderr
    assert "± inf) is not lower than the training mean's" in stdout
    assert "keeps predicting the training mean" in stdout


def test_a_model_worse_than_the_mean_is_reported(tmp_path):
    """Without a validation split nothing is selected: linnerud trained on all 16 samples
    ends worse than the mean on its test split, and the warning says so."""
    status, stdout, stderr = run("train", "linnerud", "--quiet", "--validation-split", 0,
                                 "--out", tmp_path)
    assert status == 0, stderr
    assert "keeps predicting the training mean" not in stdout
    assert "is no better than predicting the training mean" in stderr
    data = datasets.load("linnerud")
    baseline = float(numpy.mean((data.y_test - data.y_train.astype("float64").mean(axis=0)) ** 2))
    assert json.loads((tmp_path / "history.json").read_text())["results"]["test"]["loss"] > baseline


def test_regression_outputs_are_in_the_targets_units(tmp_path):
    status, _, stderr = run("train", "house_prices", "--quiet", "--out", tmp_path)
    assert status == 0, stderr
    x, price, _, _ = embedded.house_prices(5, seed=9)
    numpy.savetxt(tmp_path / "houses.csv", x, delimiter=",", header="area,age", comments="")
    status, stdout, stderr = run("predict", tmp_path / "model.safetensors", tmp_path / "houses.csv")
    assert status == 0, stderr
    assert stdout.splitlines()[0] == "price"
    predicted = numpy.loadtxt(io.StringIO(stdout), skiprows=1)
    assert numpy.abs(predicted - price).max() < 100  # k€; the prices run from 100 to 600
    status, _, err = run("predict", tmp_path / "model.safetensors", tmp_path / "houses.csv",
                         "--proba")
    assert status == 2 and "--proba needs a classification model" in err and "regression" in err


def test_epochs_zero_is_refused(tmp_path):
    status, _, err = run("train", "--epochs", 0, "--out", tmp_path / "run")
    assert status == 2
    assert err.strip() == ("lucidnet train: error: --epochs must be at least 1, got 0: nothing "
                           "would be trained")
    assert not (tmp_path / "run").exists()


def test_a_run_folder_is_never_overwritten(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for expected in ("runs/iris", "runs/iris-2", "runs/iris-3"):
        status, stdout, stderr = run("train", "iris", "--epochs", 1, "--quiet")
        assert status == 0, stderr
        assert f"in {expected}/" in stdout
        assert f"--out {expected}" in (tmp_path / expected / "command.txt").read_text()
    before = (tmp_path / "runs/iris/model.safetensors").read_bytes()
    status, _, err = run("train", "iris", "--epochs", 1, "--quiet", "--out", "runs/iris")
    assert status == 2 and "runs/iris already holds files; pass --overwrite" in err
    assert (tmp_path / "runs/iris/model.safetensors").read_bytes() == before
    status, _, stderr = run("train", "iris", "--epochs", 2, "--quiet", "--out", "runs/iris",
                            "--overwrite")
    assert status == 0, stderr
    assert (tmp_path / "runs/iris/model.safetensors").read_bytes() != before


def test_a_nan_loss_stops_training_and_names_epoch_and_batch(tmp_path):
    status, stdout, err = run("train", "house_prices", "--optimizer", "sgd", "--lr", 10,
                              "--quiet", "--out", tmp_path / "run")
    assert status == 2
    assert err == ("lucidnet train: error: the training loss became nan at epoch 1, batch 2 "
                   "(from 0); nothing was saved: try a smaller learning rate than --lr 10\n")
    # TerminateOnNaN, on by default, said it as it stopped
    assert "Epoch 1, batch 2: invalid loss nan, terminating training" in stdout
    assert not (tmp_path / "run" / "model.safetensors").exists()


def test_datasets_lists_the_data_home(shared_data, monkeypatch):
    monkeypatch.setenv("LUCIDNET_DATA", "")  # restored after the test: --data-dir sets it
    status, stdout, stderr = run("datasets", "--data-dir", shared_data)
    assert status == 0, stderr
    lines = stdout.splitlines()
    assert lines[0].startswith(f"data home: {shared_data} ")
    assert lines[1].split() == ["dataset", "present", "checksum", "folder"]
    rows = {line.split()[0]: line.split() for line in lines[2:9]}
    assert rows["fashion_mnist"] == ["fashion_mnist", "4/4", "ok", str(shared_data / "fashion-mnist")]
    assert rows["imdb"][1:3] == ["0/2", "-"]
    assert rows["reuters"][1:3] == ["22/22", "ok"]
    assert "fetch with --fetch NAME: fashion_mnist, mnist, reuters, imdb, boston_housing" in stdout
    for corpus in ("r8", "r52"):  # no download with a pinned hash: where to get them
        assert (f"{corpus}: download {corpus}-train-all-terms.txt and {corpus}-test-all-terms"
                ".txt from Cardoso-Cachopo's page, http://ana.cachopo.org/") in stdout


def test_data_dir_reaches_the_loaders(tmp_path, monkeypatch):
    monkeypatch.setenv("LUCIDNET_DATA", "")  # restored after the test: --data-dir sets it
    status, _, err = run("train", "fashion_mnist", "--data-dir", tmp_path, "--out", tmp_path / "r")
    assert status == 2
    assert str(tmp_path / "fashion-mnist") in err and "lucidnet datasets --fetch" in err


def test_evaluate_feeds_a_model_without_scaling_the_scaled_features(tmp_path):
    """A model saved before the scaling travelled with it was trained on standardized
    features: evaluate gives it those, as the catalogue makes them."""
    data = datasets.load("iris")
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.save(tmp_path / "old.safetensors")
    status, stdout, stderr = run("evaluate", tmp_path / "old.safetensors", "iris")
    assert status == 0, stderr
    expected = model.evaluate(data.x_test, data.y_test, verbose=0, return_dict=True)
    assert float(stdout.splitlines()[-1].split()[1]) == pytest.approx(expected["loss"], abs=5e-5)
