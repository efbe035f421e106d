"""``torch.nn`` layers, activations and losses: PyTorch's names, defaults and layouts,
each a few lines over :mod:`lucidnet.torch.nn.functional` (and so over lucidnet's
Functions). ``Linear.weight`` is PyTorch's (out_features, in_features).
"""

from __future__ import annotations

import math

from lucidnet import backend
from lucidnet.functional import activations as A
from lucidnet.nn.layers import DropoutFunction, LinearFunction
from lucidnet.torch._functions import full, ones, tensor, zeros
from lucidnet.torch._unsupported import unsupported
from lucidnet.torch.nn import functional as F
from lucidnet.torch.nn import init
from lucidnet.torch.nn.module import Module
from lucidnet.torch._tensor import Parameter, core, wrap


def _empty(*shape) -> Parameter:
    return Parameter(backend.xp.empty(shape, dtype=backend.get_default_dtype()))


# -- layers -----------------------------------------------------------------------------
class Linear(Module):
    """y = x Aᵀ + b with A = ``weight`` (out_features, in_features), b = ``bias``.

    Init as PyTorch: A and b ~ U(−1/√in, 1/√in)."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device=None, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = _empty(out_features, in_features)
        if bias:
            self.bias = _empty(out_features)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()
        if dtype is not None:
            self.to(dtype)

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))  # U(−1/√in, 1/√in)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):  # noqa: A002 (PyTorch's name)
        return F.linear(input, self.weight, self.bias)

    def function(self):
        bias = None if self.bias is None else self.bias.core
        return LinearFunction(transposed=True), (self.weight.core, bias)

    def check_input(self, x) -> None:
        F.check_linear(x, self.weight)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class LazyLinear(Linear):
    """A Linear whose in_features is read from its first input (the same Parameter
    objects, filled then: an optimizer made before the first call updates them)."""

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None):
        Module.__init__(self)
        self.in_features, self.out_features = 0, out_features
        self.weight = _empty(0)
        if bias:
            self.bias = _empty(0)
        else:
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.in_features:
            super().reset_parameters()

    def forward(self, input):  # noqa: A002
        if not self.in_features:
            self.in_features = input.shape[-1]
            self.weight.core.data = backend.xp.empty((self.out_features, self.in_features),
                                                     dtype=self.weight.dtype)
            if self.bias is not None:
                self.bias.core.data = backend.xp.empty(self.out_features, dtype=self.bias.dtype)
            self.reset_parameters()
        return super().forward(input)


class Identity(Module):
    """y = x."""

    def forward(self, input):  # noqa: A002
        return input


class Flatten(Module):
    """Merges the axes start_dim … end_dim into one: (N, 28, 28) → (N, 784)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):  # noqa: A002
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Inverted dropout with drop probability p in training; the identity in eval()."""

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        self.p = p

    def forward(self, input):  # noqa: A002
        return F.dropout(input, self.p, self.training)

    def function(self):
        return (DropoutFunction(self.p), ()) if self.training and self.p else None

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace=False"


class BatchNorm1d(Module):
    """Batch normalization of (N, C) per feature with γ ``weight``, β ``bias`` and the
    running statistics as buffers (lucidnet's BatchNormFunction)."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None, dtype=None):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(ones(num_features))
            self.bias = Parameter(zeros(num_features))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features))
            self.register_buffer("running_var", ones(num_features))
            self.register_buffer("num_batches_tracked", tensor(0))
        else:
            self.running_mean = self.running_var = None

    def forward(self, input):  # noqa: A002
        if input.ndim != 2:
            raise unsupported(f"BatchNorm1d on inputs of shape {tuple(input.shape)} (only (N, C))")
        momentum = 0.0
        if self.training and self.track_running_stats:
            self.num_batches_tracked += 1
            n = int(self.num_batches_tracked)
            momentum = 1 / n if self.momentum is None else self.momentum
        batch_stats = self.training or not self.track_running_stats
        return F.batch_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                            batch_stats, momentum, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


# -- activations ---------------------------------------------------------------------------
class _Activation(Module):
    """An activation module: its lucidnet Function applied to the input."""

    Function = None  # the lucidnet Function class

    def __init__(self, inplace: bool = False):
        super().__init__()

    def forward(self, input):  # noqa: A002
        return wrap(self.Function.apply(core(input)))

    def function(self):
        return self.Function(), ()


class ReLU(_Activation):
    """max(0, x)."""

    Function = A.ReLU


class Sigmoid(_Activation):
    """1 / (1 + e^{−x})."""

    Function = A.Sigmoid


class Tanh(_Activation):
    """(eˣ − e^{−x}) / (eˣ + e^{−x})."""

    Function = A.Tanh


class SELU(Module):
    """λ·ELU(x, α) with PyTorch's λ and α."""

    def __init__(self, inplace: bool = False):
        super().__init__()

    def forward(self, input):  # noqa: A002
        return F.selu(input)


class SiLU(Module):
    """x·σ(x)."""

    def __init__(self, inplace: bool = False):
        super().__init__()

    def forward(self, input):  # noqa: A002
        return F.silu(input)


class LeakyReLU(Module):
    """x for x ≥ 0, negative_slope·x below (0.01 by default, as PyTorch)."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, input):  # noqa: A002
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """x for x > 0, α(eˣ − 1) below."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha = alpha

    def forward(self, input):  # noqa: A002
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class GELU(Module):
    """x·Φ(x) ('none') or its tanh approximation ('tanh')."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):  # noqa: A002
        return F.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class PReLU(Module):
    """x for x > 0, a·x otherwise, with a learned (``weight``: ``num_parameters`` slopes,
    one per channel, all ``init`` = 0.25)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.weight = Parameter(full((num_parameters,), float(init)))

    def forward(self, input):  # noqa: A002
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Softplus(Module):
    """(1/β) ln(1 + e^{βx}), linear above ``threshold``."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):  # noqa: A002
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """e^{xᵢ} / Σⱼ e^{xⱼ} along ``dim``."""

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, input):  # noqa: A002
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """xᵢ − ln Σⱼ e^{xⱼ} along ``dim``."""

    def forward(self, input):  # noqa: A002
        return F.log_softmax(input, self.dim)


# -- losses: loss(input, target) -------------------------------------------------------------
class _Loss(Module):
    function = None  # the F.*_loss function this module applies

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__()
        self.reduction = F._reduction(size_average, reduce, reduction)

    def forward(self, input, target):  # noqa: A002
        return type(self).function(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean of (ŷ − y)² (``reduction``: 'mean', 'sum' or 'none')."""

    function = F.mse_loss


class L1Loss(_Loss):
    """Mean of |ŷ − y|."""

    function = F.l1_loss


class BCELoss(_Loss):
    """−[y ln p + (1 − y) ln(1 − p)] on probabilities p."""

    function = F.binary_cross_entropy

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean"):
        if weight is not None:
            raise unsupported("BCELoss(weight=...)")
        super().__init__(size_average, reduce, reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of σ(o), fused: gradient σ(o) − y."""

    function = F.binary_cross_entropy_with_logits

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean",
                 pos_weight=None):
        if weight is not None:
            raise unsupported("BCEWithLogitsLoss(weight=...)")
        super().__init__(size_average, reduce, reduction)
        self.pos_weight = pos_weight

    def forward(self, input, target):  # noqa: A002
        return F.binary_cross_entropy_with_logits(input, target, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy of logits against class indices or probabilities, fused:
    gradient softmax(o) − y."""

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean", label_smoothing: float = 0.0):
        if weight is not None or ignore_index != -100:
            raise unsupported("CrossEntropyLoss(weight=..., ignore_index=...)")
        super().__init__(size_average, reduce, reduction)
        self.label_smoothing = label_smoothing

    def forward(self, input, target):  # noqa: A002
        return F.cross_entropy(input, target, reduction=self.reduction,
                               label_smoothing=self.label_smoothing)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood with a predicted variance: loss(input, target, var)."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
        super().__init__(reduction=reduction)
        self.full, self.eps = full, eps

    def forward(self, input, target, var):  # noqa: A002
        return F.gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


class NLLLoss(_Loss):
    """−z_y of log-probabilities z (after LogSoftmax)."""

    function = F.nll_loss

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean"):
        if weight is not None or ignore_index != -100:
            raise unsupported("NLLLoss(weight=..., ignore_index=...)")
        super().__init__(size_average, reduce, reduction)


__all__ = ["BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "CrossEntropyLoss", "Dropout", "ELU",
           "Flatten", "GELU", "GaussianNLLLoss", "Identity", "L1Loss", "LazyLinear", "LeakyReLU", "Linear",
           "LogSoftmax", "MSELoss", "NLLLoss", "PReLU", "ReLU", "SELU", "SiLU", "Sigmoid", "Softmax",
           "Softplus", "Tanh"]
