"""Layers and models: Module, Parameter, layers, activations, losses, Sequential, init."""

from lucidnet.nn.module import LAYERS, Module, Parameter
from lucidnet.nn.layers import *  # noqa: F401,F403
from lucidnet.nn.normalization import *  # noqa: F401,F403
from lucidnet.nn.activation import *  # noqa: F401,F403
from lucidnet.nn.container import *  # noqa: F401,F403
from lucidnet.nn.loss import *  # noqa: F401,F403
from lucidnet.nn import init  # noqa: F401
