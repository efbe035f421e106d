"""Keras models: ``Sequential`` and the functional ``Model(inputs, outputs)``.

Both are lucidnet Modules, so the PyTorch-style loop works on them too; ``compile``,
``fit``, ``evaluate`` and ``predict`` hand the work to one
:class:`lucidnet.training.Trainer`, which gets the model itself as the engine that
callbacks see (``stop_training``, ``optimizer``, ``get_weights()``). ``save`` and
:func:`load_model` go through :mod:`lucidnet.io`: weights, architecture, optimizer
state and compile settings as data, never code.
"""

from __future__ import annotations

import os
import warnings

import numpy

from lucidnet import io
from lucidnet.io.tensorfile import shorten
from lucidnet.errors import FormatError, NotSupportedError, ShapeError
from lucidnet.keras import losses as keras_losses
from lucidnet.keras import optimizers
from lucidnet.keras.layers import InputLayer, KerasTensor, Layer, unique_name
from lucidnet.keras.progbar import ProgbarLogger
from lucidnet.keras.summary import print_summary
from lucidnet.keras.utils import PyDataset, unbatch
from lucidnet.nn.container import function_of_all, run
from lucidnet.nn.module import LAYERS
from lucidnet.registry import LOSSES
from lucidnet.training import Trainer, check_output
from lucidnet.training.metrics import METRICS, Metric
from lucidnet.training.outputs import WeightedLoss, per_output

_COMPILE_KEYS = {"loss", "metrics", "loss_weights"}
_KERAS_RUN = {"progress": ProgbarLogger, "sorted_logs": True, "print_notes": False}
"""What Keras 3 prints and logs: its progress bar on stdout, the logged names sorted,
no note on what 'accuracy' resolved to (it goes to the 'lucidnet' logger at INFO)."""


def _flatten(structure) -> list:
    if isinstance(structure, dict):
        return list(structure.values())
    if isinstance(structure, (list, tuple)):
        return list(structure)
    return [structure]


def _topological(outputs: list[KerasTensor]) -> list[KerasTensor]:
    """The symbolic tensors from the inputs to ``outputs``, each after its inputs (and
    a layer's inputs in the order it was called on them)."""
    order, seen, stack = [], set(), [(t, False) for t in reversed(outputs)]
    while stack:
        t, ready = stack.pop()
        if ready:
            order.append(t)
        elif id(t) not in seen:
            seen.add(id(t))
            stack.append((t, True))
            stack.extend((i, False) for i in reversed(t.inputs) if id(i) not in seen)
    return order


@LAYERS.register("keras.Model")
class Model(Layer):
    """A model of layers: functional ``Model(inputs, outputs)`` (which makes a
    :class:`Functional`, as in Keras 3), or a base class for a subclass's ``call``.
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or kwargs.get("inputs") is not None):
            return super().__new__(Functional)
        return super().__new__(cls)

    def __init__(self, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self._trainer: Trainer | None = None
        self._checked = False
        self.optimizer = None
        self.stop_training = False
        # set later (by fit's History, a functional graph); claimed now, so that no layer
        # takes these names (_track)
        self.history = self.output_names = None

    @property
    def layers(self) -> list[Layer]:
        """The layers in order (Input layers of a functional model included)."""
        return [m for m in self._modules.values() if isinstance(m, Layer)]

    @classmethod
    def from_config(cls, config: dict):
        """Refused: a lucidnet model's config names its layers but does not hold them;
        ``keras.models.clone_model(model)`` or ``model_from_json(model.to_json())``
        rebuild a model."""
        raise NotSupportedError(f"{cls.__name__}.from_config is not supported by lucidnet: "
                                "use keras.models.clone_model(model) or "
                                "keras.models.model_from_json(model.to_json())")

    def get_layer(self, name=None, index=None) -> Layer:
        """The layer called ``name``, or at position ``index`` of :attr:`layers`."""
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"{self.label()} has {len(layers)} layers, "
                                 f"asked for index {index}")
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"{self.label()} has no layer named {name!r}; its layers are "
                         f"{[layer.name for layer in layers]}")

    @property
    def losses(self) -> list:
        return [p for layer in self.layers for p in layer.losses]

    def count_params(self) -> int:
        return self.num_parameters()

    # -- training (delegated to lucidnet.training.Trainer) --------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None) -> None:
        """Choose how ``fit`` trains.

        ``optimizer``: a Keras name ('adam', 'sgd', 'rmsprop'...; Keras's defaults, e.g.
        Adam's learning rate 1e-3 and ε = 1e-7) or an optimizer object; ``loss``: a
        name, a :mod:`keras.losses <lucidnet.keras.losses>` function or object, or any
        f(y_true, y_pred), or a dict/list of those per output; ``metrics``: names or
        Metric objects (per output: a dict or a list of lists); ``loss_weights``: wₕ
        per output, L = Σₕ wₕ Lₕ. Warns when an output layer does not suit its loss
        (:func:`lucidnet.training.check_output`: softmax over one unit, sigmoid with
        categorical cross-entropy...).
        """
        self.optimizer = optimizers.get(optimizer)
        self._trainer = Trainer(self, _keras_losses(loss), self.optimizer, metrics,
                                loss_weights, callback_model=self, **_KERAS_RUN)
        self._checked = self._check_outputs()

    def _compiled(self, what: str) -> Trainer:
        if self._trainer is None:
            raise RuntimeError(f"{self.label()} must be compiled before {what}: call "
                               "model.compile(optimizer=..., loss=...) first")
        return self._trainer

    def _output_layers(self) -> list[Layer]:
        """The layer that makes each output, in output order (none for a subclass)."""
        return []

    def _check_outputs(self) -> bool:
        """Warn about each output layer whose activation does not suit its loss.
        False when an output's width is not known yet (a model still to be built)."""
        loss, layers = self._trainer.loss, self._output_layers()
        if loss is None or not layers:
            return True
        facts = [_output_facts(layer) for layer in layers]
        if any(f is not None and f[1] is None for f in facts):
            return False
        names = getattr(self, "output_names", None) or ["output"]
        for layer, fact, spec in zip(layers, facts, per_output(loss, names, "loss")):
            if fact is None:
                continue  # the output layer has no activation (Dropout, BatchNormalization)
            fn = spec if isinstance(spec, WeightedLoss) else WeightedLoss(spec)
            for message in check_output(*fact, fn.name, fn.from_logits):
                warnings.warn(f"{layer.label()}: {message}", stacklevel=3)
        return True

    def _prepare(self, x) -> None:
        """Before training: the output checks that compile could not run yet."""
        if not self._checked:
            self._checked = self._check_outputs()

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0):
        """Train epochs ``initial_epoch`` … ``epochs`` − 1 on mini-batches of
        ``batch_size`` (32 when None); returns the History, whose ``history`` maps
        'loss', each metric and their 'val_' twins to one value per epoch.

        ``validation_split`` holds out the last fraction of (x, y) before shuffling;
        ``validation_data`` is (x, y) or (x, y, sample_weight); ``class_weight`` maps
        a class index to the weight of its samples. Keras's semantics throughout
        (see :mod:`lucidnet.training.engine`).
        """
        trainer = self._compiled("fit")
        if isinstance(x, PyDataset):
            x, y, sample_weight, batch_size, shuffle = (*_read(x, y, "fit"), False)
        if isinstance(validation_data, PyDataset):
            vx, vy, vw, _ = _read(validation_data, None, "validation_data")
            validation_data = (vx, vy) if vw is None else (vx, vy, vw)
        self._prepare(x)
        return trainer.fit(x, y, _batch(batch_size), epochs, verbose, callbacks,
                           validation_split, validation_data, shuffle, class_weight,
                           sample_weight, initial_epoch)

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 callbacks=None, return_dict=False):
        """The loss and metrics on (x, y), in evaluation mode: the loss alone when no
        metric is compiled, else ``[loss, *metrics]`` in ``metrics_names`` order, or a
        dict when ``return_dict``."""
        if isinstance(x, PyDataset):
            x, y, sample_weight, batch_size = _read(x, y, "evaluate")
        return self._compiled("evaluate").evaluate(x, y, _batch(batch_size), verbose,
                                                    sample_weight, callbacks, return_dict)

    def predict(self, x, batch_size=None, verbose="auto", callbacks=None):
        """The outputs for x as NumPy arrays (a list or dict for several outputs), in
        evaluation mode, batch by batch; needs no compile."""
        if isinstance(x, PyDataset):
            x, _, _, batch_size = _read(x, None, "predict")
        # seed=0: a Trainer made only to predict must not draw from backend.rng()
        trainer = self._trainer or Trainer(self, seed=0, callback_model=self, **_KERAS_RUN)
        return trainer.predict(x, _batch(batch_size), verbose, callbacks)

    @property
    def metrics_names(self) -> list[str]:
        """The logged names: 'loss', '<output>_loss' per output of several, metrics."""
        return [] if self._trainer is None else self._trainer.metrics_names

    @property
    def seed(self) -> int | None:
        """The seed of fit's shuffles (drawn at compile; ModelCheckpoint records it)."""
        return None if self._trainer is None else self._trainer.seed

    def metric_direction(self, name: str) -> str | None:
        """'up' or 'down' for a logged metric (EarlyStopping's mode='auto')."""
        return None if self._trainer is None else self._trainer.metric_direction(name)

    # -- files ----------------------------------------------------------------------
    def save(self, filepath, overwrite: bool = True, metadata: dict | None = None) -> None:
        """Write the model to ``filepath`` (safetensors, written atomically): its
        architecture, weights, optimizer state and compile settings; read it back
        with :func:`load_model` (a functional model's graph included). ``metadata``:
        more JSON to keep in the file (ModelCheckpoint records the epoch and seed). The
        name must end in '.keras' or '.safetensors': as Keras 3 refuses a name its
        format cannot honour, so does lucidnet."""
        io.check_model_name(filepath, "saving")
        if not overwrite and os.path.exists(filepath):
            raise FileExistsError(f"{filepath} exists and overwrite=False")
        settings = None
        if self._trainer is not None:
            try:
                settings = self._compile_config()
            except ValueError as err:
                warnings.warn(f"saving {self.label()} without its compile settings: {err}; "
                              "load_model will return it uncompiled", stacklevel=2)
        optimizer = self.optimizer
        if optimizer is not None and not optimizer.param_groups:
            optimizer.bind(self.parameters())  # as fit would: the file keeps its settings
        io.save(self, filepath, optimizer=optimizer,
                metadata={**(metadata or {}), "keras": {"compile": settings}})

    def save_weights(self, filepath, overwrite: bool = True) -> None:
        """Write the weights (parameters and buffers, no architecture) to ``filepath``,
        whose name must end in ``.weights.h5`` as in Keras 3 (or
        ``.weights.safetensors``); the content is safetensors, written atomically."""
        io.check_weights_name(filepath)
        if not overwrite and os.path.exists(filepath):
            raise FileExistsError(f"{filepath} exists and overwrite=False")
        io.save_weights(self, filepath)

    def load_weights(self, filepath, skip_mismatch: bool = False) -> None:
        """Copy into this model the weights of ``filepath`` (a weights file or a whole
        model file). Arrays are matched by name, or, when the names differ (layers
        named dense_4 here and dense there), by position and shape, as Keras matches
        by layer order. ``skip_mismatch`` leaves the arrays whose shape differs."""
        saved = io.load_weights(filepath)
        own = self.state_dict()
        if set(saved) == set(own):
            pairs = [(name, saved[name]) for name in own]
        elif len(saved) == len(own):
            pairs = list(zip(own, saved.values()))
        else:
            raise ValueError(f"{filepath} holds {len(saved)} weight arrays "
                             f"({', '.join(list(saved)[:6])}...), {self.label()} has "
                             f"{len(own)} ({', '.join(list(own)[:6])}...)")
        mismatched = [(n, a.shape, own[n].shape) for n, a in pairs if a.shape != own[n].shape]
        if mismatched and not skip_mismatch:
            name, got, expected = mismatched[0]
            raise ShapeError(f"{filepath}: weight {name!r} of {self.label()} has shape "
                             f"{expected}, the file gives {got}")
        self.load_state_dict({n: a for n, a in pairs if a.shape == own[n].shape}, strict=False)

    def to_json(self) -> str:
        """The architecture as JSON (no weights): :func:`model_from_json` builds it again."""
        return io.to_json(self)

    def export(self, filepath, format="onnx", verbose=None, input_signature=None,  # noqa: A002
               **kwargs) -> None:
        """Write the model for inference elsewhere, as Keras 3's ``export``: ``format``
        'onnx' only (Keras's default, 'tf_saved_model', needs TensorFlow), through
        :func:`lucidnet.onnx.export` (``opset=`` among ``kwargs``). ``input_signature``:
        an ``Input`` (or a list of them) when the model does not know its input shape."""
        if format != "onnx":
            raise ValueError(f"lucidnet exports format='onnx' only, got format={format!r}")
        from lucidnet import onnx

        if input_signature is not None:
            shapes = [t.shape[1:] for t in _flatten(input_signature)]
        elif isinstance(self, Functional):
            shapes = [t.shape[1:] for t in self.inputs]
            kwargs.setdefault("input_names", self.input_names)
        elif getattr(self, "_input_shape", None) is not None:
            shapes = [self._input_shape[1:]]
        else:
            raise ValueError(f"{self.label()} does not know its input shape yet: build it "
                             "(an Input, fit, or build) or pass input_signature")
        onnx.export(self, filepath, shapes, **kwargs)
        if verbose or verbose is None:
            print(f"Saved artifact at '{filepath}'.")

    def _compile_config(self) -> dict:
        trainer = self._trainer
        return {"loss": _nested(trainer.loss, _loss_name),
                "metrics": _nested(trainer.metrics_spec, _metric_name),
                "loss_weights": trainer.loss_weights}

    # -- printing -----------------------------------------------------------------
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None) -> None:
        """Print Keras 3's table: each layer (type), output shape and weight count (and,
        for a graph, what it is connected to), then the totals
        (:func:`lucidnet.keras.summary.print_summary`)."""
        print_summary(self, line_length, positions, print_fn, expand_nested, show_trainable,
                      layer_range)

    def get_config(self) -> dict:
        return {"name": self.name}


def _read(dataset, y, what: str) -> tuple:
    """A PyDataset's (x, y, sample_weight, batch size); Keras refuses a separate y."""
    if y is not None:
        raise ValueError(f"{what}: y must not be given with a PyDataset, whose batches "
                         "hold the targets")
    return unbatch(dataset)


def _batch(batch_size):
    return 32 if batch_size is None else batch_size  # Keras's default


def _output_facts(layer) -> tuple | None:
    """(activation name, units) of an output layer, units None while unknown; None
    for a layer without an activation."""
    activation = getattr(layer, "activation_name", None)
    if activation is None:
        return None
    units = getattr(layer, "units", None)
    if units is None and layer.output_shape is not None:
        units = layer.output_shape[-1]
    return activation, units


def _nested(spec, item):
    """``item`` applied to each entry of a per-output setting: one entry, a dict by
    output name or a list (a config dict ``{'class_name': ...}`` is one entry)."""
    if spec is None:
        return None
    if isinstance(spec, dict) and "class_name" not in spec:
        return {k: _nested(v, item) for k, v in spec.items()}
    if isinstance(spec, (list, tuple)):
        return [_nested(v, item) for v in spec]
    return item(spec)


def _keras_losses(loss):
    """``loss`` with Keras's class names ('CategoricalCrossentropy') and configs made
    keras.losses objects; the names the lucidnet registry holds stay names, and a
    keras.losses function (``keras.losses.mse``) becomes its name: the loss's one
    Function, with its own mean, instead of per-sample losses and a mean on the tape."""

    def resolve(spec):
        if isinstance(spec, dict) or (isinstance(spec, str) and spec not in LOSSES):
            return keras_losses.get(spec)
        if callable(spec) and not isinstance(spec, type):
            name = keras_losses.KERAS_LOSSES.name_of(spec)
            return name if name in LOSSES else spec
        return spec

    return _nested(loss, resolve)


def _loss_name(spec):
    return spec if isinstance(spec, str) else keras_losses.serialize(spec)


def _metric_name(spec):
    name = spec if isinstance(spec, str) else None
    if isinstance(spec, Metric):
        name = METRICS.name_of(spec)
    if name is None:
        raise ValueError(f"metric {spec!r} is not a registered metric, so it cannot be "
                         "saved by name")
    return name


def load_model(filepath, compile=True):  # noqa: A002 (Keras's argument name)
    """The Keras model that :meth:`Model.save` (or a ModelCheckpoint) wrote to
    ``filepath``: architecture, weights and optimizer state, and, with ``compile``,
    compiled as it was. Nothing in the file is imported or run (:mod:`lucidnet.io`);
    a file without compile settings gives an uncompiled model with its optimizer."""
    io.check_model_name(filepath, "loading")
    checkpoint = io.load_state(filepath)
    optimizer = None
    if checkpoint.optimizer_class is not None:
        optimizer = optimizers.get(checkpoint.optimizer_class)
    model = io.load(filepath, optimizer=optimizer)
    if not isinstance(model, Model):
        raise TypeError(f"{filepath} holds a {type(model).__name__}, not a Keras model; "
                        "load it with lucidnet.io.load")
    keras_metadata = checkpoint.metadata.get("keras")
    settings = keras_metadata.get("compile") if isinstance(keras_metadata, dict) else None
    if settings is not None and (not isinstance(settings, dict) or set(settings) - _COMPILE_KEYS):
        raise FormatError(f"{filepath}: the compile settings must be an object with keys "
                          f"among {sorted(_COMPILE_KEYS)}")
    if compile and settings is not None:
        try:
            model.compile(optimizer=optimizer, **settings)
        except (ValueError, TypeError, KeyError) as err:  # the settings came from the file
            raise FormatError(f"{filepath}: the compile settings {shorten(settings)} do not "
                              f"compile: {err}") from None
    else:
        model.optimizer = optimizer
    return model


def model_from_json(json_string, custom_objects=None):
    """The model a :meth:`Model.to_json` string describes, with fresh weights, built
    from registered classes only (nothing in the string is imported or run)."""
    if custom_objects:
        raise NotSupportedError("model_from_json(custom_objects=...): lucidnet builds only "
                                "registered classes; register yours with "
                                "keras.saving.register_keras_serializable")
    return io.from_json(json_string)


def clone_model(model, input_tensors=None, clone_function=None, call_function=None):
    """A new model of the same architecture and layer names, freshly initialized and
    not compiled, as Keras's ``clone_model``."""
    if input_tensors is not None or clone_function is not None or call_function is not None:
        raise NotSupportedError("clone_model's input_tensors, clone_function and "
                                "call_function are not supported by lucidnet")
    return model_from_json(model.to_json())


@LAYERS.register("keras.Sequential")
class Sequential(Model):
    """A plain stack of layers: ``Sequential([Dense(64, activation='relu'), ...])`` or
    ``model.add(layer)``. Built as soon as the input shape is known (an ``input_shape``
    on the first layer, an ``Input``, or the first batch)."""

    def __init__(self, layers=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self._stack: list[Layer] = []
        self._input_shape = self.input_shape_hint
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
        self._track(layer)
        self._stack.append(layer)
        if self._input_shape is None and len(self._stack) == 1:
            self._input_shape = layer.input_shape_hint
        if self.built:  # only the new layer: n adds build n layers, not n²/2
            self.output_shape = layer(KerasTensor(self.output_shape)).shape
        elif self._input_shape is not None:
            self.build(self._input_shape)

    def pop(self) -> Layer:
        layer = self._stack.pop()
        self._untrack(layer)
        if self.built:
            self.build(self._input_shape)
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

    def _output_layers(self) -> list[Layer]:
        return self._stack[-1:]

    def _prepare(self, x) -> None:
        if not self.built and x is not None:
            self.build((None, *numpy.shape(x)[1:]))
        super()._prepare(x)

    def __call__(self, x):
        if not self.built and not isinstance(x, KerasTensor):
            self.build((None, *numpy.shape(x)[1:]))
        return super().__call__(x)

    def function(self):
        """The stack as one Chain when built and every layer is its Function (the
        course's Dense layers with named activations, Dropout): ``fit`` then takes the
        same fused step as ``Trainer`` on an ``nn.Sequential``."""
        return function_of_all(self._stack) if self.built else None

    def call(self, x):
        return run(self._stack, x)

    def get_config(self) -> dict:
        config = {"name": self.name}
        if self._input_shape is not None:
            config["input_shape"] = list(self._input_shape[1:])
        return config


@LAYERS.register("keras.Functional")
class Functional(Model):
    """What ``keras.Model(inputs, outputs)`` makes: a graph of layer calls.

    ``inputs``: one ``Input``, a list, or a dict by name; the data then come as one
    array, a list in that order or a dict keyed by the Input names (or by the dict's
    keys). ``outputs``: one symbolic tensor, a list or a dict (multi-task heads: fit
    takes a loss, targets and loss weight per head, by name or position).
    ``layers`` and ``graph`` rebuild a saved model (:meth:`get_config`).
    """

    def __init__(self, inputs=None, outputs=None, name=None, layers=None, graph=None, **kwargs):
        super().__init__(name=name or unique_name("Functional"), **kwargs)
        if graph is not None:
            inputs, outputs = _replay(layers or [], graph)
        if inputs is None or outputs is None:
            raise ValueError("a functional Model needs inputs and outputs: "
                             "keras.Model(inputs=..., outputs=...)")
        self._init_graph(inputs, outputs)

    def _init_graph(self, inputs, outputs) -> None:
        self._input_structure, self.outputs = inputs, outputs
        self.inputs = _flatten(inputs)
        for t in self.inputs + _flatten(outputs):
            if not isinstance(t, KerasTensor):
                raise TypeError("a functional Model's inputs and outputs are symbolic tensors "
                                f"(keras.Input(...) and layer calls), got {type(t).__name__}")
        not_inputs = [t.name for t in self.inputs if not isinstance(t.layer, InputLayer)]
        if not_inputs:
            raise ValueError(f"a functional Model's inputs must come from keras.Input, "
                             f"got {not_inputs}")
        self.input_names = (list(inputs) if isinstance(inputs, dict)
                            else [t.name for t in self.inputs])
        self._nodes = _topological(_flatten(outputs))
        missing = [t.name for t in self._nodes
                   if isinstance(t.layer, InputLayer) and not any(t is i for i in self.inputs)]
        if missing:
            raise ValueError(f"the outputs depend on Inputs {missing} that are not among the "
                             f"model's inputs {[t.name for t in self.inputs]}")
        order = list(self.inputs) + [t for t in self._nodes if not isinstance(t.layer, InputLayer)]
        for t in order:
            held = self._modules.get(t.layer.name)
            if held is None:
                self._track(t.layer)
            elif held is not t.layer:
                raise ValueError(f"two layers named {t.layer.name!r} in {self.name!r}; "
                                 "names must be unique")
        self.output_names = (list(outputs) if isinstance(outputs, dict)
                             else [t.layer.name for t in _flatten(outputs)])
        self.output_shape = _nested(outputs, lambda t: t.shape)
        self.built = True

    def _feed(self, x) -> list:
        """The data of each input, in input order, from one array, a list or a dict."""
        n, names = len(self.inputs), self.input_names
        if isinstance(x, dict):
            unknown, absent = sorted(set(x) - set(names)), [k for k in names if k not in x]
            if unknown or absent:
                raise ValueError(f"{self.label()} takes inputs named {names}, got keys "
                                 f"{sorted(x)}")
            return [x[k] for k in names]
        if isinstance(x, (list, tuple)):
            if len(x) != n:
                raise ValueError(f"{self.label()} takes {n} inputs {names}, got a list of {len(x)}")
            return list(x)
        if n != 1:
            raise ValueError(f"{self.label()} takes {n} inputs {names} as a list or a dict, "
                             f"got one {type(x).__name__}")
        return [x]

    def call(self, x):
        values = {id(t): t.layer(xi) for t, xi in zip(self.inputs, self._feed(x))}
        for t in self._nodes:
            if id(t) not in values:
                args = [values[id(i)] for i in t.inputs]
                values[id(t)] = t.layer(args if t.many else args[0])
        return _nested(self.outputs, lambda t: values[id(t)])

    def _output_layers(self) -> list[Layer]:
        return [t.layer for t in _flatten(self.outputs)]

    @property
    def input(self):
        """The model's symbolic input(s), as given to ``Model(inputs, ...)``."""
        return self._input_structure

    @property
    def output(self):
        """The model's symbolic output(s), as given to ``Model(..., outputs)``."""
        return self.outputs

    @property
    def calls(self) -> list[KerasTensor]:
        """The graph: the output of each layer call, each after its inputs."""
        return [t for t in self._nodes if not isinstance(t.layer, InputLayer)]

    def get_config(self) -> dict:
        """The name and the graph: the tensors are numbered, the inputs first, then
        each layer call as [layer name, the numbers of its inputs, called on a list];
        'inputs' and 'outputs' hold numbers in the structure the model was given."""
        calls = self.calls
        number = {id(t): k for k, t in enumerate(self.inputs + calls)}
        nodes = [[t.layer.name, [number[id(i)] for i in t.inputs], t.many] for t in calls]
        return {"name": self.name,
                "graph": {"inputs": _nested(self._input_structure, lambda t: number[id(t)]),
                          "outputs": _nested(self.outputs, lambda t: number[id(t)]),
                          "nodes": nodes}}


def _replay(layers, graph):
    """(inputs, outputs) rebuilt by calling ``layers`` as ``graph`` records
    (:meth:`Functional.get_config`); ValueError for a graph that does not hold."""
    if not isinstance(graph, dict) or set(graph) != {"inputs", "outputs", "nodes"}:
        raise ValueError("graph must hold exactly 'inputs', 'outputs' and 'nodes'")
    by_name = {layer.name: layer for layer in layers}
    # the Input layers come first among the children, in input order (numbers 0..n-1)
    tensors = [layer.output for layer in layers if isinstance(layer, InputLayer)]
    if _flatten(graph["inputs"]) != list(range(len(tensors))):
        raise ValueError(f"graph inputs must be the tensors 0..{len(tensors) - 1} of the "
                         f"{len(tensors)} Input layers, got {graph['inputs']!r}")
    if not isinstance(graph["nodes"], list):
        raise ValueError("graph 'nodes' must be a list")

    def tensor(k):
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < len(tensors):
            raise ValueError(f"graph refers to tensor {k!r}, which is not made before")
        return tensors[k]

    for node in graph["nodes"]:
        if not (isinstance(node, list) and len(node) == 3 and node[0] in by_name
                and isinstance(node[1], list) and isinstance(node[2], bool)):
            raise ValueError(f"graph node {node!r} is not [layer name, inputs, many]")
        args = [tensor(k) for k in node[1]]
        tensors.append(by_name[node[0]](args if node[2] else args[0]))
    return _nested(graph["inputs"], tensor), _nested(graph["outputs"], tensor)
