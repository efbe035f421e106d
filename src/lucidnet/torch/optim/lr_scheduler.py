"""``torch.optim.lr_scheduler``: lucidnet's schedules (they take the facade's optimizers,
which are lucidnet optimizers)."""

from lucidnet.optim.lr_scheduler import (  # noqa: F401
    CosineAnnealingLR,
    ExponentialLR,
    LRScheduler,
    ReduceLROnPlateau,
    StepLR,
)
from lucidnet.torch._unsupported import missing


def __getattr__(name):
    raise missing("torch.optim.lr_scheduler", name)
