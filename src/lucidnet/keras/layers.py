"""Keras-style layers on lucidnet's Modules: built lazily from the first input's shape.

A Keras layer knows its output size but not its input size until it sees data:
``Dense(64)`` creates its kernel in ``build(input_shape)`` on the first call (or at
once when ``input_shape`` is given). The arithmetic is lucidnet's own: ``Dense`` runs
the fused Linear function of :mod:`lucidnet.nn.layers`, the activations come from the
registry. Defaults are Keras's and differ from :mod:`lucidnet.nn` where Keras differs
(Dense: ``glorot_uniform`` kernel and zero bias, where nn.Linear uses PyTorch's
U(−1/√in, 1/√in); LeakyReLU: slope 0.3, where nn.LeakyReLU uses 0.01).
"""

from __future__ import annotations

import itertools
from collections import defaultdict

import numpy

from lucidnet import activations, backend, initializers, nn
from lucidnet.autograd import Tensor, no_grad
from lucidnet.errors import ShapeError
from lucidnet.keras import regularizers
from lucidnet.nn.module import LAYERS

_name_counters: dict[str, itertools.count] = defaultdict(itertools.count)


def _snake(class_name: str) -> str:
    out = "".join("_" + c.lower() if c.isupper() else c for c in class_name).lstrip("_")
    return out.replace("re_l_u", "relu").replace("p_relu", "prelu")


def unique_name(class_name: str) -> str:
    """Keras's automatic names: dense, dense_1, dense_2, ... per layer class."""
    base = _snake(class_name)
    n = next(_name_counters[base])
    return base if n == 0 else f"{base}_{n}"


class KerasTensor:
    """A symbolic tensor of the functional API: a shape and the layer call that makes it.

    ``shape`` includes the batch axis as ``None``.
    """

    def __init__(self, shape, layer=None, inputs=()):
        self.shape = tuple(shape)
        self.layer, self.inputs = layer, tuple(inputs)

    def __repr__(self):
        source = self.layer.name if self.layer is not None else "?"
        return f"<KerasTensor shape={self.shape}, from {source!r}>"


class Layer(nn.Module):
    """Base of Keras layers: lazy ``build``, ``call``, names, regularization losses.

    Subclasses implement ``build(input_shape)`` (create weights; the shape includes
    the batch axis) and ``call(x)``.
    """

    def __init__(self, name=None, input_shape=None, input_dim=None, trainable=True, dtype=None):
        super().__init__()
        self.name = name or unique_name(type(self).__name__)
        if input_dim is not None:
            input_shape = (input_dim,)
        self.input_shape_hint = None if input_shape is None else (None, *input_shape)
        self.built = False
        self.trainable = trainable
        self.dtype_policy = None if dtype is None else backend.xp.dtype(dtype)
        self.output_shape = None

    @property
    def dtype(self):
        return self.dtype_policy or backend.float_dtype

    def build(self, input_shape) -> None:
        self.built = True

    def call(self, x):
        raise NotImplementedError(f"{type(self).__name__} defines no call")

    def __call__(self, x):
        if isinstance(x, KerasTensor):
            return self._symbolic_call(x)
        if not self.built:
            self.build((None, *x.shape[1:]))
            self.built = True
        return self.call(x)

    def _symbolic_call(self, x: KerasTensor) -> KerasTensor:
        if not self.built:
            self.build(x.shape)
            self.built = True
        with no_grad():
            probe = backend.xp.zeros((1, *x.shape[1:]), dtype=self.dtype)
            was_training = self.training
            self.eval()
            y = self.call(Tensor(probe))
            self.train(was_training)
        self.output_shape = (None, *y.shape[1:])
        return KerasTensor(self.output_shape, self, (x,))

    def compute_output_shape(self, input_shape):
        """The output shape for an input shape (batch axis ``None``), by a probe call."""
        return self._symbolic_call(KerasTensor(input_shape)).shape

    @property
    def weights(self):
        return list(self.parameters())

    def get_weights(self):
        """Every weight as a NumPy copy, trainable or not, in ``state_dict`` order: the
        parameters (Dense: kernel (in, out), then bias, as Keras), then the buffers
        (BatchNormalization: running mean, variance, and lucidnet's batch count)."""
        return list(self.state_dict().values())

    def set_weights(self, arrays) -> None:
        """Copy ``arrays``, in :meth:`get_weights` order, into the weights."""
        state = self.state_dict()
        if len(arrays) != len(state):
            raise ValueError(f"{self.label()} has {len(state)} weight arrays "
                             f"({', '.join(state)}), got {len(arrays)}")
        for (name, current), a in zip(state.items(), arrays):
            if numpy.shape(a) != current.shape:
                raise ShapeError(f"{self.label()}: weight {name!r} has shape {current.shape}, "
                                 f"got {numpy.shape(a)}")
        self.load_state_dict(dict(zip(state, arrays)))

    @property
    def losses(self) -> list:
        """Regularization penalties of this layer's weights, as Tensors (Keras's
        ``layer.losses``); the training loop adds them to the loss."""
        return []

    def get_config(self) -> dict:
        config = {"name": self.name}
        if self.input_shape_hint is not None:
            config["input_shape"] = list(self.input_shape_hint[1:])
        return config

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")


def _serialize(initializer) -> dict:
    """An initializer as Keras's config dict ``{'class_name', 'config'}``."""
    from lucidnet.registry import INITIALIZERS

    return {"class_name": INITIALIZERS.name_of(initializer), "config": initializer.get_config()}


def _activation_name(activation):
    """The registry name of an activation (for configs), or the callable's name."""
    if activation is None:
        return "linear"
    if isinstance(activation, str):
        return activation
    from lucidnet.registry import ACTIVATIONS

    return ACTIVATIONS.name_of(activation) or getattr(activation, "__name__", repr(activation))


@LAYERS.register("keras.Dense")
class Dense(Layer):
    """Densely connected layer: y = activation(x W + b).

    x (N, D) → y (N, units); W (D, units) initialized by ``kernel_initializer``
    (Keras default ``glorot_uniform``: U(−√(6/(D+units)), √(6/(D+units)))), b zeros.
    ``kernel_regularizer`` adds e.g. λ·ΣW² to the training loss.
    """

    def __init__(
        self,
        units: int,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f"Dense units must be a positive integer, got {units!r}")
        self.units, self.use_bias = units, use_bias
        self.activation_name = _activation_name(activation)
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.in_features = None
        if self.input_shape_hint is not None:
            self.build(self.input_shape_hint)

    def build(self, input_shape) -> None:
        self.in_features = int(input_shape[-1])
        shape = (self.in_features, self.units)
        self.kernel = nn.Parameter(self.kernel_initializer(shape, dtype=self.dtype))
        if self.use_bias:
            self.bias = nn.Parameter(self.bias_initializer((self.units,), dtype=self.dtype))
        else:
            self.register_parameter("bias", None)
        self.built = True

    def call(self, x):
        self.check_features(x, self.in_features)
        return self.activation(nn.linear(x, self.kernel, self.bias))

    @property
    def losses(self):
        penalties = []
        if self.built and self.kernel_regularizer is not None:
            penalties.append(self.kernel_regularizer(self.kernel))
        if self.built and self.use_bias and self.bias_regularizer is not None:
            penalties.append(self.bias_regularizer(self.bias))
        return penalties

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": self.activation_name,
            "use_bias": self.use_bias,
            "kernel_initializer": _serialize(self.kernel_initializer),
            "bias_initializer": _serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
        }


class _Wrapped(Layer):
    """A Keras layer around one lucidnet.nn module made at build time."""

    def call(self, x):
        return self.module(x)


@LAYERS.register("keras.Activation")
class Activation(Layer):
    """Applies an activation function by name or callable: ``Activation('relu')``."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation_name = _activation_name(activation)
        self.activation = activations.get(activation)

    def call(self, x):
        return self.activation(x)

    def get_config(self):
        return {**super().get_config(), "activation": self.activation_name}


@LAYERS.register("keras.Flatten")
class Flatten(Layer):
    """Flattens every axis but the batch: (N, H, W, C) → (N, H·W·C)."""

    def call(self, x):
        x = x if isinstance(x, Tensor) else Tensor(x)
        return x.reshape(x.shape[0], -1)


@LAYERS.register("keras.Dropout")
class Dropout(_Wrapped):
    """Inverted dropout of rate ``rate`` in training; the identity in evaluation."""

    def __init__(self, rate: float, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate, self.seed = rate, seed
        self.module = nn.Dropout(rate)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}


@LAYERS.register("keras.BatchNormalization")
class BatchNormalization(Layer):
    """Batch normalization over the last axis (Keras defaults: momentum 0.99 for the
    running statistics, i.e. PyTorch's momentum 0.01; epsilon 1e-3)."""

    def __init__(self, momentum: float = 0.99, epsilon: float = 1e-3, center=True, scale=True, **kwargs):
        super().__init__(**kwargs)
        self.momentum, self.epsilon = momentum, epsilon
        if not (center and scale):
            raise ValueError("BatchNormalization supports center=True, scale=True only")
        if self.input_shape_hint is not None:
            self.build(self.input_shape_hint)

    def build(self, input_shape) -> None:
        self.module = nn.BatchNorm1d(int(input_shape[-1]), eps=self.epsilon, momentum=1 - self.momentum)
        self.built = True

    def call(self, x):
        return self.module(x)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "epsilon": self.epsilon}


@LAYERS.register("keras.LeakyReLU")
class LeakyReLU(_Wrapped):
    """max(x, αx) with Keras's layer default α = 0.3 (``negative_slope``)."""

    def __init__(self, negative_slope: float = 0.3, **kwargs):
        super().__init__(**kwargs)
        self.negative_slope = negative_slope
        self.module = nn.LeakyReLU(negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


@LAYERS.register("keras.PReLU")
class PReLU(Layer):
    """max(0, x) + α·min(0, x) with one learnable α per feature (Keras: α starts at 0)."""

    def __init__(self, alpha_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        if self.input_shape_hint is not None:
            self.build(self.input_shape_hint)

    def build(self, input_shape) -> None:
        self.alpha = nn.Parameter(self.alpha_initializer(tuple(input_shape[1:]), dtype=self.dtype))
        self.built = True

    def call(self, x):
        from lucidnet.functional import prelu

        return prelu(x, self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha_initializer": _serialize(self.alpha_initializer)}


@LAYERS.register("keras.InputLayer")
class InputLayer(Layer):
    """The entry of a functional model: holds the input shape, computes nothing."""

    def __init__(self, shape, **kwargs):
        super().__init__(**kwargs)
        self.shape = tuple(shape)
        self.output_shape = (None, *self.shape)
        self.built = True

    def call(self, x):
        if tuple(x.shape[1:]) != self.shape:
            raise ShapeError(
                f"Input {self.name!r} expects samples of shape {self.shape}, got batch shape {tuple(x.shape)}"
            )
        return x

    def get_config(self):
        return {"name": self.name, "shape": list(self.shape)}


def Input(shape, name=None) -> KerasTensor:
    """A symbolic input of ``shape`` (without the batch axis) for ``keras.Model``."""
    layer = InputLayer(tuple(shape), name=name)
    return KerasTensor((None, *shape), layer)
