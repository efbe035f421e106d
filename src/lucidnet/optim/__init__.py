"""Optimizers (PyTorch's names and defaults), gradient clipping and learning-rate
schedules. Keras's names and defaults: :mod:`lucidnet.keras.optimizers`.

    optimizer.py     Optimizer (groups, state, step, state_dict), clip_grad_norm_,
                     clip_grad_value_
    sgd.py           SGD: plain, momentum, Nesterov, weight decay
    adaptive.py      Adagrad, RMSprop, Adam, AdamW
    lr_scheduler.py  StepLR, ExponentialLR, CosineAnnealingLR, ReduceLROnPlateau
"""

from lucidnet.optim import lr_scheduler
from lucidnet.optim.adaptive import Adagrad, Adam, AdamW, RMSprop
from lucidnet.optim.optimizer import Optimizer, clip_grad_norm_, clip_grad_value_
from lucidnet.optim.sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "clip_grad_norm_",
           "clip_grad_value_", "lr_scheduler"]
