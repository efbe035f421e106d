"""TensorBoard event files, written by tensorboardX: the writer a PyTorch-style loop uses.

``SummaryWriter`` is tensorboardX's class (the one ``torch.utils.tensorboard`` offers
under the same name and methods), imported on first use::

    from lucidnet.tensorboard import SummaryWriter
    writer = SummaryWriter("runs/mlp")
    writer.add_scalar("loss/train", loss.item(), step)
    writer.add_histogram("fc1/weight", model.fc1.weight.numpy(), epoch)
    writer.close()

Read the logs with ``tensorboard --logdir runs``. Keras's callback is
:class:`lucidnet.training.tensorboard.TensorBoard`. Needs the ``tensorboard`` extra:
``pip install 'lucidnet[tensorboard]'``.
"""

from __future__ import annotations

__all__ = ["SummaryWriter"]


def tensorboardx():
    """The tensorboardX module, or an ImportError naming the extra that installs it."""
    try:
        import tensorboardX
    except ImportError as err:
        raise ImportError("TensorBoard logging needs tensorboardX: "
                          "pip install 'lucidnet[tensorboard]'") from err
    return tensorboardX


def __getattr__(name):
    if name == "SummaryWriter":
        return tensorboardx().SummaryWriter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
