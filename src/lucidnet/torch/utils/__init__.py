"""``torch.utils``: ``data`` (Dataset, TensorDataset, DataLoader) and ``tensorboard``
(SummaryWriter, imported on first use)."""

from lucidnet.torch._unsupported import missing
from lucidnet.torch.utils import data, tensorboard  # noqa: F401


def __getattr__(name):
    raise missing("torch.utils", name)
