"""``torch.utils.tensorboard``: ``SummaryWriter``, tensorboardX's writer (the same class
as :mod:`lucidnet.tensorboard`'s), imported on first use."""

from __future__ import annotations


def __getattr__(name):
    if name == "SummaryWriter":
        from lucidnet.tensorboard import SummaryWriter

        return SummaryWriter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
