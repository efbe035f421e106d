"""Architectures: a module tree as JSON, and the guarded way back to modules.

A node is ``{"class_name", "config", "children": [{"name", ...node}, ...]}``: the class's
name in :data:`lucidnet.nn.LAYERS`, its ``get_config()`` and its child modules. Going
back, only registered Module classes are built, with config keys checked against the
constructor's signature, under the file's float dtype and (on Linux) a memory cap; the
result must describe itself exactly as the file does.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import os

import numpy

from lucidnet import backend
from lucidnet.errors import FormatError
from lucidnet.io.tensorfile import shorten
from lucidnet.nn.module import LAYERS, Module

try:
    import resource
except ImportError:  # Windows
    resource = None

MAX_DEPTH = 64
"""Deepest module tree, and deepest nesting inside a config, that a file may hold."""

_NODE_KEYS = {"class_name", "config", "children"}


def describe(module, where: str) -> dict:
    """The architecture tree of ``module``: class name, config and children."""
    label = f"layer {where!r}" if where else "the model"
    class_name = LAYERS.name_of(module)
    if class_name is None:
        raise ValueError(
            f"cannot save {label}: its class {type(module).__name__} is not registered in "
            "lucidnet.nn.LAYERS, so a file could not rebuild it; register it with "
            f"@LAYERS.register({type(module).__name__!r}) or use save_weights"
        )
    config = module.get_config()
    accepted, required, _ = _constructor(type(module))
    if not all(isinstance(k, str) for k in config):
        raise TypeError(f"cannot save {label}: {type(module).__name__}.get_config() must "
                        "have string keys")
    unknown = sorted(set(config) - accepted)
    if unknown:
        raise ValueError(f"cannot save {label}: {type(module).__name__}.get_config() gives "
                         f"{unknown}, which its constructor does not accept")
    try:
        json.dumps(config, default=plain)
    except (TypeError, ValueError) as err:
        raise TypeError(f"cannot save {label}: {type(module).__name__}.get_config() is not "
                        f"JSON-serializable: {err}") from None
    children = []
    for name, child in getattr(module, "_modules", {}).items():
        if not name or "." in name:
            raise ValueError(f"cannot save {label}: child name {name!r} is empty or dotted")
        path = f"{where}.{name}" if where else name
        children.append({"name": name, **describe(child, path)})
    # A container's ``layers`` argument is filled from its children when loading.
    missing = sorted(required - set(config) - ({"layers"} if children else set()))
    if missing:
        raise ValueError(f"cannot save {label}: {type(module).__name__}.get_config() "
                         f"lacks the constructor's required arguments {missing}")
    return {"class_name": class_name, "config": config, "children": children}


@functools.cache  # once per class: a file of n layers reads n signatures otherwise
def _constructor(cls) -> tuple[frozenset, frozenset, bool]:
    """The keyword arguments ``cls(...)`` accepts, those it requires, and whether it takes
    children as ``*args``. A ``**kwargs`` passes names on to the base class's
    constructor, which is read in turn (as Keras layers pass ``name`` to ``Layer``)."""
    accepted, required, declared, variadic = set(), set(), set(), None
    for klass in cls.__mro__:
        if klass is Module or klass is object:
            break
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            params = list(inspect.signature(init).parameters.values())[1:]
        except (TypeError, ValueError):
            break
        if variadic is None:
            variadic = any(p.kind is p.VAR_POSITIONAL for p in params)
        for p in params:
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in declared:
                declared.add(p.name)
                accepted.add(p.name)
                if p.default is p.empty:
                    required.add(p.name)
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return frozenset(accepted), frozenset(required), bool(variadic)


def plain(value):
    """NumPy scalars as Python numbers, for ``json.dumps``."""
    if isinstance(value, numpy.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON-serializable")


def check_tree(node, where: str, depth: int, path) -> None:
    """Check the shape of the architecture tree (no class is looked up here)."""
    label = f"layer {shorten(where)}" if where else "the top-level layer"
    keys = _NODE_KEYS | ({"name"} if depth else set())
    if depth > MAX_DEPTH:
        raise FormatError(f"{path}: the architecture is nested deeper than {MAX_DEPTH} layers")
    if not isinstance(node, dict) or set(node) != keys:
        raise FormatError(f"{path}: {label} must be an object with keys {sorted(keys)}")
    if not isinstance(node["class_name"], str) or not isinstance(node["config"], dict) \
            or not isinstance(node["children"], list):
        raise FormatError(f"{path}: {label} needs a string 'class_name', an object 'config' "
                          "and a list 'children'")
    if _nesting(node["config"]) > MAX_DEPTH:
        raise FormatError(f"{path}: the config of {label} is nested deeper than {MAX_DEPTH}")
    names = set()
    for child in node["children"]:
        name = child.get("name") if isinstance(child, dict) else None
        if not isinstance(name, str) or not name or "." in name or name in names:
            raise FormatError(f"{path}: {label} has a child named {shorten(name)}; names are "
                              "distinct non-empty strings without '.'")
        names.add(name)
        check_tree(child, f"{where}.{name}" if where else name, depth + 1, path)


def _nesting(value) -> int:
    """How deeply lists and dicts nest in ``value`` (counted without recursion)."""
    depth, level = 0, [value]
    while level:
        level = [item for v in level if isinstance(v, (list, dict))
                 for item in (v.values() if isinstance(v, dict) else v)]
        depth += 1
    return depth - 1


def _build(node: dict, where: str, path) -> Module:
    """Construct ``node``'s registered class with its checked config; containers get their
    children as ``*args`` (``Sequential(*modules)``) or as ``layers=[...]`` (Keras)."""
    label = f"layer {shorten(where)}" if where else "the top-level layer"
    class_name = node["class_name"]
    cls = LAYERS.resolve(class_name) if class_name in LAYERS else None
    if not (inspect.isclass(cls) and issubclass(cls, Module)):
        raise FormatError(
            f"{path}: {label} names class {shorten(class_name)}, which is not a registered "
            "lucidnet layer; lucidnet builds only classes in lucidnet.nn.LAYERS (those of "
            "lucidnet.nn, and 'keras.*' once lucidnet.keras is imported) and never imports "
            "a name found in a file"
        )
    accepted, required, variadic = _constructor(cls)
    kwargs, args = dict(node["config"]), ()
    children = [(child, f"{where}.{child['name']}" if where else child["name"])
                for child in node["children"]]
    if children and variadic:
        args = tuple(_build(child, child_where, path) for child, child_where in children)
    elif children and "layers" in accepted and "layers" not in kwargs:
        kwargs["layers"] = [_build(child, child_where, path) for child, child_where in children]
    unknown, missing = sorted(set(kwargs) - accepted), sorted(required - set(kwargs))
    if unknown or missing:
        raise FormatError(
            f"{path}: {label} ({class_name}) has config keys {shorten(unknown)} its "
            f"constructor does not take, or lacks {shorten(missing)}; it takes "
            f"{sorted(accepted)}"
        )
    try:
        return cls(*args, **kwargs)
    except Exception as err:  # whatever the constructor makes of a hostile config
        raise FormatError(f"{path}: cannot build {label} as {class_name}(**"
                          f"{shorten(node['config'])}): {type(err).__name__}: "
                          f"{str(err)[:200]}") from None


def _first_difference(saved: dict, built: dict, where: str) -> str | None:
    label = f"layer {shorten(where)}" if where else "the top-level layer"
    if saved["class_name"] != built["class_name"]:
        return f"{label} is {shorten(saved['class_name'])} in the file, {built['class_name']} built"
    if _canonical(saved["config"]) != _canonical(built["config"]):
        return (f"{label} has config {shorten(saved['config'])} in the file, "
                f"{shorten(built['config'])} built")
    saved_names = [c["name"] for c in saved["children"]]
    built_names = [c["name"] for c in built["children"]]
    if saved_names != built_names:
        return (f"{label} has children {shorten(saved_names)} in the file, "
                f"{shorten(built_names)} built")
    for s, b in zip(saved["children"], built["children"], strict=True):
        difference = _first_difference(s, b, f"{where}.{s['name']}" if where else s["name"])
        if difference:
            return difference
    return None


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, default=plain)


def rebuild(tree: dict, dtype: str, budget: int, path) -> Module:
    """The module ``tree`` describes, built in ``dtype`` with at most ``budget`` bytes of
    new address space (Linux); FormatError unless it describes itself as ``tree``."""
    # The initial values are overwritten by the file's, so their overflows are not news.
    with backend.default_dtype(dtype), _memory_cap(budget), numpy.errstate(all="ignore"):
        module = _build(tree, "", path)
    try:
        built = describe(module, "")
    except (TypeError, ValueError) as err:
        raise FormatError(f"{path}: the rebuilt model cannot be described: {err}") from None
    difference = _first_difference(tree, built, "")
    if difference:
        raise FormatError(f"{path}: the architecture rebuilt from the file differs from the "
                          f"one it records: {difference}")
    return module


@contextlib.contextmanager
def _memory_cap(nbytes: int):
    """Cap the process's address space at its present size + ``nbytes`` in the block.

    A hostile config can ask for a layer of 10¹⁰ weights; under the cap NumPy raises
    MemoryError at once instead of filling 40 GB. Linux and NumPy only (elsewhere the
    block runs uncapped); other threads share the cap for the milliseconds it lasts.
    """
    if _address_space() is None or backend.name != "numpy":
        yield
        return
    # OpenBLAS maps its buffers (tens of MB per thread) at its first product: done before
    # the cap, or the build's first product ends the process ("Memory allocation failed")
    numpy.ones((2, 2)) @ numpy.ones((2, 2))
    used = _address_space()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = used + nbytes if hard == resource.RLIM_INFINITY else min(used + nbytes, hard)
    if soft != resource.RLIM_INFINITY and soft <= cap:
        yield
        return
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _address_space() -> int | None:
    """Bytes of address space this process maps (Linux), None where unknown."""
    if resource is None:
        return None
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None
