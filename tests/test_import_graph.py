"""The import graph: no circle, and each layer imports only the ones below it.

Every module's imports (those inside functions included) are read with ``ast``, not by
importing anything, so a lazy import cannot hide a circle or an upward step.
"""

from __future__ import annotations

import ast
import pathlib

import lucidnet

ROOT = pathlib.Path(lucidnet.__file__).parent

LAYERS = [
    ("errors", "_version", "backend", "registry", "denormals", "_files", "_text", "parallel",
     "threads"),
    ("autograd",),
    ("functional", "activations", "losses", "initializers"),
    ("nn", "optim", "optimizers", "io", "onnx", "tensorboard", "datasets", "diagnostics",
     "tracing", "__init__"),
    ("training",),
    ("keras", "sklearn", "torch", "plotting"),
    ("lab", "sweep"),
    ("cli", "__main__"),
]
"""The layers from the bottom (``docs/design.md``): backend < autograd < functional <
nn, optim < training < facades < lab < cli, with the side modules where their imports
put them. ``__init__`` is the top package, which re-exports autograd, backend and io."""

AUTOGRAD_CORE = {"lucidnet.autograd.function", "lucidnet.autograd.ops", "lucidnet.autograd.tensor"}
"""The one circle left, inside one package: a Tensor's operators are Functions (ops),
and a Function's call makes Tensors (function → tensor → ops → function)."""


def _module_name(path: pathlib.Path) -> str:
    parts = ["lucidnet", *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """module → the lucidnet modules it imports."""
    modules = {_module_name(p): p for p in ROOT.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                for a in node.names:  # `from lucidnet import nn` imports lucidnet.nn
                    targets.add(f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def circles(graph) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def layer_of(module: str) -> int:
    key = module.split(".")[1] if "." in module else "__init__"
    for rank, names in enumerate(LAYERS):
        if key in names:
            return rank
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


def test_the_circle_finder_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


def test_no_module_is_in_an_import_circle():
    assert [c for c in circles(import_graph()) if c != AUTOGRAD_CORE] == []


def test_no_module_imports_a_layer_above_its_own():
    upward = [f"{m} → {t}" for m, targets in import_graph().items() for t in targets
              if layer_of(t) > layer_of(m)]
    assert upward == []
