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
import math
from collections import defaultdict

import numpy

from lucidnet import backend, initializers, nn
from lucidnet.activations import Spec
from lucidnet.autograd import Tensor, is_anomaly_enabled, no_grad, ops
from lucidnet.errors import ShapeError
from lucidnet.keras import activations, regularizers, unsupported
from lucidnet.nn.container import Chain
from lucidnet.nn.layers import LinearFunction
from lucidnet.nn.module import LAYERS

_name_counters: dict[str, itertools.count] = defaultdict(itertools.count)


def _snake(class_name: str) -> str:
    out = "".join("_" + c.lower() if c.isupper() else c for c in class_name).lstrip("_")
    return out.replace("re_l_u", "relu").replace("p_relu", "prelu")


def reset_names() -> None:
    """Start the automatic names again from dense, dense_1, ... (``clear_session``)."""
    _name_counters.clear()


def unique_name(class_name: str) -> str:
    """Keras's automatic names: dense, dense_1, dense_2, ... per layer class."""
    base = _snake(class_name)
    n = next(_name_counters[base])
    return base if n == 0 else f"{base}_{n}"


def _initializer(identifier, argument: str):
    """The initializer a Keras layer's ``argument`` names; None is refused when the layer
    is made, not when it is built (a lazy layer from a file failed only then)."""
    initializer = initializers.get(identifier)
    if initializer is None:
        raise ValueError(f"{argument} must be an initializer: a name such as 'zeros', a "
                         "config or an object; got None")
    return initializer


class KerasTensor:
    """A symbolic tensor of the functional API: a shape, a dtype and the layer call
    that makes it.

    ``shape`` includes the batch axis as ``None``; ``inputs`` are the KerasTensors the
    layer was called on, ``many`` whether they came as a list (a merge layer's call);
    ``node_index`` counts the layer's earlier calls (a shared layer's n-th use).
    """

    def __init__(self, shape, layer=None, inputs=(), dtype=None, many=False):
        self.shape = tuple(shape)
        self.layer, self.inputs, self.many = layer, tuple(inputs), many
        self.dtype = str(backend.xp.dtype(dtype or backend.get_default_dtype()))
        self.node_index = 0

    @property
    def name(self) -> str:
        return self.layer.name if self.layer is not None else "keras_tensor"

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"


def _is_symbolic(x) -> bool:
    if isinstance(x, (list, tuple)):
        return bool(x) and all(isinstance(t, KerasTensor) for t in x)
    return isinstance(x, KerasTensor)


class Layer(nn.Module):
    """Base of Keras layers: lazy ``build``, ``call``, names, regularization losses.

    Subclasses implement ``build(input_shape)`` (create weights; the shape includes
    the batch axis) and ``function()`` (what the layer computes, as every lucidnet
    Module: the layer then fuses) or ``call(x)``. Calling a layer builds it on first
    use, then goes through ``Module.__call__`` → ``forward`` → ``call``.
    """

    road = (*nn.Module.road, "call")

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
        self._calls, self._first_call = 0, None  # symbolic calls (functional API)

    @property
    def dtype(self):
        return self.dtype_policy or backend.get_default_dtype()

    def build(self, input_shape) -> None:
        self.built = True

    def _track(self, layer) -> None:
        """Hold ``layer`` as a child under its name; an attribute too unless the name is
        taken (a layer may be called 'output', 'inputs' or 'name')."""
        self._modules[layer.name] = layer
        if layer.name not in self.__dict__ and not hasattr(type(self), layer.name):
            object.__setattr__(self, layer.name, layer)

    def _untrack(self, layer) -> None:
        self._modules.pop(layer.name, None)
        if self.__dict__.get(layer.name) is layer:
            del self.__dict__[layer.name]

    def call(self, x):
        """The layer's :meth:`function` applied to x (``Module.forward``), by default."""
        return super().forward(x)

    def forward(self, x):
        return self.call(x)

    def __call__(self, x):
        if _is_symbolic(x):
            return self._symbolic_call(x)
        if not self.built:
            shapes = [(None, *t.shape[1:]) for t in x] if isinstance(x, (list, tuple)) else None
            self.build(shapes or (None, *x.shape[1:]))
            self.built = True
        return super().__call__(x)

    def _symbolic_call(self, x, record: bool = True) -> KerasTensor:
        """Call on KerasTensors (one, or a list for a merge layer): build, probe one
        sample of zeros in evaluation mode for the output shape, count the call and
        keep the first one (``input``, ``output``)."""
        many = isinstance(x, (list, tuple))
        inputs = tuple(x) if many else (x,)
        if not self.built:
            self.build([t.shape for t in inputs] if many else x.shape)
            self.built = True
        known = None if many else self.shape_without_probe(x.shape)
        if known is not None:
            self.output_shape = known
        else:
            with no_grad():
                probes = [Tensor(backend.xp.zeros((1, *t.shape[1:]), dtype=self.dtype))
                          for t in inputs]
                was_training = self.training
                self.eval()
                y = self.call(probes if many else probes[0])
                self.train(was_training)
            self.output_shape = (None, *y.shape[1:])
        out = KerasTensor(self.output_shape, self, inputs, self.dtype, many)
        if record:
            out.node_index = self._calls
            self._calls += 1
            if self._first_call is None:
                self._first_call = (x, out)
        return out

    def _first(self, what: str):
        if self._first_call is None:
            raise ValueError(f"{self.label()} has never been called and thus has no defined "
                             f"{what}")
        return self._first_call

    @property
    def input(self):
        """The symbolic input(s) of this layer's first call in the functional API
        (Keras 3: the first call's, when a layer is shared)."""
        return self._first("input")[0]

    @property
    def output(self):
        """The symbolic output of this layer's first call in the functional API."""
        return self._first("output")[1]

    keeps_shape = False
    """True for a layer whose output has its input's shape (Activation, Dropout, ...)."""

    def shape_without_probe(self, input_shape) -> tuple | None:
        """The output shape when it follows from ``input_shape`` alone (a ``keeps_shape``
        layer keeps it), else None and a symbolic call probes one sample of zeros: a
        stack of 16,000 Activations on 10⁷ features would otherwise compute 16,000
        activations of 10⁷ numbers to load a 2 MB file."""
        return tuple(input_shape) if self.keeps_shape else None

    def compute_output_shape(self, input_shape):
        """The output shape for an input shape (batch axis ``None``), by a probe call."""
        return self._symbolic_call(KerasTensor(input_shape), record=False).shape

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

    @classmethod
    def from_config(cls, config: dict):
        """A new layer from :meth:`get_config`'s dict, freshly initialized (Keras's
        ``Dense.from_config(dense.get_config())``)."""
        return cls(**config)

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")


def _activation_name(activation) -> str:
    """The name of a resolved activation (a Spec or a callable), for the output checks."""
    if activation is None:
        return "linear"
    return activation.name if isinstance(activation, Spec) else getattr(
        activation, "__name__", repr(activation))


@LAYERS.register("keras.Dense")
class Dense(Layer):
    """Densely connected layer: y = activation(x W + b).

    x (N, D) → y (N, units); W (D, units) initialized by ``kernel_initializer``
    (Keras default ``glorot_uniform``: U(−√(6/(D+units)), √(6/(D+units)))), b zeros.
    ``kernel_regularizer`` adds e.g. λ·ΣW² to the training loss. Its Function is the
    Linear one, chained with the activation's (none for 'linear': nothing multiplies
    by 1); a callable that is no registered activation is run as written.
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
        self.activation = activations.get(activation)
        if isinstance(self.activation, Spec) and self.activation.name == "linear":
            self.activation = None
        self.activation_name = _activation_name(self.activation)
        self.kernel_initializer = _initializer(kernel_initializer, "kernel_initializer")
        self.bias_initializer = _initializer(bias_initializer, "bias_initializer")
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

    def function(self):
        if not self.built or not (self.activation is None or isinstance(self.activation, Spec)):
            return None
        linear, params = LinearFunction(), [self.kernel, self.bias]
        if self.activation is None:
            return linear, params
        if is_anomaly_enabled():  # unfused, as nn.container.chain: an error names its own
            return None           # operation, and each Function is on the tape
        return Chain([(self.check_input, linear, 2), (None, self.activation.function(), 0)]), params

    def call(self, x):
        if self.activation is None or (isinstance(self.activation, Spec) and not is_anomaly_enabled()):
            return super().call(x)  # function(): Linear, then the activation
        self.check_input(x)
        return self.activation(nn.linear(x, self.kernel, self.bias))  # as written; unfused

    def check_input(self, x) -> None:
        self.check_features(x, self.in_features)

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
            "activation": ("linear" if self.activation is None
                           else activations.serialize(self.activation, self.label())),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
        }


class _Wrapped(Layer):
    """A Keras layer around one lucidnet.nn module: its Function is the module's."""

    def function(self):
        return self.module.function()

    def input_dtype(self, params):
        return self.module.input_dtype(params)

    def check_input(self, x) -> None:
        self.module.check_input(x)

    def call(self, x):
        return self.module(x)


@LAYERS.register("keras.Activation")
class Activation(Layer):
    """Applies an activation function by name or callable: ``Activation('relu')``."""

    keeps_shape = True

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.activation_name = _activation_name(self.activation)

    def function(self):
        return (self.activation.function(), ()) if isinstance(self.activation, Spec) else None

    def call(self, x):
        return self.activation(x)

    def get_config(self):
        return {**super().get_config(),
                "activation": activations.serialize(self.activation, self.label())}


@LAYERS.register("keras.Flatten")
class Flatten(Layer):
    """Flattens every axis but the batch: (N, H, W, C) → (N, H·W·C)."""

    def shape_without_probe(self, input_shape):
        return (input_shape[0], math.prod(input_shape[1:]))

    def call(self, x):
        x = x if isinstance(x, Tensor) else Tensor(x)
        return x.reshape(x.shape[0], -1)


@LAYERS.register("keras.Dropout")
class Dropout(_Wrapped):
    """Inverted dropout of rate ``rate`` in training; the identity in evaluation."""

    keeps_shape = True

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

    keeps_shape = True

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


@LAYERS.register("keras.Normalization")
class Normalization(_Wrapped):
    """(x − mean)/√variance per feature of the last axis (``axis=-1``) or over all values
    (``axis=None``), with statistics given or measured by ``adapt(data)``; ``invert``
    undoes it. Keras's preprocessing layer, run by :class:`lucidnet.nn.Normalization`;
    the statistics are saved with the model, so a raw row gets the training scaling."""

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis not in (-1, None):
            raise ValueError(f"Normalization {self.name!r}: axis must be -1 (the features of "
                             f"the last axis) or None (one mean and variance), got {axis!r}")
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization {self.name!r}: give both mean and variance, or "
                             "neither (and call adapt)")
        self.axis, self.invert = axis, bool(invert)
        self.mean, self.variance = (None, None) if mean is None else (
            numpy.asarray(mean, dtype="float64").tolist(),
            numpy.asarray(variance, dtype="float64").tolist())
        if self.input_shape_hint is not None:
            self.build(self.input_shape_hint)

    def build(self, input_shape) -> None:
        features = None if self.axis is None else int(input_shape[-1])
        self.module = nn.Normalization(features, self.mean, self.variance, invert=self.invert)
        self.built = True

    def adapt(self, data) -> None:
        """Set the mean and (population) variance from ``data`` (N, …, D)."""
        data = numpy.asarray(data)
        if not self.built:
            self.build((None, *data.shape[1:]))
        self.module.adapt(data)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "mean": self.mean,
                "variance": self.variance, "invert": self.invert}


@LAYERS.register("keras.LeakyReLU")
class LeakyReLU(_Wrapped):
    """max(x, αx) with Keras's layer default α = 0.3 (``negative_slope``)."""

    keeps_shape = True

    def __init__(self, negative_slope: float = 0.3, **kwargs):
        super().__init__(**kwargs)
        self.negative_slope = negative_slope
        self.module = nn.LeakyReLU(negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


@LAYERS.register("keras.PReLU")
class PReLU(Layer):
    """max(0, x) + α·min(0, x) with one learnable α per feature (Keras: α starts at 0)."""

    keeps_shape = True

    def __init__(self, alpha_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = _initializer(alpha_initializer, "alpha_initializer")
        if self.input_shape_hint is not None:
            self.build(self.input_shape_hint)

    def build(self, input_shape) -> None:
        self.alpha = nn.Parameter(self.alpha_initializer(tuple(input_shape[1:]), dtype=self.dtype))
        self.built = True

    def call(self, x):
        from lucidnet.functional import prelu

        return prelu(x, self.alpha)

    def get_config(self):
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer)}


@LAYERS.register("keras.InputLayer")
class InputLayer(Layer):
    """The entry of a functional model: holds the input shape, computes nothing."""

    def __init__(self, shape, batch_size=None, dtype=None, **kwargs):
        super().__init__(**kwargs)
        self.shape = tuple(shape)
        self.output_shape = (batch_size, *self.shape)
        self.built = True
        self._calls, self._first_call = 1, (None, KerasTensor(self.output_shape, self, dtype=dtype))

    @property
    def input(self):
        return self.output

    def call(self, x):
        if tuple(x.shape[1:]) != self.shape:
            raise ShapeError(
                f"Input {self.name!r} expects samples of shape {self.shape}, got batch shape {tuple(x.shape)}"
            )
        return x

    def get_config(self):
        return {"name": self.name, "shape": list(self.shape)}


def Input(shape=None, batch_size=None, dtype=None, batch_shape=None, name=None) -> KerasTensor:
    """A symbolic input of ``shape`` (without the batch axis; or ``batch_shape`` with
    it) for ``keras.Model``; ``dtype`` is that of the data it stands for."""
    if batch_shape is not None:
        shape = tuple(batch_shape)[1:]
    if shape is None:
        raise ValueError("Input needs a shape (without the batch axis) or a batch_shape")
    return InputLayer(tuple(shape), batch_size, dtype, name=name).output


@LAYERS.register("keras.Softmax")
class Softmax(Layer):
    """softmax over ``axis`` (default −1): yᵢ = e^{xᵢ} / Σⱼ e^{xⱼ}, the registry's
    softmax Function (shifted by the max for stability)."""

    keeps_shape = True

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def function(self):
        return Spec("softmax", {"axis": self.axis}).function(), ()

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


@LAYERS.register("keras.Rescaling")
class Rescaling(Layer):
    """y = x · scale + offset (``Rescaling(1 / 255)`` maps pixels 0..255 to [0, 1]);
    dy/dx = scale. Inputs are cast to the layer's float dtype first."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset

    def call(self, x):
        x = x if isinstance(x, Tensor) else Tensor(backend.asarray(x))
        if x.dtype != self.dtype:
            x = x.astype(self.dtype)
        return x * self.scale + self.offset

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


# -- merging: layers of several inputs, on the autograd's elementwise Functions ------
class _Merge(Layer):
    """Base of the merge layers: called on a list of tensors of one shape."""

    least = 2

    def build(self, input_shape) -> None:
        if not isinstance(input_shape, (list, tuple)) or not all(
                isinstance(s, (list, tuple)) for s in input_shape):
            raise TypeError(f"{self.label()} merges a list of tensors, got one of shape "
                            f"{input_shape}")
        if len(input_shape) < self.least:
            raise ValueError(f"{self.label()} needs at least {self.least} inputs, "
                             f"got {len(input_shape)}")
        self.check_shapes([tuple(s) for s in input_shape])
        self.built = True

    def check_shapes(self, shapes) -> None:
        if any(s[1:] != shapes[0][1:] for s in shapes):
            raise ShapeError(f"{self.label()} merges tensors of one shape, got shapes "
                             f"{', '.join(str(s) for s in shapes)}")

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise TypeError(f"{self.label()} merges a list of tensors, "
                            f"got a {type(inputs).__name__}")
        tensors = [t if isinstance(t, Tensor) else Tensor(backend.asarray(t)) for t in inputs]
        out = tensors[0]
        for t in tensors[1:]:
            out = self.merge(out, t)
        return out


@LAYERS.register("keras.Add")
class Add(_Merge):
    """Y = X₁ + X₂ + … ;  dXᵢ = dY (the autograd's Add, pairwise)."""

    def merge(self, a, b):
        return a + b


@LAYERS.register("keras.Subtract")
class Subtract(_Merge):
    """Y = X₁ − X₂ of exactly two inputs;  dX₁ = dY, dX₂ = −dY."""

    def build(self, input_shape) -> None:
        if isinstance(input_shape, (list, tuple)) and len(input_shape) != 2:
            raise ValueError(f"{self.label()} subtracts exactly 2 inputs, got {len(input_shape)}")
        super().build(input_shape)

    def merge(self, a, b):
        return a - b


@LAYERS.register("keras.Multiply")
class Multiply(_Merge):
    """Y = X₁ ⊙ X₂ ⊙ … ;  dXᵢ = dY ⊙ Πⱼ≠ᵢ Xⱼ (the autograd's Mul, pairwise)."""

    def merge(self, a, b):
        return a * b


@LAYERS.register("keras.Average")
class Average(Add):
    """Y = (X₁ + … + Xₙ) / n;  dXᵢ = dY / n."""

    def call(self, inputs):
        return super().call(inputs) * (1.0 / len(inputs))


@LAYERS.register("keras.Maximum")
class Maximum(_Merge):
    """Y = max(X₁, X₂, …) elementwise; the largest input gets dY (a tie splits it)."""

    def merge(self, a, b):
        return ops.maximum(a, b)


@LAYERS.register("keras.Minimum")
class Minimum(_Merge):
    """Y = min(X₁, X₂, …) elementwise; the smallest input gets dY (a tie splits it)."""

    def merge(self, a, b):
        return ops.minimum(a, b)


@LAYERS.register("keras.Concatenate")
class Concatenate(_Merge):
    """Y = [X₁, X₂, …] joined along ``axis`` (default −1, the features);
    dXᵢ = the slice of dY that Xᵢ filled. Shapes: (N, D₁), (N, D₂) → (N, D₁ + D₂)."""

    least = 1

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def check_shapes(self, shapes) -> None:
        rank = len(shapes[0])
        axis = self.axis % rank if -rank <= self.axis < rank else None
        if axis is None or axis == 0:
            raise ValueError(f"{self.label()}: axis {self.axis} is not a feature axis of "
                             f"inputs of shape {shapes[0]}")
        rest = [s[1:axis] + s[axis + 1:] for s in shapes]
        if any(len(s) != rank for s in shapes) or any(r != rest[0] for r in rest):
            raise ShapeError(f"{self.label()} joins along axis {self.axis} tensors whose other "
                             f"axes agree, got shapes {', '.join(str(s) for s in shapes)}")

    def call(self, inputs):
        tensors = [t if isinstance(t, Tensor) else Tensor(backend.asarray(t)) for t in inputs]
        return ops.concatenate(tensors, axis=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def add(inputs, **kwargs):
    """Functional form of :class:`Add`: ``add([x1, x2])``."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional form of :class:`Subtract`."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional form of :class:`Multiply`."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional form of :class:`Average`."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional form of :class:`Maximum`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional form of :class:`Minimum`."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis: int = -1, **kwargs):
    """Functional form of :class:`Concatenate`: ``concatenate([x1, x2], axis=-1)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


__getattr__ = unsupported.refuse("keras.layers", unsupported.LAYERS)
