"""The arrays fit, evaluate and predict receive: cast once, checked, split, weighted.

x is cast to the model's float dtype (features, integers included), float targets
and sample weights too; integer targets stay integers (class indices). The cast
happens once per call, so float64 NumPy input to a float32 model costs one copy and
no batch ever carries float64. Inputs, targets and sample weights may be one array, a
dict by name or a list by position; targets and weights keep that structure until the
model's outputs are known, inputs reach the model in it (:meth:`FitData.model_input`).
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy

from lucidnet import backend
from lucidnet.autograd import Tensor
from lucidnet.errors import LabelError, ShapeError
from lucidnet.training.data import DataLoader, TensorDataset, as_batchable, is_sparse
from lucidnet.training.last_layer import infer_problem


def cast(array, dtype, always: bool, what: str):
    """``array`` as a batchable array in ``dtype``: always (features, weights), or only
    when it holds floats (targets: integer class indices stay integers). NaN and ±∞
    are refused (:func:`check_finite`)."""
    array = as_batchable(array, what)
    kind = array.dtype.kind
    if (kind == "f" or (always and kind in "iub")) and array.dtype != dtype:
        with numpy.errstate(over="ignore"):  # what overflows to ±∞ is refused just below
            array = array.astype(dtype)
    check_finite(array, what)
    return array


def check_finite(array, what: str) -> None:
    """ValueError when a float ``array`` (dense or sparse) holds NaN or ±∞: fitting on
    one turns every weight NaN without a word, predicting gives NaN rows."""
    values = array.data if is_sparse(array) else array
    if values.dtype.kind != "f":
        return
    xp = numpy if is_sparse(array) else backend.xp
    # the usual case in one pass and without an (N, D) mask: a NaN or ±∞ makes the sum
    # NaN or ±∞ (finite values whose sum overflows go on to the mask, which decides)
    with numpy.errstate(over="ignore", invalid="ignore"):
        if math.isfinite(float(values.sum())):
            return
    finite = xp.isfinite(values)
    if bool(finite.all()):
        return
    count = int(values.size - xp.count_nonzero(finite))
    where = ""
    if not is_sparse(array):
        rows, bad = values.reshape(len(values), -1), ~finite.reshape(len(values), -1)
        first = int(xp.argmax(bad.any(axis=1)))
        where = f", the first in sample {first} ({float(rows[first][bad[first]][0])})"
    raise ValueError(f"{what} holds {count} NaN or infinite value{'s' * (count > 1)}{where}; "
                     "lucidnet does not fit or predict on missing or infinite values: drop "
                     "or impute them first")


def _is_array_like(value) -> bool:
    return isinstance(value, Tensor) or is_sparse(value) or hasattr(value, "shape")


def structure(values, what: str) -> tuple[list | None, list]:
    """(keys or None, arrays) of targets or sample weights: one array, a dict, or a list
    or tuple of arrays (a Python list of numbers or of rows is one array)."""
    if values is None:
        raise ValueError(f"{what} is missing")
    if isinstance(values, dict):
        return list(values), list(values.values())
    if isinstance(values, (list, tuple)) and values and all(_is_array_like(v) for v in values):
        return None, list(values)
    return None, [values]


def model_inputs(x, dtype) -> tuple[list | None, list, bool]:
    """(keys or None, arrays cast to ``dtype``, whether x was a structure) for x: one
    array, or a dict by input name or a list of arrays (a model of several inputs)."""
    keys, arrays = structure(x, "x")
    several = keys is not None or len(arrays) > 1 or arrays[0] is not x
    return keys, [cast(a, dtype, True, "x") for a in arrays], several


def as_model_input(arrays, keys, several):
    """What the model is called with: the one array, or the list / dict of inputs."""
    if keys is not None:
        return dict(zip(keys, arrays))
    return list(arrays) if several else arrays[0]


class FitData:
    """Inputs, targets and sample weights with N samples each, ready for loaders.

    ``inputs`` are the arrays of x (one, or one per model input, as
    :func:`model_inputs`); ``target_keys``/``weight_keys`` are the dict keys the user
    gave (None for positions); :meth:`index` matches them to the model's output names.
    """

    def __init__(self, inputs, targets=(), target_keys=None, weights=(), weight_keys=None,
                 input_keys=None, several=False):
        self.inputs, self.input_keys, self.several = list(inputs), input_keys, several
        self.targets, self.target_keys = list(targets), target_keys
        self.weights, self.weight_keys = list(weights), weight_keys
        n = self.inputs[0].shape[0]
        for what, arrays in (("x", self.inputs[1:]), ("y", self.targets),
                             ("sample_weight", self.weights)):
            for a in arrays:
                if a.shape[0] != n:
                    raise ShapeError(f"x has {n} samples but {what} has {a.shape[0]}")

    def model_input(self, batch):
        """The model's argument for a batch from :meth:`loader`: its first array, or the
        list / dict of its input arrays."""
        return as_model_input(batch[:len(self.inputs)], self.input_keys, self.several)

    @classmethod
    def prepare(cls, x, y, dtype, sample_weight=None, class_weight=None) -> FitData:
        """Cast and check the arguments of fit/evaluate; fold ``class_weight`` into the
        sample weights (multiplied with ``sample_weight`` when both are given)."""
        target_keys, targets = structure(y, "y")
        targets = [cast(t, dtype, False, "y") for t in targets]
        weight_keys, weights = None, []
        if sample_weight is not None:
            weight_keys, weights = structure(sample_weight, "sample_weight")
            weights = [cast(w, dtype, True, "sample_weight").reshape(-1) for w in weights]
            for w in weights:
                if w.size and float(w.min()) < 0:
                    raise ValueError(f"sample_weight must be ≥ 0 (a weight scales a sample's "
                                     f"loss), got a minimum of {float(w.min()):g}")
        if class_weight is not None:
            if len(targets) != 1:
                raise ValueError("class_weight is only supported for models with a single "
                                 "output; pass sample_weight per output instead")
            per_class = class_weights_to_sample(targets[0], class_weight)
            per_class = backend.asarray(per_class, dtype=dtype)
            weights = [per_class * weights[0]] if weights else [per_class]
        input_keys, inputs, several = model_inputs(x, dtype)
        return cls(inputs, targets, target_keys, weights, weight_keys, input_keys, several)

    def __len__(self):
        return self.inputs[0].shape[0]

    def loader(self, batch_size: int, shuffle: bool = False, seed=None) -> DataLoader:
        """Batches (*inputs, *targets, *weights), each one gather (or a view)."""
        dataset = TensorDataset(*self.inputs, *self.targets, *self.weights)
        return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, seed=seed)

    def split(self, fraction: float) -> tuple[FitData, FitData]:
        """(first 1 − fraction, last fraction) of the samples, in order, as Keras's
        ``validation_split``: N_train = ⌊N(1 − fraction)⌋."""
        n = len(self)
        at = int(math.floor(n * (1.0 - fraction)))
        if at == 0 or at == n:
            raise ValueError(f"validation_split={fraction} leaves no training or no validation "
                             f"sample out of {n}; use more data or another fraction")
        parts = []
        for part in (slice(0, at), slice(at, n)):
            parts.append(FitData([x[part] for x in self.inputs], [t[part] for t in self.targets],
                                 self.target_keys, [w[part] for w in self.weights],
                                 self.weight_keys, self.input_keys, self.several))
        return parts[0], parts[1]

    def index(self, names: list, what: str) -> list:
        """For each output name, the position of its target ('y') or weight
        ('sample_weight') array; None where an output has no weights."""
        keys = self.target_keys if what == "y" else self.weight_keys
        arrays = self.targets if what == "y" else self.weights
        if keys is not None:
            if set(keys) - set(names) or (what == "y" and set(names) - set(keys)):
                raise ValueError(f"{what} keys {keys} do not match the model's outputs {names}")
            return [keys.index(n) if n in keys else None for n in names]
        if what == "sample_weight" and len(arrays) <= 1:
            return [0 if arrays else None] * len(names)  # one array weighs every output
        if len(arrays) != len(names):
            raise ValueError(f"the model has {len(names)} outputs {names}, "
                             f"{what} gives {len(arrays)} arrays")
        return list(range(len(arrays)))


def check_schedule(epochs, initial_epoch, validation_split) -> None:
    """ValueError unless epochs is an integer ≥ 1, initial_epoch one ≥ 0 and
    validation_split in [0, 1)."""
    if not 0.0 <= validation_split < 1.0:
        raise ValueError(f"validation_split must be in [0, 1), got {validation_split}")
    for name, value, least in (("epochs", epochs, 1), ("initial_epoch", initial_epoch, 0)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
            raise ValueError(f"{name} must be an integer ≥ {least}, got {value!r}")


def class_weights_to_sample(y, class_weight: dict):
    """Per-sample weights wᵢ = class_weight[class of sample i]; classes missing from the
    dict weigh 1 (Keras). The class is y for indices, argmax y for one-hot (N, C),
    round(y) for binary (N,) or (N, 1) targets."""
    for k in class_weight:
        if isinstance(k, bool) or not float(k).is_integer() or int(k) < 0:
            raise LabelError(f"class_weight keys must be class indices 0, 1, ..., got {k!r}")
    y = backend.to_numpy(y.data if isinstance(y, Tensor) else y)
    if y.ndim == 2 and y.shape[1] > 1:
        classes = y.argmax(axis=1)
        outside = sorted(int(k) for k in class_weight if int(k) >= y.shape[1])
        if outside:
            raise LabelError(f"class_weight names classes {outside}, but the one-hot targets "
                             f"have {y.shape[1]} classes (0 to {y.shape[1] - 1})")
    else:
        classes = numpy.rint(y.reshape(-1)).astype(numpy.int64)
    if classes.size and classes.min() < 0:
        raise LabelError(f"class_weight needs class indices ≥ 0, the targets hold {classes.min()}")
    for k, w in class_weight.items():
        if isinstance(w, bool) or not isinstance(w, numbers.Real) or not math.isfinite(w) \
                or w < 0:
            raise ValueError(f"class_weight[{k!r}] must be a finite number ≥ 0, got {w!r}")
    absent = sorted(set(int(k) for k in class_weight) - set(numpy.unique(classes).tolist()))
    if absent:
        warnings.warn(f"class_weight names classes {absent} that no target holds; their "
                      "weights are not used (a typo in a class index?)", stacklevel=4)
    size = max([int(k) + 1 for k in class_weight] + [int(classes.max()) + 1])
    table = numpy.ones(size)
    for k, w in class_weight.items():
        table[int(k)] = w
    return table[classes]


def warn_single_class_tail(targets, fraction: float) -> None:
    """Warn when the validation tail of a classification target holds a single class:
    ``validation_split`` takes the last samples, and sorted data put one class there."""
    for y in targets:
        if is_sparse(y):
            continue
        host = backend.to_numpy(y)
        if infer_problem(host) not in ("binary", "multiclass"):
            continue
        classes = host.argmax(axis=1) if host.ndim == 2 and host.shape[1] > 1 else host.reshape(-1)
        values = numpy.unique(classes)
        if len(values) == 1:
            warnings.warn(
                f"validation_split={fraction} holds out the last {len(host)} samples before "
                f"shuffling, and they all belong to class {values[0].item()!r}: the data look "
                "sorted by class; shuffle them first (e.g. sklearn.utils.shuffle)", stacklevel=3)
