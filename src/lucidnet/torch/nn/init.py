"""``torch.nn.init``: lucidnet's initializers, read in PyTorch's weight layout.

PyTorch stores a weight (out, in, …) and lucidnet (…, in, out): each function hands
:mod:`lucidnet.nn.init` the transposed view of the same array, so fan_in and fan_out are
PyTorch's and the draws land in the tensor itself. No gradient is recorded.
"""

from __future__ import annotations

from lucidnet import autograd
from lucidnet.nn import init as core_init
from lucidnet.nn.init import calculate_gain  # noqa: F401 (torch.nn.init.calculate_gain)
from lucidnet.torch._unsupported import missing
from lucidnet.torch._tensor import core


def _view(tensor):
    """The lucidnet layout of ``tensor``'s array: its transpose, sharing the memory."""
    return autograd.Tensor(core(tensor).data.T)


def uniform_(tensor, a: float = 0.0, b: float = 1.0):
    core_init.uniform_(_view(tensor), a, b)
    return tensor


def normal_(tensor, mean: float = 0.0, std: float = 1.0):
    core_init.normal_(_view(tensor), mean, std)
    return tensor


def trunc_normal_(tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0):
    core_init.trunc_normal_(_view(tensor), mean, std, a, b)
    return tensor


def constant_(tensor, val: float):
    core_init.constant_(_view(tensor), val)
    return tensor


def zeros_(tensor):
    return constant_(tensor, 0)


def ones_(tensor):
    return constant_(tensor, 1)


def xavier_uniform_(tensor, gain: float = 1.0):
    core_init.xavier_uniform_(_view(tensor), gain)
    return tensor


def xavier_normal_(tensor, gain: float = 1.0):
    core_init.xavier_normal_(_view(tensor), gain)
    return tensor


def kaiming_uniform_(tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"):
    core_init.kaiming_uniform_(_view(tensor), a, mode, nonlinearity)
    return tensor


def kaiming_normal_(tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"):
    core_init.kaiming_normal_(_view(tensor), a, mode, nonlinearity)
    return tensor


def orthogonal_(tensor, gain: float = 1.0):
    core_init.orthogonal_(_view(tensor), gain)
    return tensor


def __getattr__(name):
    raise missing("torch.nn.init", name)
