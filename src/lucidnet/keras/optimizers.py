"""``keras.optimizers``: Keras's optimizers, with Keras's names, defaults and rules.

They live in :mod:`lucidnet.optimizers` (the registry under Keras's names, which every
door shares: a name means Keras's optimizer wherever it is given); their rules are the
``rule='keras'`` option of :mod:`lucidnet.optim`'s optimizers. A ``learning_rate`` may
be one of :mod:`~lucidnet.keras.schedules` (``keras.optimizers.schedules``).
"""

from lucidnet.keras import schedules  # noqa: F401  (keras.optimizers.schedules)
from lucidnet.optimizers import SGD, Adagrad, Adam, AdamW, KerasOptimizer, RMSprop, get, names

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "KerasOptimizer", "RMSprop", "get", "names",
           "schedules"]
