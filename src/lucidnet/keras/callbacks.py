"""``keras.callbacks``: the callbacks of :mod:`lucidnet.training` under Keras's names.

A callback passed to ``model.fit(callbacks=[...])`` sees the Keras model as
``self.model``: ``stop_training``, ``optimizer``, ``get_weights()``/``set_weights()``.
"""

from lucidnet.training import (  # noqa: F401
    Callback,
    CSVLogger,
    EarlyStopping,
    Health,
    History,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    TerminateOnNaN,
)
from lucidnet.keras.progbar import ProgbarLogger  # noqa: F401  (Keras 3's format)
from lucidnet.training.tensorboard import TensorBoard  # noqa: F401
