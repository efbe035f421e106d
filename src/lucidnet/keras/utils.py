"""``keras.utils``: ``to_categorical``, ``set_random_seed`` and ``PyDataset``."""

from lucidnet.backend import manual_seed as set_random_seed  # noqa: F401
from lucidnet.datasets import to_categorical  # noqa: F401
