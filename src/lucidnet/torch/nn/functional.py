"""``torch.nn.functional`` over lucidnet's Functions (PyTorch's names, arguments, defaults).

Each function unwraps its facade Tensors, calls the one lucidnet Function or loss
module that computes it (:mod:`lucidnet.functional`, :mod:`lucidnet.nn`), and wraps
the result. ``F.linear(x, A, b)`` is X Aᵀ + b with A in PyTorch's (out, in) layout: the
same :class:`~lucidnet.nn.layers.LinearFunction`, told the layout.
"""

from __future__ import annotations

import warnings

from lucidnet import nn as core_nn
from lucidnet.functional import activations as A
from lucidnet.functional.losses import one_hot as one_hot_of
from lucidnet.nn.layers import LinearFunction
from lucidnet.torch._unsupported import missing, unsupported
from lucidnet.torch._tensor import Tensor, core, wrap


def _reduction(size_average, reduce, reduction: str) -> str:
    if size_average is not None or reduce is not None:
        raise unsupported("the deprecated size_average and reduce arguments (use reduction=)")
    return reduction


def check_linear(x, weight) -> None:
    """PyTorch's refusals for X Aᵀ: mixed dtypes (no silent cast), mismatched features."""
    if x.dtype != weight.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {x.dtype} "
                           f"and {weight.dtype}")
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                           f"({tuple(x.shape)} and {tuple(weight.shape[::-1])})")


def linear(input, weight, bias=None) -> Tensor:  # noqa: A002 (PyTorch's names)
    """Y = X Aᵀ + b, A (out_features, in_features) as PyTorch stores it."""
    check_linear(input, weight)
    return wrap(LinearFunction.apply(core(input), core(weight), core(bias), transposed=True))


def relu(input, inplace: bool = False) -> Tensor:  # noqa: A002
    return wrap(A.relu(core(input)))


def sigmoid(input) -> Tensor:  # noqa: A002
    return wrap(A.sigmoid(core(input)))


def tanh(input) -> Tensor:  # noqa: A002
    return wrap(A.tanh(core(input)))


def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    return wrap(A.leaky_relu(core(input), negative_slope))


def elu(input, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    return wrap(A.elu(core(input), alpha))


def selu(input, inplace: bool = False) -> Tensor:  # noqa: A002
    return wrap(A.selu(core(input)))


def gelu(input, approximate: str = "none") -> Tensor:  # noqa: A002
    return wrap(A.gelu(core(input), approximate))


def silu(input, inplace: bool = False) -> Tensor:  # noqa: A002
    return wrap(A.silu(core(input)))


def prelu(input, weight) -> Tensor:  # noqa: A002
    """x for x > 0, a·x otherwise; ``weight`` a, one slope or one per channel (axis 1)."""
    return wrap(A.prelu(core(input), core(weight)))


def softplus(input, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    return wrap(A.softplus(core(input), beta, threshold))


def _implicit_dim(x, dim) -> int:
    """PyTorch's (deprecated) choice when ``dim`` is omitted: 0 for 0-, 1- and 3-d, else 1."""
    if dim is not None:
        return dim
    warnings.warn("Implicit dimension choice for softmax has been deprecated. Change the call "
                  "to include dim=X as an argument.", UserWarning, stacklevel=3)
    return 0 if x.ndim in (0, 1, 3) else 1


def softmax(input, dim=None, dtype=None) -> Tensor:  # noqa: A002
    x = input if dtype is None else input.type(dtype)
    return x.softmax(_implicit_dim(x, dim))


def log_softmax(input, dim=None, dtype=None) -> Tensor:  # noqa: A002
    x = input if dtype is None else input.type(dtype)
    return x.log_softmax(_implicit_dim(x, dim))


def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    return wrap(core_nn.dropout(core(input), p, training))


def batch_norm(input, running_mean, running_var, weight=None, bias=None,  # noqa: A002
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    def array(t):
        return None if t is None else core(t).data

    return wrap(core_nn.batch_norm(core(input), array(running_mean), array(running_var),
                                   core(weight), core(bias), training, momentum, eps))


def one_hot(tensor, num_classes: int = -1) -> Tensor:
    indices = core(tensor).data
    C = int(indices.max()) + 1 if num_classes == -1 else num_classes
    return wrap(one_hot_of(indices, C, indices.ndim, indices.dtype))  # classes on a new last axis


# -- losses: lucidnet's loss modules, which follow PyTorch's conventions --------------------
def _loss(module, input, target) -> Tensor:  # noqa: A002
    return wrap(module(core(input), core(target)))


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean") -> Tensor:  # noqa: A002
    reduction = _reduction(size_average, reduce, reduction)
    return _loss(core_nn.MSELoss(reduction=reduction), input, target)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean") -> Tensor:  # noqa: A002
    reduction = _reduction(size_average, reduce, reduction)
    return _loss(core_nn.L1Loss(reduction=reduction), input, target)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,  # noqa: A002
                         reduction="mean") -> Tensor:
    if weight is not None:
        raise unsupported("binary_cross_entropy(weight=...)")
    reduction = _reduction(size_average, reduce, reduction)
    return _loss(core_nn.BCELoss(reduction=reduction), input, target)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,  # noqa: A002
                                     reduce=None, reduction="mean", pos_weight=None) -> Tensor:
    if weight is not None:
        raise unsupported("binary_cross_entropy_with_logits(weight=...) (pos_weight is offered)")
    reduction = _reduction(size_average, reduce, reduction)
    pos_weight = None if pos_weight is None else core(pos_weight).data
    return _loss(core_nn.BCEWithLogitsLoss(pos_weight=pos_weight, reduction=reduction),
                 input, target)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,  # noqa: A002
                  reduce=None, reduction="mean", label_smoothing=0.0) -> Tensor:
    """Softmax cross-entropy of logits against class indices or probabilities."""
    if weight is not None or ignore_index != -100:
        raise unsupported("cross_entropy(weight=..., ignore_index=...)")
    reduction = _reduction(size_average, reduce, reduction)
    return _loss(core_nn.CrossEntropyLoss(reduction=reduction, label_smoothing=label_smoothing),
                 input, target)


def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6,  # noqa: A002
                      reduction: str = "mean") -> Tensor:
    """½(ln max(var, eps) + (ŷ − y)²/max(var, eps)) (+ ½ ln 2π when ``full``)."""
    module = core_nn.GaussianNLLLoss(full=full, eps=eps, reduction=reduction)
    return wrap(module(core(input), core(target), core(var)))


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100,  # noqa: A002
             reduce=None, reduction="mean") -> Tensor:
    if weight is not None or ignore_index != -100:
        raise unsupported("nll_loss(weight=..., ignore_index=...)")
    reduction = _reduction(size_average, reduce, reduction)
    return _loss(core_nn.NLLLoss(reduction=reduction), input, target)


def __getattr__(name):
    raise missing("torch.nn.functional", name)

