"""The optimizer registry, under Keras's names: ``get`` and ``names``.

``get('adam')`` returns a new, unbound :class:`lucidnet.optim.Adam` with PyTorch's
defaults; ``get('sgd', lr=0.1)`` or ``get({'class_name': 'sgd', 'config': {'lr': 0.1}})``
passes options; an optimizer object is returned as it is. The training loop binds an
unbound optimizer to the model's parameters. For Keras's argument names and defaults
(``learning_rate``, ``epsilon=1e-7``) use :mod:`lucidnet.keras.optimizers`.
"""

from __future__ import annotations

from lucidnet import optim
from lucidnet.registry import OPTIMIZERS

for _name, _cls in (("sgd", optim.SGD), ("adam", optim.Adam), ("adamw", optim.AdamW),
                    ("rmsprop", optim.RMSprop), ("adagrad", optim.Adagrad)):
    OPTIMIZERS.register(_name, _cls.__name__)(_cls)


def get(identifier, **config):
    """An optimizer for a name, a config dict, a class or an optimizer object."""
    if isinstance(identifier, optim.Optimizer):
        if config:
            raise TypeError(f"options {sorted(config)} given with an optimizer object")
        return identifier
    return OPTIMIZERS.get(identifier, **config)


def names(aliases: bool = False) -> list[str]:
    """Every registered optimizer name (canonical only, unless ``aliases``)."""
    return OPTIMIZERS.names(aliases)
