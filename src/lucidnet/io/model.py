"""Model files: save a module with its optimizer, load it back without running the file.

The file is safetensors (see :mod:`lucidnet.io.tensorfile`): the module's parameters and
buffers under their ``state_dict`` names, the optimizer's arrays under ``optimizer/...``,
and one ``__metadata__`` entry, ``lucidnet``, holding this JSON document::

    {"format": "lucidnet", "version": 1, "lucidnet": "0.1.0", "dtype": "float32",
     "architecture": {"class_name": "Sequential", "config": {}, "children": [
         {"name": "0", "class_name": "Linear",
          "config": {"in_features": 4, "out_features": 3, "bias": true}, "children": []},
         ...]},
     "weights": ["0.weight", "0.bias", ...],
     "optimizer": {"class_name": "Adam", "state": {...}},
     "metadata": {"epoch": 10}}

The architecture is each module's registered class name, its ``get_config()`` and its
children. Loading builds it through :data:`lucidnet.nn.LAYERS` only: a name the registry
does not hold is refused, nothing is imported, unpickled or evaluated, and the config is
passed as keyword arguments after checking them against the constructor's signature
(see :mod:`lucidnet.io.architecture`).
The optimizer's ``state_dict`` is stored as JSON whose arrays are references to tensors:
``{"__array__": name}`` (``{"__scalar__": name}`` for a NumPy scalar), and
``{"__tuple__": [...]}`` and ``{"__items__": [[key, value], ...]}`` for what JSON lacks.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass

import numpy

from lucidnet import backend
from lucidnet._version import __version__
from lucidnet.errors import FormatError
from lucidnet.io import tensorfile
from lucidnet.io.architecture import check_tree, describe, plain, rebuild
from lucidnet.io.tensorfile import parse_json, shorten
from lucidnet.nn.module import Module

VERSION = 1
"""Version of the ``lucidnet`` document; a file of a later version is refused."""

_OPTIMIZER = "optimizer/"
_TAGS = ("__array__", "__scalar__", "__tuple__", "__items__")
_DOCUMENT_KEYS = {"format", "version", "lucidnet", "dtype", "architecture", "weights",
                  "optimizer", "metadata"}


@dataclass(frozen=True)
class Checkpoint:
    """What a file holds, read and checked but not built into a module.

    ``weights``: name → NumPy array in ``state_dict`` order; ``architecture``: the tree
    above (None in a weights-only file); ``dtype``: the model's float dtype;
    ``optimizer``: the optimizer's ``state_dict`` and ``optimizer_class`` its class name
    (None without one); ``metadata``: the caller's dict (for a safetensors file lucidnet
    did not write, its ``__metadata__`` strings).
    """

    weights: OrderedDict
    architecture: dict | None
    dtype: str | None
    optimizer: dict | None
    optimizer_class: str | None
    metadata: dict


# -- saving ---------------------------------------------------------------------------
def save(obj, path, optimizer=None, metadata: dict | None = None) -> None:
    """Write ``obj`` (a Module of registered layers), its weights, the ``optimizer``'s
    state and ``metadata`` (a JSON-serializable dict) to ``path`` in one atomic write:
    a crash leaves the previous file intact.

    Example::

        lucidnet.save(model, "mlp.safetensors", optimizer=opt, metadata={"epoch": 5})
        model = lucidnet.load("mlp.safetensors")
    """
    weights = _arrays(obj.state_dict())
    floats = [a.dtype for a in weights.values() if a.dtype.kind == "f"]
    dtype = floats[0] if floats else backend.get_default_dtype()
    if dtype not in (numpy.float32, numpy.float64):
        raise TypeError(f"cannot save a {dtype} model: lucidnet builds float32 or float64 "
                        "models (save_weights stores any dtype)")
    _write(path, weights, describe(obj, ""), dtype.name, optimizer, metadata)


def save_weights(obj, path, metadata: dict | None = None) -> None:
    """Write only the weights of ``obj`` (a Module, or a dict name → array) to ``path``;
    read them back with ``module.load_state_dict(lucidnet.io.load_weights(path))``."""
    weights = _arrays(obj.state_dict() if hasattr(obj, "state_dict") else obj)
    _write(path, weights, None, None, None, metadata)


WEIGHTS_SUFFIXES = (".weights.h5", ".weights.safetensors")
"""The names Keras 3 gives weights files, and lucidnet's own; both hold safetensors."""


def check_weights_name(path) -> None:
    """Keras 3's rule for a weights file's name: ValueError unless it ends in
    ``.weights.h5`` (or ``.weights.safetensors``). The content is safetensors either
    way, never HDF5: lucidnet reads and writes no file format that can hold code."""
    if not str(path).endswith(WEIGHTS_SUFFIXES):
        raise ValueError(f"The filename must end in `.weights.h5` (or `.weights.safetensors`). "
                         f"Received: filepath={shorten(str(path))}")


MODEL_SUFFIXES = (".keras", ".safetensors")
"""The names a whole model's file may have: Keras 3's ``.keras`` and lucidnet's own;
both hold safetensors."""


def check_model_name(path, what: str) -> None:
    """Keras 3's rule for a whole model's file name, without HDF5: ValueError unless it
    ends in ``.keras`` or ``.safetensors`` (Keras 3 also writes HDF5 under ``.h5``;
    lucidnet writes no format that can hold code). ``what`` says who asks ('saving',
    'loading', 'ModelCheckpoint')."""
    if not str(path).endswith(MODEL_SUFFIXES):
        raise ValueError(f"Invalid filepath extension for {what}. Please add a '.keras' "
                         "extension (Keras 3's name; lucidnet's content is safetensors) or "
                         "'.safetensors'; lucidnet reads and writes no HDF5 ('.h5'). "
                         f"Received: filepath={shorten(str(path))}")


def _write(path, weights, architecture, dtype, optimizer, metadata) -> None:
    tensors = dict(weights)
    state, optimizer_class = None, None
    if optimizer is not None:
        state = _encode(optimizer.state_dict(), [], tensors)
        optimizer_class = type(optimizer).__name__
    if metadata is not None and not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict, got {type(metadata).__name__}")
    document = {
        "format": "lucidnet",
        "version": VERSION,
        "lucidnet": __version__,
        "dtype": dtype,
        "architecture": architecture,
        "weights": list(weights),
        "optimizer": None if optimizer is None else {"class_name": optimizer_class,
                                                     "state": state},
        "metadata": metadata or {},
    }
    try:
        text = json.dumps(document, default=plain)
    except (TypeError, ValueError) as err:
        raise TypeError(f"cannot save to {path}: metadata and optimizer state must be "
                        f"JSON-serializable: {err}") from None
    tensorfile.write(path, tensors, {"lucidnet": text})


def _arrays(state) -> OrderedDict:
    weights = OrderedDict()
    for name, value in state.items():
        if not isinstance(name, str) or not name or name.startswith(_OPTIMIZER) \
                or name == "__metadata__":
            raise ValueError(f"cannot save a tensor named {name!r}: names are non-empty "
                             f"strings, not '__metadata__' and not starting with {_OPTIMIZER!r}")
        weights[name] = backend.to_numpy(value)
    return weights


def _encode(value, path: list, tensors: dict):
    """``value`` as JSON, its arrays moved into ``tensors`` under ``optimizer/<path>``."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numpy.generic) or hasattr(value, "__array_namespace__") \
            or isinstance(value, numpy.ndarray):
        tag = "__scalar__" if isinstance(value, numpy.generic) else "__array__"
        name = _OPTIMIZER + "/".join(path)
        unique, k = name, 1
        while unique in tensors:
            unique, k = f"{name}#{k}", k + 1
        tensors[unique] = backend.to_numpy(numpy.asarray(value) if tag == "__scalar__"
                                           else value)
        return {tag: unique}
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, [*path, str(i)], tensors) for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [_encode(v, [*path, str(i)], tensors) for i, v in enumerate(value)]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and not (len(value) == 1 and
                                                           next(iter(value)) in _TAGS):
            return {k: _encode(v, [*path, k], tensors) for k, v in value.items()}
        return {"__items__": [[_encode(k, [*path, "key"], tensors),
                               _encode(v, [*path, str(k)], tensors)] for k, v in value.items()]}
    where = "/".join(path) or "the top"
    raise TypeError(f"cannot save optimizer state at {where!r}: {type(value).__name__} is "
                    "neither an array nor a number, string, list, tuple or dict")


def to_json(module) -> str:
    """The architecture of ``module`` (registered classes, configs, children) as the
    JSON a model file records; no weights."""
    return json.dumps(describe(module, ""), default=plain)


def from_json(text: str, budget: int = 2**31) -> Module:
    """The module a :func:`to_json` string describes, freshly initialized: built as
    :func:`load` builds a file's architecture (registered classes only, checked
    arguments, at most ``budget`` bytes of new memory on Linux); FormatError otherwise."""
    if not isinstance(text, str):
        raise TypeError(f"from_json takes a JSON string, got {type(text).__name__}")
    tree = parse_json(text, "the architecture", "the JSON string")
    check_tree(tree, "", 0, "the JSON string")
    return rebuild(tree, backend.get_default_dtype().name, budget, "the JSON string")


# -- loading --------------------------------------------------------------------------
def load_weights(path) -> OrderedDict:
    """The weights in ``path`` (name → NumPy array), for ``module.load_state_dict``.

    Reads any safetensors file; in a lucidnet file, the model's tensors only.
    """
    return load_state(path).weights


def load_state(path) -> Checkpoint:
    """Read and check ``path`` without building anything (see :class:`Checkpoint`)."""
    tensors, metadata = tensorfile.read(path)
    if "lucidnet" not in metadata:
        return Checkpoint(tensors, None, None, None, None, dict(metadata))
    document = parse_json(metadata["lucidnet"], "the 'lucidnet' metadata", path)
    _check_document(document, path)
    if document["architecture"] is not None:
        check_tree(document["architecture"], "", 0, path)
    names = document["weights"]
    outside = sorted(n for n in tensors if not n.startswith(_OPTIMIZER))
    if sorted(names) != outside:
        raise FormatError(f"{path}: the weights listed {shorten(sorted(names))} are not the "
                          f"model tensors of the file {shorten(outside)}")
    weights = OrderedDict((n, tensors[n]) for n in names)
    state, optimizer_class = None, None
    if document["optimizer"] is not None:
        used: set[str] = set()
        try:
            state = _decode(document["optimizer"]["state"], tensors, used, path)
        except RecursionError:
            raise FormatError(f"{path}: the optimizer state is nested too deeply") from None
        unused = sorted(set(tensors) - set(outside) - used)
        if unused:
            raise FormatError(f"{path}: optimizer tensors {shorten(unused)} are not part of "
                              "the optimizer state")
        optimizer_class = document["optimizer"]["class_name"]
    elif len(outside) != len(tensors):
        raise FormatError(f"{path}: holds optimizer tensors but no optimizer state")
    return Checkpoint(weights, document["architecture"], document["dtype"], state,
                      optimizer_class, document["metadata"])


def load(path, optimizer=None) -> Module:
    """Rebuild the module saved in ``path`` and load its weights, bit for bit.

    The architecture is built only from classes registered in :data:`lucidnet.nn.LAYERS`
    with checked keyword arguments, and must come out exactly as recorded; the weights
    must match it in name, shape and dtype. ``optimizer``: an optimizer created without
    parameters (``optim.Adam(lr=1e-3)``); it is bound to the loaded module's parameters
    and given the saved state. Any problem with the file raises FormatError.
    The module is returned in training mode, as a new module is; call ``eval()`` to predict.
    """
    checkpoint = load_state(path)
    if checkpoint.architecture is None:
        raise FormatError(
            f"{path}: holds weights only, no architecture; build the model and call "
            "model.load_state_dict(lucidnet.io.load_weights(path))"
        )
    # Building allocates what the config asks for: cap it at a few times the weights.
    budget = 8 * sum(a.nbytes for a in checkpoint.weights.values()) + 128 * 2**20
    module = rebuild(checkpoint.architecture, checkpoint.dtype, budget, path)
    _fill(module, checkpoint.weights, path)
    if optimizer is not None:
        _restore_optimizer(optimizer, module, checkpoint, path)
    return module


def _check_document(document, path) -> None:
    if not isinstance(document, dict) or document.get("format") != "lucidnet":
        raise FormatError(f"{path}: the 'lucidnet' metadata is not a lucidnet document")
    version = document.get("version")
    if type(version) is not int or version != VERSION:
        newer = type(version) is int and version > VERSION
        raise FormatError(f"{path}: format version {shorten(version)}; this lucidnet reads "
                          f"version {VERSION}" + ("; upgrade lucidnet" if newer else ""))
    if set(document) != _DOCUMENT_KEYS:
        raise FormatError(f"{path}: the lucidnet document has keys {shorten(sorted(document))}, "
                          f"expected {sorted(_DOCUMENT_KEYS)}")
    names, optimizer, architecture = (document[k] for k in ("weights", "optimizer",
                                                            "architecture"))
    requirements = {
        "'dtype' must be float32 or float64": document["dtype"] in (None, "float32", "float64"),
        "'lucidnet' must be a version string": isinstance(document["lucidnet"], str),
        "'architecture' must be an object": architecture is None or isinstance(architecture,
                                                                               dict),
        "'weights' must be a list of distinct names": isinstance(names, list)
        and all(isinstance(n, str) for n in names) and len(set(names)) == len(names),
        "'optimizer' must be an object with 'class_name' and 'state'": optimizer is None
        or (isinstance(optimizer, dict) and set(optimizer) == {"class_name", "state"}
            and isinstance(optimizer["class_name"], str)),
        "'metadata' must be an object": isinstance(document["metadata"], dict),
    }
    for problem, met in requirements.items():
        if not met:
            raise FormatError(f"{path}: in the lucidnet document, {problem}")
    if document["architecture"] is not None and document["dtype"] is None:
        raise FormatError(f"{path}: in the lucidnet document, an architecture needs a 'dtype'")


def _fill(module: Module, weights: OrderedDict, path) -> None:
    """Copy ``weights`` into ``module`` after checking names, shapes and dtypes."""
    own = OrderedDict((n, p.data) for n, p in module.named_parameters())
    own.update(module.named_buffers())
    missing = [n for n in own if n not in weights]
    unexpected = [n for n in weights if n not in own]
    if missing or unexpected:
        raise FormatError(f"{path}: the model built from the file has tensors "
                          f"{shorten(missing)} the file lacks, and the file has "
                          f"{shorten(unexpected)} the model lacks")
    for name, array in weights.items():
        current = own[name]
        if tuple(current.shape) != array.shape or numpy.dtype(current.dtype) != array.dtype:
            raise FormatError(f"{path}: tensor {shorten(name)} is {array.dtype}{list(array.shape)} "
                              f"in the file, {current.dtype}{list(current.shape)} in the model")
    module.load_state_dict(weights)


def _restore_optimizer(optimizer, module: Module, checkpoint: Checkpoint, path) -> None:
    if checkpoint.optimizer is None:
        raise FormatError(f"{path}: holds no optimizer state")
    if checkpoint.optimizer_class != type(optimizer).__name__:
        raise FormatError(f"{path}: holds the state of a {shorten(checkpoint.optimizer_class)} "
                          f"optimizer, not of {type(optimizer).__name__}")
    if optimizer.param_groups:
        raise ValueError(
            "load(path, optimizer=...) binds the optimizer to the loaded model, but this one "
            "already has parameters: create it without (optim.Adam(lr=1e-3)), or fill it with "
            "optimizer.load_state_dict(lucidnet.io.load_state(path).optimizer)"
        )
    optimizer.bind(module.parameters())
    try:
        optimizer.load_state_dict(checkpoint.optimizer)
    except Exception as err:  # the state came from the file: a mismatch is the file's
        raise FormatError(f"{path}: the optimizer state does not fit "
                          f"{type(optimizer).__name__}: {type(err).__name__}: {err}") from None


def _decode(value, tensors: dict, used: set, path):
    """Inverse of :func:`_encode`; references must name optimizer tensors of the file."""
    if isinstance(value, list):
        return [_decode(v, tensors, used, path) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) != 1 or next(iter(value)) not in _TAGS:
        return {k: _decode(v, tensors, used, path) for k, v in value.items()}
    (tag, content), = value.items()
    if tag in ("__array__", "__scalar__"):
        if not (isinstance(content, str) and content.startswith(_OPTIMIZER)
                and content in tensors):
            raise FormatError(f"{path}: the optimizer state refers to tensor "
                              f"{shorten(content)}, which is not an optimizer tensor of the file")
        used.add(content)
        array = tensors[content]
        if tag == "__array__":
            return array
        if array.ndim:
            raise FormatError(f"{path}: optimizer scalar {shorten(content)} has shape "
                              f"{array.shape}")
        return array[()]
    if tag == "__tuple__" and isinstance(content, list):
        return tuple(_decode(v, tensors, used, path) for v in content)
    if tag == "__items__" and isinstance(content, list) and all(
            isinstance(kv, list) and len(kv) == 2 for kv in content):
        items = [(_decode(k, tensors, used, path), _decode(v, tensors, used, path))
                 for k, v in content]
        if all(isinstance(k, (str, int, float, tuple, numpy.generic)) or k is None
               for k, _ in items):
            try:
                return dict(items)
            except TypeError:  # a tuple key holding an unhashable list
                pass
    raise FormatError(f"{path}: malformed {tag} entry in the optimizer state")
