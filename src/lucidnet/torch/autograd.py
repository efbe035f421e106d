"""``torch.autograd``: ``Function`` with a ``ctx``, static ``forward``/``backward``, ``apply``.

A custom Function runs as one :class:`lucidnet.Function` on the tape: ``apply`` records
it, the engine calls its ``backward`` with dL/dY and sums the gradients it returns into
the inputs, as for every built-in operation. Both methods run without recording.
"""

from __future__ import annotations

from lucidnet import autograd
from lucidnet.autograd import no_grad
from lucidnet.torch._unsupported import missing, unsupported
from lucidnet.torch._tensor import Tensor, core, wrap


class FunctionCtx:
    """What ``forward`` leaves for ``backward``: ``save_for_backward(*tensors)`` then
    ``saved_tensors``, ``needs_input_grad``, and any attribute set on it."""

    def __init__(self, needs_input_grad: tuple):
        self.needs_input_grad = needs_input_grad
        self.saved_tensors = ()

    def save_for_backward(self, *tensors) -> None:
        self.saved_tensors = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        raise unsupported("ctx.mark_non_differentiable")

    def set_materialize_grads(self, value: bool) -> None:
        """Gradients reaching ``backward`` are always arrays here (never None)."""


class _Recorded(autograd.Function):
    """The lucidnet Function that runs a facade Function's forward and backward."""

    def __init__(self, facade, ctx: FunctionCtx, is_tensor: tuple):
        self.facade, self.ctx, self.is_tensor = facade, ctx, is_tensor

    def forward(self, *arrays):
        args = [wrap(a) if t else a for a, t in zip(arrays, self.is_tensor)]
        with no_grad():
            out = self.facade.forward(self.ctx, *args)
        if not isinstance(out, Tensor):
            raise unsupported(f"{self.facade.__name__}.forward returning "
                              f"{type(out).__name__} (one Tensor)")
        return core(out).data

    def backward(self, dY):
        with no_grad():
            grads = self.facade.backward(self.ctx, wrap(dY))
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) != len(self.is_tensor):
            raise RuntimeError(f"function {self.facade.__name__}Backward returned an incorrect "
                               f"number of gradients (expected {len(self.is_tensor)}, "
                               f"got {len(grads)})")
        return tuple(None if g is None else core(g).data if isinstance(g, Tensor) else g
                     for g in grads)


class Function:
    """Subclass with ``@staticmethod forward(ctx, *inputs)`` and
    ``@staticmethod backward(ctx, *grad_outputs)``; call ``MyFunction.apply(x, ...)``."""

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("a torch.autograd.Function subclass defines forward")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a torch.autograd.Function subclass defines backward")

    @classmethod
    def apply(cls, *args):
        is_tensor = tuple(isinstance(a, Tensor) for a in args)
        ctx = FunctionCtx(tuple(t and a.requires_grad for a, t in zip(args, is_tensor)))
        return wrap(_Recorded(cls, ctx, is_tensor)(*(core(a) for a in args)))


def Variable(tensor, requires_grad: bool = False):  # noqa: N802 (PyTorch's legacy name)
    """The legacy wrapper: the tensor itself (``requires_grad`` set when asked)."""
    return tensor.requires_grad_() if requires_grad else tensor


def __getattr__(name):
    raise missing("torch.autograd", name)
