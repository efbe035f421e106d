"""``keras.datasets``: the same loaders as :mod:`lucidnet.datasets`, Keras's layout
(``cifar10`` and the other image sets say that they are out of scope)."""

from lucidnet.datasets import boston_housing, fashion_mnist, imdb, mnist, reuters  # noqa: F401

from lucidnet.keras import unsupported as _unsupported  # noqa: E402

__getattr__ = _unsupported.refuse("keras.datasets", _unsupported.DATASETS)
