"""``from lucidnet import torch``: PyTorch's names and conventions over lucidnet's engine.

A course-scope PyTorch program runs with its imports changed alone: ``import torch``
becomes ``from lucidnet import torch``, ``import torch.nn as nn`` becomes
``from lucidnet.torch import nn`` (or ``import lucidnet.torch.nn as nn``), and so on for
``nn.functional``, ``nn.init``, ``optim``, ``optim.lr_scheduler``, ``utils.data`` and
``autograd``. Every formula is lucidnet's: the facade only maps names, argument
conventions and layouts (``nn.Linear.weight`` is (out, in) here, as in PyTorch) onto the
same Functions that ``lucidnet.nn`` and ``lucidnet.keras`` use.

What lucidnet does not do (convolutions, CUDA streams, TorchScript, …) raises
:class:`NotSupportedError` naming the feature. Files are safetensors, never pickles.
"""

import numpy

from lucidnet.torch._unsupported import NotSupportedError, missing
from lucidnet.torch._functions import *  # noqa: F401,F403
from lucidnet.torch._functions import no_grad  # noqa: F401  (named for readers)
from lucidnet.torch._tensor import Size, Tensor, device
from lucidnet.torch import autograd, cuda, nn, optim, utils  # noqa: E402

float32 = float = numpy.dtype(numpy.float32)  # noqa: A001 (PyTorch's names)
float64 = double = numpy.dtype(numpy.float64)
float16 = half = numpy.dtype(numpy.float16)
int64 = long = numpy.dtype(numpy.int64)
int32 = int = numpy.dtype(numpy.int32)  # noqa: A001
int16 = short = numpy.dtype(numpy.int16)
int8 = numpy.dtype(numpy.int8)
uint8 = numpy.dtype(numpy.uint8)
bool = numpy.dtype(numpy.bool_)  # noqa: A001
dtype = numpy.dtype

__all__ = ["NotSupportedError", "Size", "Tensor", "autograd", "cuda", "device", "nn", "optim",
           "utils"]


def __getattr__(name):
    raise missing("torch", name)
