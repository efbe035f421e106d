"""datasets.load: every name, in the form an MLP takes."""

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest

from lucidnet import datasets
from lucidnet.datasets import embedded, fashion_mnist, mnist

NAMES = ["digits", "breast_cancer", "wine", "iris", "diabetes", "linnerud", "house_prices",
         "fashion_mnist", "mnist", "r8", "r52", "reuters"]


@pytest.fixture
def load(shared_data, fashion, monkeypatch):
    """``datasets.load`` with the real files; Fashion-MNIST comes from the session's
    copy, and MNIST, whose train images are missing, lends its test split to both parts."""
    monkeypatch.setattr(fashion_mnist, "load_data", lambda path=None: fashion)

    def mnist_test_twice(path=None):
        test = mnist.load_test_data(shared_data / "mnist-idx-partial")
        return test, test
    monkeypatch.setattr(mnist, "load_data", mnist_test_twice)
    paths = {"r8": shared_data / "reuters", "r52": shared_data / "reuters",
             "reuters": shared_data / "reuters" / "reuters21578"}

    def load(name, **kwargs):
        if name in paths:
            kwargs = {"path": paths[name], "sparse": True, **kwargs}
        return datasets.load(name, **kwargs)
    return load


def test_names():
    assert datasets.names() == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_every_name_loads_consistently(load, name):
    data = load(name)
    assert data.name == name and data.task in datasets.TASKS and data.description
    for x, y in [(data.x_train, data.y_train), (data.x_test, data.y_test)]:
        assert x.dtype == np.float32 and x.ndim == 2 and x.shape[0] == len(y) > 0
        assert x.shape[1] == data.x_train.shape[1]
        if data.task == "regression":
            assert y.dtype == np.float32 and y.shape[1:] == data.y_train.shape[1:]
        else:
            assert y.dtype == np.int64 and y.ndim == 1
            assert 0 <= y.min() and y.max() < data.num_classes
    if data.task == "regression":
        assert data.num_classes is None and len(data.class_names) == data.output_units
    else:
        assert len(data.class_names) == data.num_classes
        assert set(np.unique(data.y_train)) == set(range(data.num_classes))
        assert data.output_units == (1 if data.task == "binary" else data.num_classes)
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.name = "other"
    assert repr(data).startswith(f"Dataset(name={name!r}, task={data.task!r}, x_train=float32(")
    samples, features, task = datasets.catalogue.SIZES[name]  # what --help says of it
    assert (data.x_train.shape[1], data.task) == (features, task)
    if name != "mnist":  # only MNIST's test split is here, lent to both parts
        assert len(data.y_train) + len(data.y_test) == samples


@pytest.mark.parametrize("name, task, n, features, classes", [
    ("digits", "multiclass", 1797, 64, 10),
    ("breast_cancer", "binary", 569, 30, 2),
    ("wine", "multiclass", 178, 13, 3),
    ("iris", "multiclass", 150, 4, 3),
    ("diabetes", "regression", 442, 10, None),
    ("linnerud", "regression", 20, 3, None),
    ("house_prices", "regression", 500, 2, None),
])
def test_embedded_sets(name, task, n, features, classes):
    data = datasets.load(name, seed=3)
    assert (data.task, data.num_classes) == (task, classes)
    assert len(data.x_test) == int(np.ceil(0.2 * n)) and len(data.x_train) + len(data.x_test) == n
    assert data.x_train.shape[1] == features
    if name == "digits":
        assert data.x_train.min() == 0 and data.x_train.max() == 1
    else:  # standardized with the training split's statistics
        np.testing.assert_allclose(data.x_train.mean(axis=0), 0, atol=1e-5)
        np.testing.assert_allclose(data.x_train.std(axis=0), 1, atol=1e-5)
    again = datasets.load(name, seed=3)
    np.testing.assert_array_equal(again.x_test, data.x_test)
    assert not np.array_equal(datasets.load(name, seed=4).y_test, data.y_test)


def test_linnerud_has_three_targets():
    data = datasets.load("linnerud")
    assert data.y_train.shape == (16, 3) and data.output_units == 3
    assert data.class_names == ("Weight", "Waist", "Pulse")


def test_images_are_flattened_and_scaled(load, fashion):
    data = load("fashion_mnist")
    assert data.x_train.shape == (60000, 784) and data.x_test.shape == (10000, 784)
    assert data.x_train.min() == 0 and data.x_train.max() == 1
    np.testing.assert_array_equal(data.x_train[0] * 255, fashion[0][0][0].reshape(-1))
    assert data.class_names == fashion_mnist.CLASS_NAMES


def test_mnist_without_train_images_fails_clearly(shared_data):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        datasets.load("mnist", path=shared_data / "mnist-idx-partial")


def test_text_is_multi_hot(shared_data):
    data = datasets.load("r8", path=shared_data / "reuters", num_words=1000)
    assert data.x_train.shape == (5485, 1000) and data.x_test.shape == (2189, 1000)
    assert set(np.unique(data.x_train)) == {0, 1} and data.x_train[:, 1].all()  # start_char
    assert data.class_names == datasets.r8.get_label_names()


def test_unknown_name_suggests_the_closest():
    suggestion = r"unknown dataset 'fashion' \(did you mean 'fashion_mnist'\?\)"
    with pytest.raises(ValueError, match=suggestion):
        datasets.load("fashion")
    with pytest.raises(ValueError, match="known datasets: digits, breast_cancer"):
        datasets.load("zzz")
    assert datasets.load("Breast-Cancer").name == "breast_cancer"


def test_house_prices_least_squares_recovers_w_and_b():
    x, price, w, b = embedded.house_prices(n_samples=500, seed=0)
    assert x.shape == (500, 2) and price.shape == (500,)
    X = np.column_stack([x, np.ones(len(x))])
    theta, *_ = np.linalg.lstsq(X, price, rcond=None)
    # standard errors of the least-squares estimate: σ·sqrt(diag((XᵀX)⁻¹))
    se = embedded.HOUSE_NOISE * np.sqrt(np.diag(np.linalg.inv(X.T @ X)))
    assert np.all(np.abs(theta - [*w, b]) < 4 * se)
    assert np.all(se < [0.05, 0.2, 6])  # tight enough to tell the parameters apart
    np.testing.assert_array_equal(embedded.house_prices(500, seed=0)[1], price)


def test_digits_loads_at_once_without_sklearn():
    """``lucidnet train`` defaults to digits: no scikit-learn import, no delay."""
    code = ("import json, sys, time; from lucidnet import datasets; t = time.process_time(); "
            "datasets.load('digits'); print(json.dumps([time.process_time() - t, "
            "'sklearn' in sys.modules]))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds, sklearn_imported = json.loads(run.stdout)
    assert not sklearn_imported and seconds < 0.5
