"""One buffer per parameter group: a step as a few operations on whole vectors.

An elementwise rule (``Optimizer.elementwise``: SGD, Adam, RMSprop, Adagrad; not one
that takes a norm per parameter, as LARS or LAMB) can run on one vector holding every
parameter of a group instead of once per parameter: for small parameters, where the
Python calls per parameter cost more than the arithmetic, that is much faster.
:class:`FlatGroup` copies the parameters into one contiguous vector θ before the update
and back into each ``Parameter.data`` after it (the arrays stay the parameters' own, so a
handle ``W = layer.weight.data`` stays valid), gathers the gradients into one vector g,
and keeps the optimizer state as vectors; the per-parameter state dicts hold views of
them, so ``state_dict``, ``optimizer.state[p]`` and checkpoints look exactly as without
it. The arithmetic, and so every result, is the same as a step parameter by parameter.

A backward may write the gradients straight into g: :attr:`FlatGroup.slices` are its
slices shaped as the parameters, and a ``.grad`` that is its slice is not copied.
"""

from __future__ import annotations

from lucidnet import backend


SMALL = 16384
"""Mean parameter size up to which a group shares one buffer on the CPU. Measured (Adam,
2 cores): a 64-32-10 network's epoch is 20 % faster with it; for 784-256-256-10 the time
is the same and the gathered gradients cost 20 % more memory: the step is then
memory-bound. On the GPU every group shares one: each operation is a kernel launch,
about 10 µs of the host's time whatever its size, while the copy of the gradients costs
the device microseconds."""


def _is_vector(value, size: int) -> bool:
    return hasattr(value, "shape") and value.ndim == 1 and value.shape[0] == size


class FlatGroup:
    """The parameters of one group as slices of θ, their gradients gathered into g."""

    def __init__(self, params: list, state: dict):
        xp = backend.xp
        self.params = params
        self.bounds, start = [], 0
        for p in params:
            self.bounds.append((start, start + p.size))
            start += p.size
        self.theta = xp.concatenate([p.data.reshape(-1) for p in params])
        self.views = [self.theta[a:b].reshape(p.shape) for p, (a, b) in zip(params, self.bounds)]
        self.grad = xp.empty_like(self.theta)
        self.slices = [self.grad[a:b].reshape(p.shape) for p, (a, b) in zip(params, self.bounds)]
        self.state = self._join([state[p] for p in params]) if state.get(params[0]) else {}
        self._scalars = None  # the state's scalar keys, once the rule has made its state

    @staticmethod
    def fits(params: list, state: dict) -> bool:
        """Whether ``params`` can and should share one buffer now: one float dtype, every
        gradient present, per-parameter states all empty or all alike, and parameters
        small on average (at most :data:`SMALL` entries) or on the GPU, where the Python
        calls and launches saved outweigh the copy of the gradients into g."""
        if not params or any(p.grad is None for p in params):
            return False
        if backend.name != "cupy" and sum(p.size for p in params) > SMALL * len(params):
            return False
        if len({p.dtype for p in params}) != 1:
            return False
        states = [state.get(p) or {} for p in params]
        if not any(states):
            return True
        keys = set(states[0])
        return all(set(s) == keys for s in states) and all(
            s[k] == states[0][k] for s in states for k in keys if not hasattr(s[k], "shape"))

    def gather(self, params: list):
        """g, every gradient in order in one vector, when ``params`` are still this group's
        parameters, of the same sizes and dtype, each with a gradient; else None. θ is
        copied from the parameters (they may have been loaded or changed since); the
        gradients are not copied when each ``.grad`` is its slice of g already."""
        if len(params) != len(self.params):
            return None
        theta, grads, copy = self.theta, [], False
        for p, q, home in zip(params, self.params, self.slices):
            g = p.grad
            if p is not q or g is None or p.data.shape != home.shape or p.dtype != theta.dtype:
                return None
            copy = copy or g is not home
            grads.append(g)
        xp = backend.xp
        xp.concatenate([p.data.reshape(-1) for p in params], out=theta)
        if copy:
            xp.concatenate([g.reshape(-1) for g in grads], out=self.grad)
        return self.grad

    def scatter(self) -> None:
        """Copy the updated θ back into each parameter's own array."""
        for p, view in zip(self.params, self.views):
            p.data[...] = view

    def share_state(self, state: dict) -> None:
        """Let each parameter's state dict show its slice of the state vectors (made
        once, after the first update) and the rule's current scalars (the step count)."""
        if not self.state:  # a rule without state (plain SGD)
            return
        if self._scalars is None:
            self._scalars = [k for k, v in self.state.items() if not _is_vector(v, self.theta.size)]
            for p, (a, b) in zip(self.params, self.bounds):
                # a 0-d parameter's state is 1 element, as in the step without a buffer
                state[p] = {k: v if k in self._scalars else v[a:b].reshape(p.shape or (1,))
                            for k, v in self.state.items()}
            self._shown = [state[p] for p in self.params]
        for k in self._scalars:
            value = self.state[k]
            for shown in self._shown:
                shown[k] = value

    def _join(self, states: list) -> dict:
        xp = backend.xp
        return {k: xp.concatenate([s[k].reshape(-1) for s in states])
                if hasattr(v, "shape") and v.ndim else v
                for k, v in states[0].items()}
