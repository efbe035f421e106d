"""``keras.utils``: ``to_categorical`` and friends."""

from lucidnet.datasets import to_categorical  # noqa: F401
