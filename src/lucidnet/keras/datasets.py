"""``keras.datasets``: the same loaders as :mod:`lucidnet.datasets`, Keras's layout."""

from lucidnet.datasets import fashion_mnist, mnist, reuters  # noqa: F401

from lucidnet.keras import unsupported as _unsupported  # noqa: E402

__getattr__ = _unsupported.refuse("keras.datasets", _unsupported.DATASETS)
