"""The last layer and the loss for each kind of problem (the course's table), and the
output/loss combinations a student would regret.

=================  ==============  ===========================================  ==========
problem            targets          last layer → loss                            units
=================  ==============  ===========================================  ==========
'binary'           0/1              sigmoid → binary_crossentropy                1
'multiclass'       one class of C   softmax → categorical_crossentropy           C
                                    (sparse_categorical_crossentropy for
                                    class indices)
'multilabel'       several of C     sigmoid → binary_crossentropy                C
'regression'       real values      linear → mean_squared_error                  outputs
'regression_01'    reals in [0, 1]  sigmoid → binary_crossentropy (or mse)       outputs
=================  ==============  ===========================================  ==========

Why the pairs: each is the negative log-likelihood of the output's distribution
(Bernoulli, categorical, Gaussian), and with it the gradient at the logits is
ŷ − y, never vanishing where the output saturates. Sigmoid with MSE instead has
dL/do = 2(ŷ − y)·σ'(o): at o = 5.6, y = 0 it is 0.0073, against 0.9963 with
cross-entropy (:func:`saturation_gradients`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy

from lucidnet import backend, losses
from lucidnet.autograd import Tensor
from lucidnet.errors import LabelError, unknown_name
from lucidnet.registry import ACTIVATIONS, LOSSES


class OutputChoice(NamedTuple):
    """The last layer's activation and the loss (Keras names)."""

    activation: str
    loss: str


PROBLEMS = {
    "binary": OutputChoice("sigmoid", "binary_crossentropy"),
    "multiclass": OutputChoice("softmax", "categorical_crossentropy"),
    "multilabel": OutputChoice("sigmoid", "binary_crossentropy"),
    "regression": OutputChoice("linear", "mean_squared_error"),
    "regression_01": OutputChoice("sigmoid", "binary_crossentropy"),
}
"""problem → (activation, loss), the table of the module docstring."""

LINEAR = frozenset({"linear", "identity"})


def _host(y) -> numpy.ndarray:
    return backend.to_numpy(y.data if isinstance(y, Tensor) else y)


def is_class_indices(y) -> bool:
    """Integer (or boolean) targets of shape (N,) or (N, 1)."""
    y = _host(y)
    return y.dtype.kind in "iub" and (y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1))


def infer_problem(y) -> str:
    """The problem type that targets ``y`` call for.

    - integers or booleans (N,) or (N, 1), or floats all 0/1 of that shape: 'binary'
      when at most 2 distinct values, 'multiclass' (class indices) otherwise;
    - (N, C), C > 1, all 0/1: 'multiclass' when every row holds exactly one 1
      (one-hot), 'multilabel' otherwise;
    - other floats: 'regression_01' when all lie in [0, 1], 'regression' otherwise;
      other integers (N, C) (counts): 'regression'.

    Class indices stored as floats (2.0) read as real values: pass integers. Strings
    must be encoded as integers first.
    """
    y = _host(y)
    if y.size == 0:
        raise ValueError("infer_problem got empty targets")
    if y.dtype.kind not in "iubf":
        raise LabelError(
            f"targets of dtype {y.dtype} cannot be trained on: encode the classes as integers "
            "0..C−1 first (e.g. sklearn.preprocessing.LabelEncoder)"
        )
    column = y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1)
    zero_one = bool(((y == 0) | (y == 1)).all())
    if column and (y.dtype.kind in "iub" or zero_one):
        return "binary" if len(numpy.unique(y)) <= 2 else "multiclass"
    if y.ndim == 2 and zero_one:
        return "multiclass" if bool((y.sum(axis=1) == 1).all()) else "multilabel"
    if y.dtype.kind == "f" and bool(((y >= 0) & (y <= 1)).all()):
        return "regression_01"
    return "regression"


def output_for(problem: str | None = None, y=None) -> OutputChoice:
    """(activation, loss) for ``problem`` (see the module's table); inferred from the
    targets ``y`` when ``problem`` is None.

    Multiclass with class-index targets (integers (N,)) gets
    ``sparse_categorical_crossentropy``; without ``y``, one-hot is assumed.

    >>> output_for('binary')
    OutputChoice(activation='sigmoid', loss='binary_crossentropy')
    """
    if problem is None:
        if y is None:
            raise ValueError("output_for needs a problem name or the targets y")
        problem = infer_problem(y)
    if problem not in PROBLEMS:
        raise unknown_name("problem", problem, PROBLEMS)
    choice = PROBLEMS[problem]
    if problem == "multiclass" and y is not None and is_class_indices(y):
        return OutputChoice("softmax", "sparse_categorical_crossentropy")
    return choice


def saturation_gradients(o: float = 5.6, y: float = 0.0) -> tuple[float, float]:
    """dL/do at logit ``o`` for a sigmoid output ŷ = σ(o) and target y: (MSE, cross-entropy).

        MSE  L = (ŷ − y)²                     dL/do = 2(ŷ − y)·ŷ(1 − ŷ)
        BCE  L = −y log ŷ − (1 − y) log(1 − ŷ)  dL/do = ŷ − y

    At o = 5.6, y = 0: (0.0073, 0.9963): the wrong, saturated unit barely moves with MSE.
    """
    p = 1 / (1 + math.exp(-o))
    return 2 * (p - y) * p * (1 - p), p - y


def _canonical(registry, name):
    if name is None:
        return None
    return registry.canonical(name) if name in registry else name


def check_output(activation: str | None, units: int, loss: str, from_logits: bool = False,
                 problem: str | None = None) -> list[str]:
    """Warnings about an output layer (``activation`` over ``units`` units) trained with
    ``loss``: the combinations that train badly or not at all. Empty when all is well.

    ``problem`` ('binary', 'regression_01'...) silences the sigmoid + MSE warning for
    targets that really are real values in [0, 1]. Keras names; None means linear.
    """
    act = _canonical(ACTIVATIONS, activation) or "linear"
    loss = _canonical(LOSSES, loss)
    out = []
    if act in ("sigmoid", "softmax") and from_logits:
        out.append(
            f"{act} output with from_logits=True: the loss applies {act} again to what are "
            f"already probabilities, so it sees {act}({act}(o)), squeezed near "
            f"{'0.5' if act == 'sigmoid' else 'uniform'}, and learns slowly if at all; use "
            f"a linear output with from_logits=True, or keep {act} with from_logits=False"
        )
    if act == "softmax" and units == 1:
        out.append(
            "softmax over 1 unit always outputs e^o/e^o = 1: the loss is constant and every "
            "gradient 0; use sigmoid for a binary output, or one unit per class"
        )
    real_targets = problem in ("regression", "regression_01")
    if act == "sigmoid" and losses.is_regression(loss) and not real_targets:
        mse, ce = saturation_gradients(5.6, 0.0)
        out.append(
            f"sigmoid with {loss} for classification: where the output saturates on the wrong "
            f"side the gradient vanishes (at o = 5.6, y = 0, dL/do = {mse:.4f} with MSE against "
            f"{ce:.4f} with cross-entropy); use binary_crossentropy (pass "
            "problem='regression_01' if the targets are real values in [0, 1])"
        )
    if act in LINEAR and losses.targets(loss) in ("binary", "probabilities", "class_index") and not from_logits:
        out.append(
            f"linear output with {loss}: the outputs are not probabilities (any real value), "
            "the loss clips them into (0, 1) and gets no gradient outside; use "
            f"{'softmax' if loss != 'binary_crossentropy' else 'sigmoid'}, "
            "or keep the linear output and pass from_logits=True"
        )
    if act == "relu" and loss == "binary_crossentropy":
        out.append(
            "relu output with binary_crossentropy: relu gives values in [0, ∞), not "
            "probabilities; log(1 − ŷ) is undefined from ŷ ≥ 1 on (clipped, no gradient) "
            "and a unit stuck at 0 gets no gradient; use sigmoid"
        )
    if act == "softmax" and units > 1 and loss == "binary_crossentropy":
        out.append(
            "softmax with binary_crossentropy: softmax makes the outputs compete (they sum "
            "to 1) while binary_crossentropy scores them as independent labels; one class per "
            "sample: categorical_crossentropy; several labels per sample: sigmoid"
        )
    if act == "sigmoid" and units > 1 and loss in ("categorical_crossentropy",
                                                  "sparse_categorical_crossentropy"):
        out.append(
            f"sigmoid with {loss}: the outputs do not sum to 1 and the loss only rewards the "
            "true class's output, so nothing pushes the others down; use softmax"
        )
    return out
