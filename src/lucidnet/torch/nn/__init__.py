"""``torch.nn``: Module, Parameter, layers, activations, losses, ``functional``, ``init``."""

from lucidnet.torch._unsupported import missing
from lucidnet.torch.nn import functional, init
from lucidnet.torch.nn.layers import *  # noqa: F401,F403
from lucidnet.torch.nn.module import Module, ModuleDict, ModuleList, Parameter, Sequential
from lucidnet.torch.nn import utils  # noqa: E402


def __getattr__(name):
    raise missing("torch.nn", name)
