"""Weight penalties added to the training loss (Keras names and defaults).

A penalty R(W) joins the loss: L_total = L + Σ R(W). Its gradient is added to the
weight's gradient by autograd, so nothing else changes:
L2: R = λ·ΣW², dR/dW = 2λW (weight decay); L1: R = λ·Σ|W|, dR/dW = λ·sign(W)
(sparsity: pushes small weights to exactly 0).
"""

from __future__ import annotations

from lucidnet.errors import unknown_name


class Regularizer:
    """Base: ``penalty = regularizer(weight)`` is a scalar Tensor."""

    def get_config(self) -> dict:
        return {}


class L1L2(Regularizer):
    """R(W) = l1·Σ|W| + l2·ΣW² (both default to 0, as Keras)."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, W):
        penalty = 0
        if self.l1:
            penalty = penalty + self.l1 * abs(W).sum()
        if self.l2:
            penalty = penalty + self.l2 * (W * W).sum()
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """R(W) = l1·Σ|W| (Keras default l1 = 0.01)."""

    def __init__(self, l1: float = 0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """R(W) = l2·ΣW² (Keras default l2 = 0.01)."""

    def __init__(self, l2: float = 0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


l1, l2, l1_l2 = L1, L2, L1L2
_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2}


def get(identifier):
    """A regularizer from None, a name ('l1', 'l2', 'l1_l2'), a config dict or an object."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, dict):
        cls = _BY_NAME.get(identifier.get("class_name"))
        if cls is None:
            raise unknown_name("regularizer", identifier.get("class_name"), _BY_NAME)
        return cls(**identifier.get("config", {}))
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise unknown_name("regularizer", identifier, _BY_NAME)
        return _BY_NAME[identifier]()
    if callable(identifier):
        return identifier
    raise TypeError(f"expected a regularizer name, config or callable, got {type(identifier).__name__}")


def serialize(regularizer):
    """Keras's config dict of a regularizer (``None`` stays ``None``); one that ``get``
    could not rebuild (a function, an unregistered class) is refused, named."""
    if regularizer is None:
        return None
    name = type(regularizer).__name__
    if _BY_NAME.get(name) is not type(regularizer):
        raise ValueError(f"regularizer {getattr(regularizer, '__qualname__', regularizer)!r} is "
                         f"not one of {sorted(set(_BY_NAME))}, so a model file cannot rebuild it")
    return {"class_name": name, "config": regularizer.get_config()}
