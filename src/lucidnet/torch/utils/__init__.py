"""``torch.utils``: ``data`` (Dataset, TensorDataset, DataLoader)."""

from lucidnet.torch._unsupported import missing
from lucidnet.torch.utils import data  # noqa: F401


def __getattr__(name):
    raise missing("torch.utils", name)
