"""Small datasets that need no download: scikit-learn's bundled copies, and the
course's synthetic house prices.

The files are read straight from scikit-learn's ``datasets/data`` folder with
numpy, without importing scikit-learn (which takes over a second). Each loader
returns ``(x, y, names)``: the raw features (float64, N × D), the targets, and the
class names (classification) or target names (regression).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np


def _sklearn_file(name: str) -> Path:
    """Path of scikit-learn's bundled data file ``name``, found without importing it."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None:
        raise ModuleNotFoundError(
            "the embedded datasets are read from scikit-learn's bundled files: "
            "pip install scikit-learn (or lucidnet[sklearn])"
        )
    return Path(spec.submodule_search_locations[0], "datasets", "data", name)


def _labelled_csv(name: str):
    """scikit-learn's CSV layout: a header ``n_samples,n_features,class names…``,
    then one row per sample, the features followed by the integer class."""
    path = _sklearn_file(name)
    with open(path, encoding="ascii") as f:
        class_names = tuple(f.readline().strip().split(",")[2:])
        table = np.loadtxt(f, delimiter=",")
    return table[:, :-1], table[:, -1].astype(np.int64), class_names


def digits():
    """Handwritten digits: 1797 images 8×8, flattened to 64 pixels of value 0..16;
    classes 0..9 (the UCI "optical recognition" test set)."""
    table = np.loadtxt(_sklearn_file("digits.csv.gz"), delimiter=",")
    return table[:, :-1], table[:, -1].astype(np.int64), tuple("0123456789")


def breast_cancer():
    """Wisconsin diagnostic breast cancer: 569 tumours, 30 measurements of their
    cell nuclei; 0 = malignant (212), 1 = benign (357)."""
    return _labelled_csv("breast_cancer.csv")


def wine():
    """Wine recognition: 178 Italian wines, 13 chemical measurements; 3 cultivars."""
    return _labelled_csv("wine_data.csv")


def iris():
    """Fisher's iris: 150 flowers, sepal and petal length and width in cm; 3 species."""
    return _labelled_csv("iris.csv")


def diabetes():
    """Diabetes (Efron et al. 2004): 442 patients, 10 baseline variables (age, sex,
    BMI, blood pressure, six blood serum measurements), raw and unscaled; target:
    a measure of disease progression one year later (25..346)."""
    x = np.loadtxt(_sklearn_file("diabetes_data_raw.csv.gz"))
    y = np.loadtxt(_sklearn_file("diabetes_target.csv.gz"))
    return x, y, ("progression",)


def linnerud():
    """Linnerud: 20 middle-aged men; features: chin-ups, sit-ups, jumps; three
    targets to predict together (multi-task): weight (lb), waist (in), pulse."""
    tables = []
    for name in ("linnerud_exercise.csv", "linnerud_physiological.csv"):
        with open(_sklearn_file(name), encoding="ascii") as f:
            header = tuple(f.readline().split())
            tables.append(np.loadtxt(f))
    return tables[0], tables[1], header


#: The course's house prices: price [k€] = HOUSE_W · [area m², age years] + HOUSE_B + noise.
HOUSE_W = np.array([3.0, -1.5])  # k€ per m², k€ per year of age
HOUSE_B = 50.0  # k€
HOUSE_NOISE = 20.0  # k€, standard deviation of the Gaussian noise


def house_prices(n_samples: int = 500, seed: int = 0):
    """The course's synthetic house prices, with the true parameters.

    area ~ U(40, 200) m², age ~ U(0, 50) years,
    price = 3.0·area − 1.5·age + 50 + ε,   ε ~ N(0, 20²), all in k€.

    Returns ``x`` (n_samples, 2) = [area, age], ``price`` (n_samples,), and the true
    ``w`` (2,) and ``b`` (``HOUSE_W``, ``HOUSE_B``), to compare with a least-squares
    fit. The same seed gives the same houses.
    """
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.uniform(40, 200, n_samples), rng.uniform(0, 50, n_samples)])
    price = x @ HOUSE_W + HOUSE_B + rng.normal(0, HOUSE_NOISE, n_samples)
    return x, price, HOUSE_W.copy(), HOUSE_B
