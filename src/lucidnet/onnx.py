"""ONNX export: a model's forward, traced on the tape, written as an ONNX graph.

``export(model, path)`` runs the model once, in evaluation mode, on a batch of
placeholder inputs and walks the tape from the outputs back to the input: each
:class:`~lucidnet.autograd.Function` met on the way becomes its ONNX operator or a
small composition of operators (one exporter per Function class, in :data:`EXPORTERS`),
each Parameter an initializer named by its ``state_dict`` name. Whatever door built
the model (``nn``, the Keras facade, a Module of one's own), the graph is what its
forward computes; a forward that leaves lucidnet's Functions (a NumPy computation
wrapped in a new Tensor) or uses a Function without an exporter is refused with an
error naming it, never written as a wrong graph.

Layouts and conventions: lucidnet's Linear weight W is (in, out), so ``Gemm(X, W, b)``
takes it as it is; Dropout is the identity and BatchNorm uses its running statistics
(inference form); the batch axis is dynamic ('N'). GELU is the ``Gelu`` operator from
opset 20 and ``x·½(1 + erf(x/√2))`` (or its tanh form) below.

The graph computes in float32 by default: a float64 model is exported with its weights
rounded to float32. ``dtype='float64'`` keeps double precision; ONNX stores float
attributes (LeakyRelu's slope, Elu's α, BatchNormalization's ε) as float32, and
onnxruntime's CPU provider has no float64 kernels for Elu, Selu, HardSigmoid, Softplus,
Erf, and LeakyRelu and PRelu from opset 16, so in float64 those are compositions of
operators that have them (``Where(x > 0, x, s·x)``, …) with constants as initializers;
the exact GELU (Erf) is refused in float64.

Needs the ``onnx`` package: ``pip install 'lucidnet[onnx]'``.

>>> from lucidnet import nn, onnx
>>> mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
>>> onnx.export(mlp, 'mlp.onnx')  # doctest: +SKIP
"""

from __future__ import annotations

import math
import numbers

import numpy

from lucidnet import backend
from lucidnet._files import atomic_write
from lucidnet.autograd import Tensor, enable_grad, tape
from lucidnet.autograd import ops
from lucidnet.functional import activations as A
from lucidnet.nn.container import Chain
from lucidnet.nn.layers import BatchNormFunction, DropoutFunction, LinearFunction
from lucidnet.nn.module import LAYERS
from lucidnet.nn.normalization import NormalizationFunction

__all__ = ["DEFAULT_OPSET", "EXPORTERS", "ExportError", "export", "exports", "to_onnx"]

DEFAULT_OPSET = 17
"""The opset written unless asked (PyTorch's ``torch.onnx.export`` default)."""

MIN_OPSET = 13
"""The oldest opset written: from 13 on, Softmax and LogSoftmax work over one axis."""

_TRACE_BATCH = 3  # a batch size that a reshape mixing batch and features cannot hide


class ExportError(TypeError):
    """A model (or one of its operations) that cannot be written as ONNX."""


def _onnx():
    try:
        import onnx
    except ImportError as err:
        raise ImportError("ONNX export needs the onnx package: "
                          "pip install 'lucidnet[onnx]'") from err
    return onnx


# -- the graph under construction ----------------------------------------------------
class Graph:
    """The nodes and initializers of the graph being written, and fresh value names."""

    def __init__(self, opset: int, dtype="float32"):
        self.onnx = _onnx()
        self.opset, self.dtype = opset, numpy.dtype(dtype)
        self.elem = self.onnx.helper.np_dtype_to_tensor_dtype(self.dtype)
        self.float64 = self.dtype == numpy.float64  # no float attributes, no Erf
        self.nodes, self.initializers, self._count = [], [], 0
        self.batched: set[str] = set()  # the values that carry the batch axis first

    def fresh(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def op(self, op_type: str, *inputs: str, out: str | None = None, **attributes) -> str:
        """Append one node; its output's name (``out``, or a fresh one)."""
        out = out or self.fresh(op_type)
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), [out], **attributes))
        return out

    def const(self, value, name: str | None = None) -> str:
        """An initializer holding ``value``; floating values in the graph's dtype."""
        array = numpy.asarray(backend.to_numpy(value) if not numpy.isscalar(value) else value)
        if array.dtype.kind == "f":
            array = array.astype(self.dtype)
        name = name or self.fresh("const")
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def ints(self, values) -> str:
        return self.const(numpy.asarray(values, dtype=numpy.int64))

    def reduce(self, op_type: str, x: str, axes, keepdims: int, out=None) -> str:
        """A Reduce* node: axes an attribute before opset 18, an input from 18 on."""
        if self.opset >= 18:
            return self.op(op_type, x, self.ints(axes), out=out, keepdims=keepdims)
        return self.op(op_type, x, out=out, axes=list(axes), keepdims=keepdims)


EXPORTERS: dict[type, object] = {}
"""Function class → ``exporter(graph, fn, inputs, out) -> name``: writes the nodes that
compute ``fn`` from the value names ``inputs`` ('' for an absent input such as a bias),
its last node named ``out``. The tests export every registered layer and activation,
so a Function without an entry here fails the suite."""


def exports(*classes):
    """Decorator: register an exporter for the Function ``classes``."""

    def register(exporter):
        for cls in classes:
            EXPORTERS[cls] = exporter
        return exporter

    return register


# -- activations: their ONNX operator, or a composition --------------------------------
_UNARY = {A.Sigmoid: "Sigmoid", A.Tanh: "Tanh", A.ReLU: "Relu", ops.Exp: "Exp",
          ops.Log: "Log", ops.Sqrt: "Sqrt", ops.Abs: "Abs", ops.Neg: "Neg"}


@exports(*_UNARY)
def _unary(g, fn, ins, out):
    return g.op(_UNARY[type(fn)], ins[0], out=out)


@exports(A.BinaryStep)
def _binary_step(g, fn, ins, out):
    """step(x) = Cast(x ≥ 0) to float (1 at 0)."""
    at_least_0 = g.op("GreaterOrEqual", ins[0], g.const(0.0))
    return g.op("Cast", at_least_0, out=out, to=g.elem)


@exports(A.Identity)
def _identity(g, fn, ins, out):
    if fn.a == 1:
        return g.op("Identity", ins[0], out=out)
    return g.op("Mul", ins[0], g.const(float(fn.a)), out=out)


# In float64, the operators whose float attributes ONNX rounds to float32 (or for which
# onnxruntime's CPU provider has no float64 kernel) are written as compositions.
def _where_positive(g, x, left, out):
    """x where x > 0, else ``left``."""
    return g.op("Where", g.op("Greater", x, g.const(0.0)), x, left, out=out)


@exports(A.HardSigmoid)
def _hard_sigmoid(g, fn, ins, out):
    """max(0, min(1, αx + β)) with Keras 3's and PyTorch's α = 1/6, β = 1/2."""
    if not g.float64:
        return g.op("HardSigmoid", ins[0], out=out, alpha=1 / 6, beta=0.5)
    y = g.op("Add", g.op("Div", ins[0], g.const(6.0)), g.const(0.5))
    return g.op("Min", g.op("Max", y, g.const(0.0)), g.const(1.0), out=out)


@exports(A.LeakyReLU)
def _leaky_relu(g, fn, ins, out):
    if not g.float64:
        return g.op("LeakyRelu", ins[0], out=out, alpha=float(fn.slope))
    return _where_positive(g, ins[0], g.op("Mul", ins[0], g.const(fn.slope)), out)


@exports(A.PReLU)
def _prelu(g, fn, ins, out):
    if not g.float64:  # α broadcasts over x, as ONNX's slope
        return g.op("PRelu", ins[0], ins[1], out=out)
    return _where_positive(g, ins[0], g.op("Mul", ins[0], ins[1]), out)


@exports(A.ELU, A.SELU)
def _elu(g, fn, ins, out):
    """Elu(α) when λ = 1, else Selu(α, γ = λ): λ·(x or α(eˣ − 1)) is ONNX's Selu."""
    x = ins[0]
    if not g.float64:
        if fn.scale == 1:
            return g.op("Elu", x, out=out, alpha=float(fn.alpha))
        return g.op("Selu", x, out=out, alpha=float(fn.alpha), gamma=float(fn.scale))
    expm1 = g.op("Sub", g.op("Exp", g.op("Min", x, g.const(0.0))), g.const(1.0))
    elu = _where_positive(g, x, g.op("Mul", expm1, g.const(fn.alpha)),
                          out if fn.scale == 1 else None)
    return elu if fn.scale == 1 else g.op("Mul", elu, g.const(fn.scale), out=out)


@exports(A.GELU)
def _gelu(g, fn, ins, out):
    """Gelu from opset 20; below, ½x(1 + erf(x/√2)), or with approximate='tanh'
    ½x(1 + tanh(√(2/π)(x + 0.044715x³)))."""
    x = ins[0]
    if g.float64 and fn.approximate == "none":
        raise ExportError("the exact GELU cannot be exported in float64: onnxruntime has no "
                          "float64 Erf (its Gelu calls Erf too); export float32, or use "
                          "GELU(approximate='tanh')")
    if g.opset >= 20 and not g.float64:
        return g.op("Gelu", x, out=out, approximate=fn.approximate)
    if fn.approximate == "tanh":
        cube = g.op("Mul", g.op("Mul", x, x), x)
        inner = g.op("Add", x, g.op("Mul", cube, g.const(0.044715)))
        t = g.op("Tanh", g.op("Mul", inner, g.const(math.sqrt(2 / math.pi))))
    else:
        t = g.op("Erf", g.op("Mul", x, g.const(1 / math.sqrt(2))))
    half_x = g.op("Mul", x, g.const(0.5))
    return g.op("Mul", half_x, g.op("Add", t, g.const(1.0)), out=out)


@exports(A.SiLU)
def _silu(g, fn, ins, out):
    """x·σ(βx)."""
    x = ins[0]
    bx = x if fn.beta == 1 else g.op("Mul", x, g.const(float(fn.beta)))
    return g.op("Mul", x, g.op("Sigmoid", bx), out=out)


@exports(A.Softplus)
def _softplus(g, fn, ins, out):
    """x where βx > threshold, else Softplus(βx)/β (ONNX's Softplus is ln(1 + eˣ); in
    float64 max(βx, 0) + ln(1 + e^{−|βx|}), as lucidnet computes it)."""
    x, beta = ins[0], float(fn.beta)
    bx = x if beta == 1 else g.op("Mul", x, g.const(beta))
    if g.float64:
        tail = g.op("Log", g.op("Add", g.op("Exp", g.op("Neg", g.op("Abs", bx))), g.const(1.0)))
        soft = g.op("Add", g.op("Relu", bx), tail)
    else:
        soft = g.op("Softplus", bx)
    soft = soft if beta == 1 else g.op("Div", soft, g.const(beta))
    linear = g.op("Greater", bx, g.const(float(fn.threshold)))
    return g.op("Where", linear, x, soft, out=out)


@exports(A.Softmax, A.LogSoftmax)
def _softmax(g, fn, ins, out):
    return g.op(type(fn).__name__, ins[0], out=out, axis=int(fn.axis))


@exports(A.Maxout)
def _maxout(g, fn, ins, out):
    """Reshape (*, C·k) → (*, C, k), then the max over the last axis."""
    *lead, features = fn.shape
    shape = g.ints([0] * len(lead) + [features // fn.k, fn.k])
    return g.reduce("ReduceMax", g.op("Reshape", ins[0], shape), [-1], 0, out=out)


# -- layers' Functions -------------------------------------------------------------
@exports(LinearFunction)
def _linear(g, fn, ins, out):
    """Gemm(X, W, b) for a batch of vectors (lucidnet's W is (in, out) as Gemm wants it;
    PyTorch's layout (out, in) is Gemm's transB), else MatMul then Add (leading axes
    broadcast)."""
    X, W, b = ins
    if fn.X.ndim == 2:
        layout = {"transB": 1} if fn.transposed else {}
        return g.op("Gemm", X, W, *([b] if b else []), out=out, **layout)
    W = g.op("Transpose", W) if fn.transposed else W
    if not b:
        return g.op("MatMul", X, W, out=out)
    return g.op("Add", g.op("MatMul", X, W), b, out=out)


@exports(BatchNormFunction)
def _batch_norm(g, fn, ins, out):
    """BatchNormalization with the running statistics (inference form); a layer without
    running statistics normalizes with its batch's, as in :class:`BatchNormFunction`."""
    X, gamma, beta = ins
    C = fn.X_hat.shape[1]
    if not fn.training and not g.float64:
        gamma = gamma or g.const(numpy.ones(C))
        beta = beta or g.const(numpy.zeros(C))
        return g.op("BatchNormalization", X, gamma, beta, g.const(fn.running_mean),
                    g.const(fn.running_var), out=out, epsilon=float(fn.eps))
    if not fn.training:  # float64: ε is a float attribute of BatchNormalization
        Xc, inv_std = g.op("Sub", X, g.const(fn.running_mean)), g.const(fn.inv_std)
    else:
        Xc = g.op("Sub", X, g.reduce("ReduceMean", X, [0], 1))
        var = g.reduce("ReduceMean", g.op("Mul", Xc, Xc), [0], 1)
        inv_std = g.op("Reciprocal", g.op("Sqrt", g.op("Add", var, g.const(float(fn.eps)))))
    steps = [("Mul", inv_std)] + [(op, v) for op, v in (("Mul", gamma), ("Add", beta)) if v]
    y = Xc
    for i, (op, v) in enumerate(steps):
        y = g.op(op, y, v, out=out if i == len(steps) - 1 else None)
    return y


@exports(NormalizationFunction)
def _normalization(g, fn, ins, out):
    """(X − μ)/s, or μ + X·s when inverted; s = max(√σ², ε) as the layer computed it."""
    if fn.invert:
        return g.op("Add", g.op("Mul", ins[0], g.const(fn.scale)), g.const(fn.mean), out=out)
    return g.op("Div", g.op("Sub", ins[0], g.const(fn.mean)), g.const(fn.scale), out=out)


@exports(DropoutFunction)
def _dropout(g, fn, ins, out):
    raise ExportError("Dropout ran in training mode while the model was traced in evaluation "
                      "mode; a forward that calls F.dropout(..., training=True) cannot be "
                      "exported: pass training=self.training")


@exports(Chain)
def _chain(g, fn, ins, out):
    """The Functions of a Chain in turn, each by its own exporter."""
    x, params, last = ins[0], list(ins[1:]), len(fn.pieces) - 1
    for i, (_, inner, k) in enumerate(fn.pieces):
        x = _emit(g, inner, [x, *params[:k]], out if i == last else None)
        params = params[k:]
    return x


# -- primitives of autograd.ops -----------------------------------------------------
_BINARY = {ops.Add: "Add", ops.Sub: "Sub", ops.Mul: "Mul", ops.Div: "Div",
           ops.MatMul: "MatMul", ops.PowTensor: "Pow", ops.Maximum: "Max", ops.Minimum: "Min"}


@exports(*_BINARY)
def _binary(g, fn, ins, out):
    return g.op(_BINARY[type(fn)], *ins, out=out)


@exports(ops.Pow)
def _pow(g, fn, ins, out):
    return g.op("Pow", ins[0], g.const(fn.p), out=out)


@exports(ops.Cast)
def _cast(g, fn, ins, out):
    dtype = numpy.dtype(fn.dtype)
    if dtype.kind == "f":  # the graph computes in one float dtype
        dtype = g.dtype
    to = g.onnx.helper.np_dtype_to_tensor_dtype(dtype)
    return g.op("Cast", ins[0], out=out, to=to)


@exports(ops.Reshape)
def _reshape(g, fn, ins, out):
    """The new shape with −1 on the batch axis, so any batch size runs; a reshape that
    spreads the batch over the other axes has no such shape and is refused."""
    target = numpy.empty(fn.shape, dtype=numpy.bool_).reshape(fn.new_shape).shape
    if ins[0] not in g.batched:  # a parameter's reshape: its shape is fixed
        return g.op("Reshape", ins[0], g.ints(target), out=out)
    if not target or target[0] % _TRACE_BATCH or fn.shape[0] != _TRACE_BATCH:
        raise ExportError(f"a reshape from {fn.shape} to {target} (batch of {_TRACE_BATCH}) "
                          "moves the batch axis: it cannot be exported with a dynamic batch")
    return g.op("Reshape", ins[0], g.ints([-1, *target[1:]]), out=out)


@exports(ops.Transpose)
def _transpose(g, fn, ins, out):
    axes = list(reversed(range(fn.inputs[0].ndim))) if fn.axes is None else fn.axes
    if ins[0] not in g.batched:
        return g.op("Transpose", ins[0], out=out, perm=[int(a) for a in axes])
    if fn.axes is None or fn.axes[0] != 0:
        raise ExportError(f"a transpose with axes {fn.axes} moves the batch axis")
    return g.op("Transpose", ins[0], out=out, perm=[int(a) for a in fn.axes])


@exports(ops.Clip)
def _clip(g, fn, ins, out):
    bounds = ["" if v is None else g.const(float(v)) for v in (fn.low, fn.high)]
    return g.op("Clip", ins[0], *bounds, out=out)


@exports(ops.Concatenate)
def _concatenate(g, fn, ins, out):
    return g.op("Concat", *ins, out=out, axis=int(fn.axis))


# -- tracing -----------------------------------------------------------------------
def _emit(g, fn, ins, out) -> str:
    exporter = EXPORTERS.get(type(fn))  # the exact class: a subclass may compute otherwise
    if exporter is None:
        raise ExportError(f"the operation {type(fn).__module__}.{type(fn).__name__} "
                          "has no ONNX exporter (see lucidnet.onnx.EXPORTERS)")
    return exporter(g, fn, ins, out)


def _suspects(model) -> str:
    """The model's layers of its own classes: every registered layer exports (the tests
    check each), so the operation that does not comes from one of these."""
    own = sorted({m.label() for m in model.modules() if LAYERS.name_of(m) is None})
    return (f"; it comes from one of the layers that are not lucidnet's registered ones "
            f"(all of which export): {', '.join(own)}") if own else ""


def _names(given, count: int, stem: str) -> list[str]:
    """``count`` distinct value names: ``given``, else ``stem`` or stem_0, stem_1, …"""
    default = [stem] if count == 1 else [f"{stem}_{i}" for i in range(count)]
    names = default if given is None else [str(n) for n in given]
    if len(names) != count or len(set(names)) != count:
        raise ValueError(f"{stem}_names must be {count} distinct names, got {given!r}")
    return names


def _outputs(result, model, output_names) -> list[tuple[str, Tensor]]:
    """(name, Tensor) per output: ``output_names``, a dict's keys, Keras's output names,
    or 'output' (output_0, output_1, … for several)."""
    names = output_names
    if isinstance(result, dict):
        names, values = names or list(result), list(result.values())
    elif isinstance(result, (list, tuple)):
        values = list(result)
        known = getattr(model, "output_names", None)
        names = names or (known if known is not None and len(known) == len(values) else None)
    else:
        values = [result]
    return list(zip(_names(names, len(values), "output"), values))


def _made_from(outputs: list[Tensor]) -> list[Tensor]:
    """The tensors on the tape that the outputs were made from, each once and after the
    tensors it was made of (:func:`lucidnet.autograd.tape` of each output, joined)."""
    seen, order = set(), []
    for out in outputs:
        for t in tape(out):
            if id(t) not in seen:
                seen.add(id(t))
                order.append(t)
    return order


def _model_dtype(model):
    params = list(model.parameters())
    return params[0].dtype if params else backend.get_default_dtype()


def infer_input_shape(model) -> tuple:
    """The shape of one sample, when the first layer says it (in_features, num_features)."""
    leaves = [m for m in model.modules() if next(m.children(), None) is None]
    first = leaves[0] if leaves else model
    for attr in ("in_features", "num_features"):
        if isinstance(getattr(first, attr, None), numbers.Integral):
            return (int(getattr(first, attr)),)
    raise ExportError(f"cannot tell the input shape of {type(model).__name__} from its first "
                      f"layer ({type(first).__name__}); pass input_shape=(features, ...)")


def _trace(model, shapes):
    """The model's result on placeholder inputs (evaluation mode, the tape on) and the
    inputs; every module's mode is restored."""
    dtype = _model_dtype(model)
    rng = numpy.random.default_rng(0)
    inputs = [Tensor(backend.asarray(rng.standard_normal((_TRACE_BATCH, *s)), dtype=dtype),
                     requires_grad=True) for s in shapes]
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with enable_grad():
            result = model(inputs[0] if len(inputs) == 1 else inputs)
    finally:
        for m, mode in modes:  # parents first: a child's own mode is set after its parent's
            m.train(mode)
    return result, inputs


def _check_opset(opset) -> int:
    newest = _onnx().defs.onnx_opset_version()
    if not isinstance(opset, numbers.Integral) or not MIN_OPSET <= opset <= newest:
        raise ValueError(f"opset must be an integer from {MIN_OPSET} to {newest} (the onnx "
                         f"package's newest), got {opset!r}")
    return int(opset)


def to_onnx(model, input_shape=None, opset: int = DEFAULT_OPSET, dtype="float32",
            input_names=None, output_names=None):
    """The ONNX ModelProto of ``model`` (see :func:`export`), checked by ``onnx.checker``."""
    onnx = _onnx()
    opset = _check_opset(opset)
    if str(numpy.dtype(dtype)) not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    if input_shape is None:
        input_shape = infer_input_shape(model)
    shapes = ([tuple(s) for s in input_shape] if input_shape and
              isinstance(input_shape[0], (list, tuple)) else [tuple(input_shape)])
    result, inputs = _trace(model, shapes)
    outputs = _outputs(result, model, output_names)
    input_names = _names(input_names, len(inputs), "input")
    g = Graph(opset, dtype)
    names = {id(t): n for t, n in zip(inputs, input_names)}
    g.batched.update(input_names)
    params = {id(p): n for n, p in model.named_parameters()}
    wanted = {}
    for name, t in outputs:
        if not isinstance(t, Tensor):
            raise ExportError(f"output {name!r} of {type(model).__name__} is a "
                              f"{type(t).__name__}, not a Tensor")
        wanted.setdefault(id(t), name)
    def value(x) -> str:
        """The name of a Function's input: a leaf that takes no gradient (off the tape,
        a frozen parameter) is named here; constants become initializers."""
        if not isinstance(x, Tensor):
            return "" if x is None else g.const(x)
        if id(x) not in names:
            if id(x) not in params:
                raise ExportError(
                    f"the forward uses a tensor of shape {x.shape} that is neither the "
                    "input nor a parameter: made outside lucidnet's operations (the tape "
                    "cannot say how it depends on the input)")
            names[id(x)] = g.const(x.data, params[id(x)])
        return names[id(x)]

    try:
        for t in _made_from([t for _, t in outputs]):
            if t.grad_fn is None:
                value(t)
                continue
            ins = [value(i) for i in t.grad_fn.inputs]
            names[id(t)] = _emit(g, t.grad_fn, ins, wanted.get(id(t)))
            if g.batched.intersection(ins):
                g.batched.add(names[id(t)])
    except ExportError as err:
        message = f"cannot export {type(model).__name__}: {err}{_suspects(model)}"
        raise ExportError(message) from None
    graph_outputs = []
    for name, t in outputs:
        if names[id(t)] != name:  # an input, a parameter or a tensor given twice
            g.op("Identity", names[id(t)], out=name)
        rest = ["N"] if t.ndim and t.shape[0] == _TRACE_BATCH else [None] if t.ndim else []
        graph_outputs.append(onnx.helper.make_tensor_value_info(
            name, g.elem, rest + list(t.shape[1:])))
    graph_inputs = [onnx.helper.make_tensor_value_info(n, g.elem, ["N", *s])
                    for n, s in zip(input_names, shapes)]
    graph = onnx.helper.make_graph(g.nodes, type(model).__name__, graph_inputs, graph_outputs,
                                   g.initializers)
    opsets = [onnx.helper.make_opsetid("", opset)]
    proto = onnx.helper.make_model(graph, opset_imports=opsets, producer_name="lucidnet",
                                   ir_version=onnx.helper.find_min_ir_version_for(opsets))
    onnx.checker.check_model(proto, full_check=True)
    return proto


def export(model, path, input_shape=None, opset: int = DEFAULT_OPSET, dtype="float32",
           input_names=None, output_names=None) -> None:
    """Write ``model`` to ``path`` as an ONNX file, for onnxruntime, Netron, a browser.

    ``input_shape``: one sample's shape (without the batch axis), or a list of shapes
    for a model of several inputs; by default the first layer's (``in_features``).
    ``input_names`` and ``output_names`` (PyTorch's ``torch.onnx.export`` arguments)
    name the graph's inputs and outputs; by default 'input' (or 'input_0', …) and
    'output' (a dict's keys, a Keras model's output names, or 'output_0', …). The batch
    axis is dynamic ('N'); the arithmetic is ``dtype``, float32 unless 'float64' is
    asked (see the module docstring). ``opset``: 13 … the onnx package's newest (17 by
    default). Written to a temporary file, then renamed.
    """
    proto = to_onnx(model, input_shape, opset, dtype, input_names, output_names)
    with atomic_write(path) as f:
        f.write(proto.SerializeToString())
