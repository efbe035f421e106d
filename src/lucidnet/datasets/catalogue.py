"""One entry point for every dataset, in the form an MLP takes: ``load(name)``.

Features are float32 and 2-D (N, D): images scaled to [0, 1] and flattened,
tables standardized with the training split's mean and std, texts multi-hot
(``sparse=True`` gives a CSR matrix). Class labels are int64 (N,); regression
targets stay in their own units, float32 (N,) or (N, T), not standardized.
``Dataset.scaling`` says how the features were scaled; ``load(name, raw=True)``
leaves them as the files have them, for a model that scales them itself (a
``Normalization`` layer, which a saved model then carries to new raw rows).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import partial

import numpy as np

from lucidnet.datasets import embedded, fashion_mnist, mnist, r8, r52, reuters
from lucidnet.datasets.preprocessing import vectorize_sequences, vectorize_sequences_sparse
from lucidnet.datasets.split import train_test_split

TASKS = ("binary", "multiclass", "multilabel", "regression")


@dataclass(frozen=True, eq=False)
class Dataset:
    """A train/test split ready for training.

    name, task: the catalogue name and one of ``TASKS``.
    x_train, x_test: float32 (N, D) arrays, or CSR matrices for ``sparse=True``.
    y_train, y_test: int64 class labels (N,), or float32 targets (N,) / (N, T).
    num_classes: number of classes; None for regression.
    class_names: the classes in label order; for regression, the target names.
    description: where the data comes from and how it was prepared.
    scaling: (mean, variance) such that the scaled features are (raw − mean)/√variance,
        per feature (arrays of D) or for every value (two floats); None when the
        features are used as they come (texts).
    raw: whether x_train and x_test are the raw features (``load(..., raw=True)``).
    """

    name: str
    task: str
    x_train: object
    y_train: np.ndarray
    x_test: object
    y_test: np.ndarray
    num_classes: int | None
    class_names: tuple[str, ...]
    description: str
    scaling: tuple | None = None
    raw: bool = False

    @property
    def output_units(self) -> int:
        """Width of the network's output layer: 1 for binary (one sigmoid), one
        per class for multiclass and multilabel, one per target for regression."""
        if self.task == "regression":
            return 1 if self.y_train.ndim == 1 else self.y_train.shape[1]
        return 1 if self.task == "binary" else self.num_classes

    def __repr__(self) -> str:
        def shape(a):
            return f"{a.dtype}{tuple(a.shape)}"

        return (f"Dataset(name={self.name!r}, task={self.task!r}, "
                f"x_train={shape(self.x_train)}, y_train={shape(self.y_train)}, "
                f"x_test={shape(self.x_test)}, y_test={shape(self.y_test)}, "
                f"num_classes={self.num_classes})")


def _split(name, task, x, y, class_names, seed, about, standardize, raw, divisor=None):
    """80/20 split with ``train_test_split`` (stratified for classification),
    then float32 features, standardized with the training statistics if asked (or
    divided by ``divisor``), unless ``raw``."""
    classify = task != "regression"
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.2, random_state=seed, stratify=y if classify else None)
    how = f"Split 80/20 ({'stratified, ' if classify else ''}seed {seed})."
    scaling = None
    if standardize:
        mean, std = x_train.mean(axis=0), x_train.std(axis=0)
        scaling = (mean, std ** 2)
        if not raw:
            x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
            how += " Features standardized with the training split's mean and std."
    elif divisor is not None:
        scaling = (0.0, float(divisor) ** 2)
        if not raw:
            x_train, x_test = x_train / divisor, x_test / divisor
    if raw and scaling is not None:
        how += " Raw features (scaling gives the training split's mean and variance)."
    if not classify:
        y_train, y_test = y_train.astype(np.float32), y_test.astype(np.float32)
        how += " Targets in their own units, not standardized."
    return Dataset(name, task, x_train.astype(np.float32), y_train, x_test.astype(np.float32),
                   y_test, len(class_names) if classify else None, tuple(class_names),
                   f"{about} {how}", scaling, raw)


def _digits(seed, raw=False):
    x, y, names = embedded.digits()
    return _split("digits", "multiclass", x, y, names, seed,
                  "Handwritten digits, 1797 images 8x8 (scikit-learn's copy of UCI's); "
                  f"pixels 0..16{'' if raw else ' scaled to [0, 1]'} and flattened to 64 "
                  "features; 10 classes.", standardize=False, raw=raw, divisor=16)


def _table(name, task, about, seed, raw=False):
    """One of ``embedded``'s tables, with standardized features."""
    x, y, names = getattr(embedded, name)()
    return _split(name, task, x, y, names, seed, about, standardize=True, raw=raw)


def _house_prices(seed, n_samples=500, raw=False):
    x, y, w, b = embedded.house_prices(n_samples, seed)
    return _split("house_prices", "regression", x, y, ("price",), seed,
                  f"The course's synthetic house prices: {n_samples} houses, features area (m²) "
                  f"and age (years); price = w·[area, age] + b + N(0, {embedded.HOUSE_NOISE:g}²) "
                  f"in k€ with w = ({w[0]:g}, {w[1]:g}), b = {b:g} (embedded.house_prices "
                  "gives the raw features and the true w and b).",
                  standardize=True, raw=raw)


def _images(name, data, class_names, about, raw):
    """Image arrays from a Keras-style loader, as float32 (N, H·W) in [0, 1] (or raw)."""
    splits = []
    for x, y in data:
        x = x.reshape(len(x), -1).astype(np.float32)
        if not raw:
            x /= 255
        splits += [x, y.astype(np.int64)]
    return Dataset(name, "multiclass", *splits, len(class_names), tuple(class_names),
                   f"{about} Pixels 0..255{'' if raw else ' scaled to [0, 1]'} and flattened "
                   "to 784 features; the official train/test split.", (0.0, 255.0 ** 2), raw)


def _fashion_mnist(seed, path=None, raw=False):
    return _images("fashion_mnist", fashion_mnist.load_data(path), fashion_mnist.CLASS_NAMES,
                   "Fashion-MNIST (Zalando): 70,000 grey 28x28 images of clothing, 10 classes.",
                   raw)


def _mnist(seed, path=None, raw=False):
    return _images("mnist", mnist.load_data(path), tuple("0123456789"),
                   "MNIST: 70,000 grey 28x28 images of handwritten digits, 10 classes.", raw)


def _text(name, data, class_names, num_words, sparse, about):
    """Word-index sequences from a Keras-style loader, as multi-hot rows."""
    vectorize = vectorize_sequences_sparse if sparse else vectorize_sequences
    (x_train, y_train), (x_test, y_test) = data
    form = "a CSR matrix" if sparse else "a dense array"
    return Dataset(name, "multiclass", vectorize(x_train, num_words), y_train,
                   vectorize(x_test, num_words), y_test, len(class_names), tuple(class_names),
                   f"{about} Multi-hot over the word indices below {num_words} (Keras's "
                   f"layout: the {num_words - 3} most frequent words), as {form}.")


def _r8(seed, path=None, num_words=10000, sparse=False, raw=False):
    return _text("r8", r8.load_data(path, num_words=num_words), r8.get_label_names(),
                 num_words, sparse,
                 "R8 (Reuters-21578, Cardoso-Cachopo's single-label ModApté split): "
                 "5485 train and 2189 test newswires, 8 topics; labels in sorted topic order.")


def _r52(seed, path=None, num_words=10000, sparse=False, raw=False):
    return _text("r52", r52.load_data(path, num_words=num_words), r52.get_label_names(),
                 num_words, sparse,
                 "R52 (Reuters-21578, Cardoso-Cachopo's single-label ModApté split): "
                 "6532 train and 2568 test newswires, 52 very imbalanced topics; "
                 "labels in sorted topic order.")


def _reuters(seed, path=None, num_words=10000, sparse=False, raw=False):
    return _text("reuters", reuters.load_data(path=path, num_words=num_words),
                 reuters.get_label_names(), num_words, sparse,
                 "Keras's Reuters newswires: 8982 train and 2246 test, 46 topics "
                 "(Keras's own shuffle with seed 113, not the catalogue seed).")


_CATALOGUE = {
    "digits": _digits,
    "breast_cancer": partial(
        _table, "breast_cancer", "binary",
        "Wisconsin breast cancer: 569 tumours, 30 measurements of cell nuclei; "
        "0 = malignant, 1 = benign."),
    "wine": partial(_table, "wine", "multiclass",
                   "Wine recognition: 178 wines, 13 chemical measurements; 3 cultivars."),
    "iris": partial(_table, "iris", "multiclass",
                   "Fisher's iris: 150 flowers, sepal and petal length and width (cm); 3 species."),
    "diabetes": partial(
        _table, "diabetes", "regression",
        "Diabetes (Efron et al.): 442 patients, 10 baseline variables; target: disease "
        "progression after one year (25..346)."),
    "linnerud": partial(
        _table, "linnerud", "regression",
        "Linnerud: 20 men, 3 exercises (chin-ups, sit-ups, jumps); 3 targets at once "
        "(weight in lb, waist in inches, pulse), for multi-task learning."),
    "house_prices": _house_prices,
    "fashion_mnist": _fashion_mnist,
    "mnist": _mnist,
    "r8": _r8,
    "r52": _r52,
    "reuters": _reuters,
}


SIZES = {
    "digits": (1797, 64, "multiclass"), "breast_cancer": (569, 30, "binary"),
    "wine": (178, 13, "multiclass"), "iris": (150, 4, "multiclass"),
    "diabetes": (442, 10, "regression"), "linnerud": (20, 3, "regression"),
    "house_prices": (500, 2, "regression"), "fashion_mnist": (70000, 784, "multiclass"),
    "mnist": (70000, 784, "multiclass"), "r8": (7674, 10000, "multiclass"),
    "r52": (9100, 10000, "multiclass"), "reuters": (11228, 10000, "multiclass"),
}
"""name → (samples, features, task) without loading: what ``lucidnet train --help`` lists
(``tests/datasets/test_catalogue.py`` checks each against the loaded data)."""


def names() -> list[str]:
    """The names ``load`` accepts."""
    return list(_CATALOGUE)


def load(name: str, seed: int = 0, **kwargs) -> Dataset:
    """Load the catalogue dataset ``name`` as a ``Dataset``.

    ``seed`` picks the train/test split of the small tables and the houses of
    ``house_prices``; the file datasets keep their official split. ``kwargs`` go
    to the loader: ``raw=`` (every dataset: features as the files have them, see
    ``Dataset.scaling``; texts are multi-hot either way), ``path=`` (the file
    datasets), ``num_words=`` and ``sparse=`` (r8, r52, reuters), ``n_samples=``
    (house_prices).
    """
    key = name.lower().replace("-", "_")
    if key not in _CATALOGUE:
        close = difflib.get_close_matches(key, names(), n=3)
        hint = f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""
        raise ValueError(f"unknown dataset {name!r}{hint}; known datasets: {', '.join(names())}")
    return _CATALOGUE[key](seed, **kwargs)
