"""The tape-free training step: the model's chain rule walked by hand.

        ŷ = f(x; θ);  L = ℓ(y, ŷ);  dL/dŷ = ℓ.backward(1);
        (·, dL/dθ) = f.backward(dL/dŷ);  θ.grad = dL/dθ;  step()

When the model is one Function (``function_of(model)``: a Chain of layers whose forward
is their Function), ``fit`` runs each batch after the first through :class:`TapeFreeStep`:
the same Functions in the same order as ``model(x)`` and ``L.backward()``, so the same
numbers bit for bit, without a Tensor or tape entry per layer. It calls only the public
face of a Function (``forward``, ``gradients``, ``grad_out``, ``release``).
"""

from __future__ import annotations

from lucidnet import backend
from lucidnet.autograd import Tensor, no_grad


def _as_given(prepared, a) -> bool:
    """Whether a loss's prepared target is the batch's targets ``a`` as they came: the
    array itself, a Tensor of it, or an equal copy of the same type, dtype and shape."""
    if prepared is a or (isinstance(prepared, Tensor) and prepared.data is a):
        return True
    return (type(prepared) is type(a) and prepared.dtype == a.dtype
            and prepared.shape == a.shape and bool(backend.xp.array_equal(prepared, a)))


def loss_function(head, loss, pred, y, targets=None):
    """The loss's one Function, when a step may call it on the batch's (y, ŷ) itself:
    ``loss`` (the first step's L, on the tape) is that Function's output and its inputs
    are the batch's targets ``y`` as they came (the loss prepared nothing but a copy) and
    ``pred``. The checks the loss makes of y at every batch are then made here over all
    the ``targets`` (against a uniform ŷ of 1/C; None: made already); its checks of ŷ ran
    on the first batch. Else None: the step runs the loss on the tape from ŷ as a leaf."""
    fn = loss.grad_fn
    if fn is None or loss.ndim or len(fn.inputs) != 2 or fn.inputs[1] is not pred:
        return None
    if not _as_given(fn.inputs[0], y) or tuple(fn.needs_grad) != (False, True):
        return None
    C = pred.shape[-1] if pred.ndim > 1 else 1
    with no_grad():
        for start in range(0, 0 if targets is None else len(targets), 4096):
            rows = targets[start:start + 4096]
            probe = backend.xp.full((len(rows), *pred.shape[1:]), 1 / C, dtype=pred.dtype)
            head.loss(Tensor(rows), Tensor(probe), None)
    fn.release()  # its links to the first step's tape would keep that batch alive
    return fn


def _home(p, slices):
    """Where θ's gradient is written: its slice of the optimizer's buffer, or an array of
    its own (None for an absent parameter)."""
    if p is None:
        return None
    home = slices.get(p)
    return backend.xp.empty_like(p.data) if home is None else home


class TapeFreeStep:
    """One training step without the tape (see the module docstring).

    ``fn``, ``params``: the model as one Function and its parameters (None for an absent
    one); ℓ is ``loss_fn``, the loss's Function called directly, or when None the head's
    loss on the tape from ŷ as a leaf. Each gradient is written where it is read, through
    ``grad_out``: the optimizer's buffer (:meth:`~lucidnet.optim.Optimizer.grad_slices`)
    or this step's own array per parameter; a Function that ignores ``grad_out`` has its
    gradient copied there. A parameter that comes twice (a shared layer) gets the sum.
    """

    def __init__(self, fn, params, head, loss_fn, optimizer):
        self.fn, self.params, self.head, self.loss_fn = fn, params, head, loss_fn
        self.optimizer = optimizer
        held = [p for p in params if p is not None]
        self.shared = len({id(p) for p in held}) != len(held)
        slices = {} if self.shared else optimizer.grad_slices()
        self.homes = [None if self.shared else _home(p, slices) for p in params]
        fn.grad_out = (None, *self.homes)
        self.needs = (False, *[p is not None and p.requires_grad for p in params])
        self.one = None  # dL/dL, made once in the loss's dtype

    def step(self, x, y, w):
        """Train on one batch of arrays (x may be a CSR matrix); returns (L, ŷ) as arrays."""
        fn, params, loss_fn = self.fn, self.params, self.loss_fn
        out = fn.forward(x, *[None if p is None else p.data for p in params])
        if loss_fn is None:
            pred = Tensor(out, requires_grad=True)
            loss = self.head.loss(Tensor(y), pred, None if w is None else Tensor(w))
            loss.backward()
            loss, d_out = loss.data, pred.grad  # None when L does not depend on ŷ
        else:
            loss = loss_fn.forward(y, out)
            if self.one is None or self.one.dtype != loss.dtype:
                self.one = backend.xp.asarray(1, dtype=loss.dtype)
            d_out = loss_fn.gradients(self.one, (False, True))[1]
        self.optimizer.zero_grad()
        if d_out is not None:
            grads = fn.gradients(d_out, self.needs)
            for p, home, g in zip(params, self.homes, grads[1:]):
                if g is None:
                    continue
                if g is home:  # written where the optimizer reads it
                    p.grad = g
                elif p.grad is not None:  # a shared parameter's second share
                    p.grad = p.grad + g
                elif home is None:
                    p.grad = backend.xp.array(g, copy=True)
                else:
                    home[...] = g
                    p.grad = home
        self.optimizer.step()
        return loss, out
