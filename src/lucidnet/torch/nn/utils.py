"""``torch.nn.utils``: gradient clipping (lucidnet's, on the parameters the facade wraps)."""

from lucidnet import optim as core_optim
from lucidnet.torch._unsupported import missing
from lucidnet.torch._tensor import Tensor, core


def _params(parameters):
    return [core(p) for p in ([parameters] if isinstance(parameters, Tensor) else parameters)]


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0):
    """Scale the gradients so that their joint norm is at most ``max_norm``; the norm before."""
    return core_optim.clip_grad_norm_(_params(parameters), max_norm, norm_type)


def clip_grad_value_(parameters, clip_value: float) -> None:
    """Clip every gradient entry into [−clip_value, clip_value]."""
    core_optim.clip_grad_value_(_params(parameters), clip_value)


def __getattr__(name):
    raise missing("torch.nn.utils", name)
