"""``keras.datasets``: the same loaders as :mod:`lucidnet.datasets`, Keras's layout."""

from lucidnet.datasets import fashion_mnist, mnist, reuters  # noqa: F401
