"""Reverse-mode automatic differentiation: Tensor, Function, the tape, no_grad."""

from lucidnet.autograd.tensor import (
    Tensor,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    tape,
    tensor,
)
from lucidnet.autograd.function import Function
from lucidnet.autograd.ops import concatenate, maximum, minimum, stack, where

__all__ = [
    "Function",
    "Tensor",
    "concatenate",
    "detect_anomaly",
    "enable_grad",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "maximum",
    "minimum",
    "no_grad",
    "stack",
    "tape",
    "tensor",
    "where",
]
