"""lucidnet: deep learning on NumPy with every forward and backward formula written out."""

from lucidnet.autograd import (
    Function,
    Tensor,
    concatenate,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    maximum,
    minimum,
    no_grad,
    stack,
    tensor,
    where,
)
from lucidnet.backend import (
    default_dtype,
    get_default_dtype,
    get_rng_state,
    manual_seed,
    set_backend,
    set_default_dtype,
    set_rng_state,
    use_backend,
)
from lucidnet.denormals import flush_denormal, is_flush_denormal, set_flush_denormal
from lucidnet.threads import get_num_threads, set_num_threads

from lucidnet._version import __version__  # noqa: E402
from lucidnet.io import load, save  # noqa: E402  (model files: lucidnet.save(model, path))
from lucidnet import nn, optim  # noqa: E402,F401  (lucidnet.optim after import lucidnet, as torch.optim)
from lucidnet.tracing import trace  # noqa: E402  (one training step through the chain rule)


def __getattr__(name):
    """``lucidnet.SummaryWriter``: tensorboardX's writer, imported on first use."""
    if name == "SummaryWriter":
        from lucidnet.tensorboard import SummaryWriter

        return SummaryWriter
    raise AttributeError(f"module 'lucidnet' has no attribute {name!r}")
