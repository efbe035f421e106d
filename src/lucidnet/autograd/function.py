"""A differentiable function: its forward and its backward, side by side.

Every operation of lucidnet is a subclass of :class:`Function`. ``forward`` receives
arrays, computes the output and keeps on ``self`` what the backward will need;
``backward`` receives ``dY`` (the gradient of the loss with respect to the output) and
returns the gradient with respect to each input, in the order of the inputs (``None``
for an input that takes no gradient). The engine in :mod:`lucidnet.autograd.tensor`
calls them; nothing about a derivative lives anywhere else.

Example, the whole of a differentiable square::

    class Square(Function):
        '''y = x²;  dy/dx = 2x'''
        def forward(self, x):
            self.x = x
            return x * x
        def backward(self, dY):
            return 2 * self.x * dY

    y = Square.apply(t)
"""

from __future__ import annotations

from lucidnet.autograd import tensor as _tensor


class Function:
    """Base of every differentiable operation (see the module docstring)."""

    inputs: tuple = ()
    needs_grad: tuple = ()
    grad_out: tuple = ()
    """Arrays ``backward`` may write the input gradients into, by input (None or absent:
    a fresh array): an optimizer's gradient buffer, set by the caller, who reads the
    gradients from what ``backward`` returns either way."""

    def forward(self, *arrays):
        raise NotImplementedError(f"{type(self).__name__} defines no forward")

    def backward(self, dY):
        raise NotImplementedError(f"{type(self).__name__} defines no backward")

    @classmethod
    def apply(cls, *inputs, **params):
        """Run ``forward`` on the inputs' arrays and record the call on the tape.

        ``inputs`` are Tensors or constants (arrays, numbers); ``params`` go to the
        constructor (``LeakyReLU.apply(x, negative_slope=0.01)``).
        """
        return cls(**params)(*inputs)

    def __call__(self, *inputs):
        """``apply`` for a Function already constructed (a layer's ``function()``)."""
        Tensor = _tensor.Tensor
        arrays = [t.data if isinstance(t, Tensor) else t for t in inputs]
        out = self.forward(*arrays)
        needs = tuple(isinstance(t, Tensor) and t.requires_grad for t in inputs)
        if _tensor.is_grad_enabled() and any(needs):
            self.inputs, self.needs_grad = inputs, needs
            return Tensor._from_op(out, self)
        return Tensor._from_op(out, None)

    def gradients(self, dY, needs_grad) -> tuple:
        """The input gradients for ``dY``, computing those ``needs_grad`` flags (one
        bool per input), as a tuple: the tape's call of ``backward``, for a caller that
        ran ``forward`` itself (the tape-free step of :mod:`lucidnet.training.step`)."""
        self.needs_grad = tuple(needs_grad)
        grads = self.backward(dY)
        return grads if isinstance(grads, tuple) else (grads,)

    def release(self) -> None:
        """Forget the inputs the tape recorded (what ``forward`` kept stays): a Function
        reused off the tape would otherwise keep its first call's graph alive."""
        self.inputs = ()

    def __repr__(self):
        return f"<{type(self).__name__} backward>"
