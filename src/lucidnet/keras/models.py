"""Keras models: ``Sequential`` and the functional ``Model(inputs, outputs)``.

Both are lucidnet Modules, so the PyTorch-style loop works on them too; ``compile``,
``fit``, ``evaluate`` and ``predict`` hand the work to :mod:`lucidnet.training`.
"""

from __future__ import annotations

import numpy

from lucidnet.keras.layers import InputLayer, KerasTensor, Layer
from lucidnet.nn.module import LAYERS


def _flatten(structure) -> list:
    if isinstance(structure, dict):
        return list(structure.values())
    if isinstance(structure, (list, tuple)):
        return list(structure)
    return [structure]


def _topological(outputs: list[KerasTensor]) -> list[KerasTensor]:
    """The symbolic tensors from the inputs to ``outputs``, each after its inputs."""
    order, seen, stack = [], set(), [(t, False) for t in reversed(outputs)]
    while stack:
        t, ready = stack.pop()
        if ready:
            order.append(t)
        elif id(t) not in seen:
            seen.add(id(t))
            stack.append((t, True))
            stack.extend((i, False) for i in t.inputs if id(i) not in seen)
    return order


@LAYERS.register("keras.Model")
class Model(Layer):
    """A model of layers: functional ``Model(inputs, outputs)``, or a base class.

    ``outputs`` may be one symbolic tensor, a list or a dict (multi-task heads: fit
    takes a loss, targets and loss weight per head, by name or position).
    """

    def __init__(self, inputs=None, outputs=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.compiled = None
        if inputs is not None:
            self._init_graph(inputs, outputs)

    def _init_graph(self, inputs, outputs) -> None:
        self.inputs = _flatten(inputs)
        if len(self.inputs) != 1:
            raise ValueError(f"a functional model takes one input, got {len(self.inputs)}")
        self.outputs = outputs
        self._nodes = _topological(_flatten(outputs))
        for t in self._nodes:
            if t.layer is not None and t.layer.name not in self._modules:
                setattr(self, t.layer.name, t.layer)
        self.output_names = (
            list(outputs) if isinstance(outputs, dict)
            else [t.layer.name for t in _flatten(outputs)]
        )
        self.built = True

    @property
    def layers(self) -> list[Layer]:
        """The layers in order (Input layers of a functional model included)."""
        return [m for m in self._modules.values() if isinstance(m, Layer)]

    def call(self, x):
        values = {}
        for t in self._nodes:
            if isinstance(t.layer, InputLayer):
                values[id(t)] = t.layer(x)
            else:
                values[id(t)] = t.layer(*[values[id(i)] for i in t.inputs])
        if isinstance(self.outputs, dict):
            return {k: values[id(t)] for k, t in self.outputs.items()}
        if isinstance(self.outputs, (list, tuple)):
            return [values[id(t)] for t in self.outputs]
        return values[id(self.outputs)]

    @property
    def losses(self) -> list:
        return [p for layer in self.layers for p in layer.losses]

    def count_params(self) -> int:
        return self.num_parameters()

    # -- printing -----------------------------------------------------------------
    def summary(self, print_fn=print) -> None:
        """Print Keras's table: layer (type), output shape, parameter count, totals."""
        rows = [("Layer (type)", "Output Shape", "Param #")]
        for layer in self.layers:
            shape = "?" if layer.output_shape is None else str(layer.output_shape)
            rows.append((f"{layer.name} ({type(layer).__name__})", shape, f"{layer.num_parameters():,}"))
        widths = (33, 26, 12)
        line = "".join(f"{{:<{w}}}" for w in widths[:2]) + f"{{:>{widths[2]}}}"
        total = self.num_parameters()
        trainable = self.num_parameters(trainable_only=True)
        rule = "_" * sum(widths)
        out = [f'Model: "{self.name}"', rule, line.format(*rows[0]), "=" * sum(widths)]
        for i, row in enumerate(rows[1:]):
            out.append(line.format(*row))
            out.append("_" * sum(widths) if i < len(rows) - 2 else "=" * sum(widths))
        if len(rows) == 1:
            out.append("=" * sum(widths))
        for label, n in (("Total", total), ("Trainable", trainable), ("Non-trainable", total - trainable)):
            out.append(f"{label} params: {n:,} ({_bytes(n * self._itemsize())})")
        out.append(rule)
        print_fn("\n".join(out))

    def _itemsize(self) -> int:
        params = list(self.parameters())
        return params[0].data.itemsize if params else 4

    def get_config(self) -> dict:
        return {"name": self.name}


def _bytes(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n:.2f} B"


@LAYERS.register("keras.Sequential")
class Sequential(Model):
    """A plain stack of layers: ``Sequential([Dense(64, activation='relu'), ...])`` or
    ``model.add(layer)``. Built as soon as the input shape is known (an ``input_shape``
    on the first layer, an ``Input``, or the first batch)."""

    def __init__(self, layers=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self._stack: list[Layer] = []
        self._input_shape = None
        self.built = False
        for layer in layers or []:
            self.add(layer)

    def add(self, layer) -> None:
        """Append a layer (or an ``Input``, which fixes the input shape)."""
        if isinstance(layer, KerasTensor):
            self._input_shape = layer.shape
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add expects a keras layer, got {type(layer).__name__}")
        if layer.name in self._modules:
            raise ValueError(f"two layers named {layer.name!r} in {self.name!r}; names must be unique")
        setattr(self, layer.name, layer)
        self._stack.append(layer)
        if self._input_shape is None and len(self._stack) == 1:
            self._input_shape = layer.input_shape_hint
        if self._input_shape is not None:
            self.build(self._input_shape)

    def pop(self) -> Layer:
        layer = self._stack.pop()
        delattr(self, layer.name)
        self._modules.pop(layer.name, None)
        return layer

    @property
    def layers(self) -> list[Layer]:
        return list(self._stack)

    def build(self, input_shape) -> None:
        """Build every layer by passing a symbolic input of ``input_shape`` through."""
        self._input_shape = tuple(input_shape)
        t = KerasTensor(self._input_shape)
        for layer in self._stack:
            t = layer(t)
        self.output_shape = t.shape
        self.built = True

    def __call__(self, x):
        if not self.built and not isinstance(x, KerasTensor):
            self.build((None, *numpy.shape(x)[1:]))
        return super().__call__(x)

    def call(self, x):
        for layer in self._stack:
            x = layer(x)
        return x

    def get_config(self) -> dict:
        config = {"name": self.name}
        if self._input_shape is not None:
            config["input_shape"] = list(self._input_shape[1:])
        return config
