"""``torch.optim``: lucidnet's optimizers (PyTorch's rules, names and defaults) over the
facade's Parameters.

Each class is lucidnet's own optimizer; it only unwraps the facade Parameters it is given
into the lucidnet Parameters they hold, so ``step()`` and ``zero_grad()`` are the engine's
and ``lr_scheduler`` schedules them as it schedules any lucidnet optimizer.
"""

from lucidnet import optim as core_optim
from lucidnet.torch._unsupported import missing
from lucidnet.torch.optim import lr_scheduler
from lucidnet.torch._tensor import core


class _TakesFacadeParameters:
    """Unwraps facade Parameters as a group is added (at construction too)."""

    def add_param_group(self, param_group: dict) -> None:
        params = param_group["params"]
        params = [params] if not isinstance(params, (list, tuple)) and hasattr(
            params, "core") else list(params)
        super().add_param_group({**param_group, "params": [core(p) for p in params]})


class SGD(_TakesFacadeParameters, core_optim.SGD):
    __doc__ = core_optim.SGD.__doc__


class Adam(_TakesFacadeParameters, core_optim.Adam):
    __doc__ = core_optim.Adam.__doc__


class AdamW(_TakesFacadeParameters, core_optim.AdamW):
    __doc__ = core_optim.AdamW.__doc__


class RMSprop(_TakesFacadeParameters, core_optim.RMSprop):
    __doc__ = core_optim.RMSprop.__doc__


class Adagrad(_TakesFacadeParameters, core_optim.Adagrad):
    __doc__ = core_optim.Adagrad.__doc__


Optimizer = core_optim.Optimizer

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]


def __getattr__(name):
    raise missing("torch.optim", name)
