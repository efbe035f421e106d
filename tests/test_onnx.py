"""ONNX export: every registered activation and layer, through every door, run in
onnxruntime and compared with lucidnet's own forward (float32, ≤ 1e-5 relative to the
output's scale); multi-output models, the command line, and the errors that refuse
what cannot be exported."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest

import lucidnet
from lucidnet import cli, keras, nn
from lucidnet import functional as F
from lucidnet import onnx as lonnx
from lucidnet.nn import LAYERS
from lucidnet.nn.layers import LinearFunction
from lucidnet.registry import ACTIVATIONS

sys.path.insert(0, str(Path(__file__).parent / "nn"))
from test_layers import CASES  # noqa: E402  (the declared case of every nn layer)

RTOL = 1e-5


def run_onnx(path, *inputs):
    """The outputs of the ONNX file at ``path`` in onnxruntime, by output name."""
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    outputs = session.run(None, dict(zip(names, (np.asarray(x, np.float32) for x in inputs))))
    return dict(zip([o.name for o in session.get_outputs()], outputs))


def assert_close(got, expected):
    """float32 agreement: |got − expected| ≤ 1e-5·(|expected| + max|expected|)."""
    expected = np.asarray(expected)
    assert got.shape == expected.shape and got.dtype == np.float32
    scale = max(float(np.abs(expected).max(initial=0.0)), 1e-30)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=RTOL * scale)


def reference(model, x):
    """lucidnet's forward of ``model`` on ``x`` in evaluation mode (as exported)."""
    model.eval()
    with lucidnet.no_grad():
        out = model(x)
    return out.numpy() if isinstance(out, lucidnet.Tensor) else out


def sample(shape, seed=0):
    return (2 * np.random.default_rng(seed).standard_normal(shape)).astype(np.float32)


# -- every activation, through nn and through Keras ----------------------------------------
def activation_models(name):
    """The models that apply activation ``name``: nn (its layer) and Keras (Dense's
    activation), after a linear layer so the inputs span both signs."""
    requires = ACTIVATIONS.meta(name).get("requires")
    if requires == ("alpha",):
        return {"nn": nn.Sequential(nn.Linear(4, 5), nn.PReLU(5, init=0.3)),
                "keras": keras.Sequential([keras.Input((4,)), keras.layers.Dense(5),
                                           keras.layers.PReLU(alpha_initializer="ones")])}
    if requires == ("pieces",):
        return {"nn": nn.Sequential(nn.Maxout(4, 5, 3))}
    assert not requires, f"{name} requires {requires}: declare its model here"
    return {"nn": nn.Sequential(nn.Linear(4, 5), nn.Activation(name)),
            "keras": keras.Sequential([keras.Input((4,)),
                                       keras.layers.Dense(5, activation=name)])}


ACTIVATION_CASES = [pytest.param(name, door, id=f"{name}-{door}")
                    for name in ACTIVATIONS.names()
                    for door in activation_models(name)]


@pytest.mark.parametrize("opset", [lonnx.DEFAULT_OPSET, 20])
@pytest.mark.parametrize("name, door", ACTIVATION_CASES)
def test_every_registered_activation_exports_and_runs_in_onnxruntime(name, door, opset, tmp_path):
    lucidnet.manual_seed(0)
    model = activation_models(name)[door]
    path = tmp_path / "m.onnx"
    lonnx.export(model, path, input_shape=(4,), opset=opset)
    x = sample((7, 4))
    assert_close(run_onnx(path, x)["output"], reference(model, x))


@pytest.mark.parametrize("name, door", ACTIVATION_CASES)
def test_every_activation_exports_in_float64_around_onnxruntimes_missing_kernels(
        name, door, tmp_path):
    """float64: no float attribute (ONNX keeps them float32) and no operator without a
    float64 kernel in onnxruntime (Elu, Selu, HardSigmoid, Softplus, Erf, LeakyRelu and
    PRelu from opset 16): compositions agree with lucidnet's float64 forward to 1e-13."""
    lucidnet.manual_seed(0)
    with lucidnet.default_dtype("float64"):
        model = activation_models(name)[door]
    path = tmp_path / "m.onnx"
    if name == "gelu":  # exact: erf, which onnxruntime has in float32 only
        with pytest.raises(lonnx.ExportError, match="no float64 Erf"):
            lonnx.export(model, path, input_shape=(4,), dtype="float64")
        return
    lonnx.export(model, path, input_shape=(4,), dtype="float64")
    x = sample((7, 4)).astype(np.float64)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {"input": x})[0]
    expected = reference(model, x)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-13 * np.abs(expected).max())


def test_float64_layers_and_the_tanh_gelu(tmp_path):
    with lucidnet.default_dtype("float64"):
        model = nn.Sequential(nn.Linear(4, 6), nn.GELU("tanh"), nn.BatchNorm1d(6),
                              nn.Maxout(6, 2, 3))
    model[2].running_mean[...] = 0.3
    model[2].running_var[...] = 1.7
    lonnx.export(model, tmp_path / "m.onnx", dtype="float64", opset=20)
    proto = onnx.load(tmp_path / "m.onnx")
    assert {t.data_type for t in proto.graph.initializer} >= {onnx.TensorProto.DOUBLE}
    assert "BatchNormalization" not in {n.op_type for n in proto.graph.node}  # ε: a float32
    x = sample((5, 4)).astype(np.float64)
    session = onnxruntime.InferenceSession(str(tmp_path / "m.onnx"),
                                           providers=["CPUExecutionProvider"])
    expected = reference(model, x)
    np.testing.assert_allclose(session.run(None, {"input": x})[0], expected,
                               rtol=1e-13, atol=1e-13 * np.abs(expected).max())
    with pytest.raises(ValueError, match="dtype must be 'float32' or 'float64'"):
        lonnx.export(model, tmp_path / "m.onnx", dtype="float16")


def test_gelu_is_the_gelu_operator_from_opset_20_and_a_composition_below(tmp_path):
    for approximate in ("none", "tanh"):
        model = nn.Sequential(nn.Linear(3, 3), nn.GELU(approximate))
        ops = {opset: {n.op_type for n in lonnx.to_onnx(model, opset=opset).graph.node}
               for opset in (17, 20)}
        assert "Gelu" in ops[20] and "Gelu" not in ops[17]
        assert ("Erf" if approximate == "none" else "Tanh") in ops[17]


def test_the_activations_are_the_operators_the_issue_names():
    def ops(*layers):
        model = nn.Sequential(nn.Linear(3, 6), *layers)
        return [n.op_type for n in lonnx.to_onnx(model).graph.node][1:]

    assert ops(nn.BinaryStep()) == ["GreaterOrEqual", "Cast"]
    assert ops(nn.SiLU()) == ["Sigmoid", "Mul"]
    assert ops(nn.SELU()) == ["Selu"] and ops(nn.ELU()) == ["Elu"]
    assert ops(nn.Hardsigmoid()) == ["HardSigmoid"]
    hard = lonnx.to_onnx(nn.Sequential(nn.Linear(3, 3), nn.Hardsigmoid())).graph.node[1]
    assert np.float32(hard.attribute[0].f) == np.float32(1 / 6)  # Keras 3's α, as float32
    maxout = [n.op_type for n in lonnx.to_onnx(nn.Sequential(nn.Maxout(3, 2, 4))).graph.node]
    assert maxout == ["Gemm", "Reshape", "ReduceMax"]


# -- every registered layer ----------------------------------------------------------------
NN_CASES = [pytest.param(name, i, id=f"{name}-{i}")
            for name, cases in CASES.items() for i in range(len(cases))]


@pytest.mark.parametrize("name, i", NN_CASES)
def test_every_registered_nn_layer_exports_and_runs_in_onnxruntime(name, i, tmp_path):
    case = CASES[name][i]
    lucidnet.manual_seed(0)
    model = case.make()
    if case.prepare is not None:
        case.prepare(model)
    path = tmp_path / "m.onnx"
    if case.call is not None:  # a ModuleList: a list of layers, without a forward
        with pytest.raises(NotImplementedError, match="ModuleList defines neither function nor"):
            lonnx.export(model, path, input_shape=case.shape[1:])
        return
    lonnx.export(model, path, input_shape=case.shape[1:])
    for batch in (case.shape[0], 1):  # the batch axis is dynamic
        x = sample((batch, *case.shape[1:]))
        assert_close(run_onnx(path, x)["output"], reference(model, x))


def _bn_trained():
    layer = keras.layers.BatchNormalization()
    model = keras.Sequential([keras.Input((4,)), layer])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(sample((32, 4)) + 1, sample((32, 4)), epochs=2, verbose=0)
    return model


KERAS_CASES = {
    "keras.Dense": lambda: keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)]),
    "keras.Activation": lambda: keras.Sequential([keras.Input((4,)),
                                                  keras.layers.Activation("tanh")]),
    "keras.Flatten": lambda: keras.Sequential([keras.Input((2, 3)), keras.layers.Flatten(),
                                               keras.layers.Dense(2)]),
    "keras.Dropout": lambda: keras.Sequential([keras.Input((4,)), keras.layers.Dropout(0.5)]),
    "keras.BatchNormalization": _bn_trained,
    "keras.LeakyReLU": lambda: keras.Sequential([keras.Input((4,)), keras.layers.LeakyReLU()]),
    "keras.PReLU": lambda: keras.Sequential([keras.Input((4,)), keras.layers.Dense(4),
                                             keras.layers.PReLU(alpha_initializer="ones")]),
    "keras.InputLayer": lambda: input_only(),
    "keras.Sequential": lambda: keras.Sequential([keras.Input((4,)), keras.layers.Dense(3),
                                                  keras.layers.Dense(2, activation="softmax")]),
    "keras.Softmax": lambda: keras.Sequential([keras.Input((4,)), keras.layers.Dense(3),
                                               keras.layers.Softmax()]),
    "keras.Normalization": lambda: adapted(),
    "keras.Rescaling": lambda: keras.Sequential([keras.Input((4,)),
                                                 keras.layers.Rescaling(1 / 255, offset=-0.5)]),
    "keras.Functional": lambda: functional_two_heads(),
    "keras.Model": lambda: Subclassed(),
} | {f"keras.{name}": (lambda name=name: merged(name))
     for name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate")}

INPUT_SIGNATURES = {"keras.Model": [keras.Input((4,))]}  # a subclass knows no input shape


class Subclassed(keras.Model):
    """A Keras model of one's own: layers as attributes, ``call`` composes them."""

    def __init__(self):
        super().__init__()
        self.hidden = keras.layers.Dense(8, activation="elu")
        self.head = keras.layers.Dense(3)

    def call(self, x):
        return self.head(self.hidden(x))


def merged(name):
    """Two Inputs joined by the merge layer ``name``, then a Dense layer."""
    left, right = keras.Input((4,), name="left"), keras.Input((4,), name="right")
    joined = getattr(keras.layers, name)()([left, right])
    return keras.Model([left, right], keras.layers.Dense(2)(joined))


def adapted():
    """Normalization adapted to data, then its inverse (a regression head's)."""
    scale = keras.layers.Normalization()
    scale.adapt(3 * sample((40, 4)) + 2)
    back = keras.layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 0.25], invert=True)
    return keras.Sequential([keras.Input((4,)), scale, keras.layers.Dense(2), back])


def input_only():
    """A functional model whose output is its input."""
    inputs = keras.Input((4,))
    return keras.Model(inputs, inputs)


def functional_two_heads():
    inputs = keras.Input((4,), name="features")
    hidden = keras.layers.Dense(8, activation="relu", name="hidden")(inputs)
    return keras.Model(inputs, [keras.layers.Dense(3, activation="softmax", name="topic")(hidden),
                                keras.layers.Dense(1, name="score")(hidden)])


def test_every_registered_layer_has_an_export_case():
    names = {n for n in LAYERS.names() if LAYERS.resolve(n).__module__.startswith("lucidnet.")}
    keras_names = {n for n in names if n.startswith("keras.")}
    missing = keras_names ^ set(KERAS_CASES)
    assert not missing, f"declare the export case of {missing}"
    assert names - keras_names == set(CASES)  # tests/nn/test_layers.py declares these


@pytest.mark.parametrize("name", sorted(KERAS_CASES))
def test_every_registered_keras_layer_exports_through_model_export(name, tmp_path, capsys):
    lucidnet.manual_seed(0)
    model = KERAS_CASES[name]()
    path = tmp_path / "m.onnx"
    signature = INPUT_SIGNATURES.get(name)
    model.export(path, input_signature=signature)
    assert capsys.readouterr().out == f"Saved artifact at '{path}'.\n"  # Keras 3's line
    shapes = [t.shape[1:] for t in signature or getattr(model, "inputs", None) or []]
    xs = [sample((5, *s), seed=i) for i, s in enumerate(shapes or [model._input_shape[1:]])]
    got = run_onnx(path, *xs)
    expected = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    expected = expected if isinstance(expected, list) else [expected]
    assert len(got) == len(expected)
    for g, e in zip(got.values(), expected):
        assert_close(g, e)


# -- several outputs, float64, opsets ------------------------------------------------------
def test_a_multi_output_model_exports_each_head_under_its_name(tmp_path):
    lucidnet.manual_seed(1)
    model = functional_two_heads()
    model.export(tmp_path / "two.onnx", verbose=False)
    x = sample((6, 4))
    got = run_onnx(tmp_path / "two.onnx", x)
    topic, score = model.predict(x, verbose=0)
    assert list(got) == ["topic", "score"]
    assert_close(got["topic"], topic)
    assert_close(got["score"], score)
    graph = onnx.load(tmp_path / "two.onnx").graph
    assert [i.name for i in graph.input] == ["features"]  # the Input's name
    assert graph.input[0].type.tensor_type.shape.dim[0].dim_param == "N"


def test_a_dict_of_outputs_keeps_its_keys_and_a_repeated_output_is_copied(tmp_path):
    class Heads(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Linear(4, 3)

        def forward(self, x):
            h = self.body(x)
            return {"logits": h, "again": h, "probabilities": F.softmax(h)}

    model = Heads()
    lonnx.export(model, tmp_path / "d.onnx")
    x = sample((3, 4))
    got, expected = run_onnx(tmp_path / "d.onnx", x), reference(model, x)
    assert list(got) == ["logits", "again", "probabilities"]
    for key in got:
        assert_close(got[key], expected[key].numpy())


def test_input_and_output_names_as_torch_onnx_export_takes_them(tmp_path):
    model = nn.Sequential(nn.Linear(4, 3), nn.Softmax())
    lonnx.export(model, tmp_path / "m.onnx", input_names=["pixels"], output_names=["probs"])
    session = onnxruntime.InferenceSession(str(tmp_path / "m.onnx"),
                                           providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["pixels"]
    assert [o.name for o in session.get_outputs()] == ["probs"]
    with pytest.raises(ValueError, match="output_names must be 1 distinct names"):
        lonnx.export(model, tmp_path / "m.onnx", output_names=["a", "b"])


class TorchLayout(nn.Module):
    """A linear layer holding PyTorch's (out, in) weight: LinearFunction(transposed=True)."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(sample((3, 4), seed=5))
        self.bias = nn.Parameter(sample((3,), seed=6))

    def forward(self, x):
        return LinearFunction.apply(x, self.weight, self.bias, transposed=True)


def test_pytorchs_out_in_weight_layout_is_gemms_trans_b(tmp_path):
    model = TorchLayout()
    gemm = lonnx.to_onnx(model, input_shape=(4,)).graph.node[0]
    assert gemm.op_type == "Gemm" and [(a.name, a.i) for a in gemm.attribute] == [("transB", 1)]
    for shape in ((5, 4), (2, 3, 4)):  # a batch of vectors: Gemm; more axes: MatMul
        path = tmp_path / f"t{len(shape)}.onnx"
        lonnx.export(model, path, input_shape=shape[1:])
        x = sample(shape)
        assert_close(run_onnx(path, x)["output"], reference(model, x))


def test_a_float64_model_becomes_a_float32_graph(tmp_path):
    with lucidnet.default_dtype("float64"):
        model = nn.Sequential(nn.Linear(4, 6), nn.SELU(), nn.Linear(6, 2), nn.Softplus())
    lonnx.export(model, tmp_path / "m.onnx")
    proto = onnx.load(tmp_path / "m.onnx")
    assert {t.data_type for t in proto.graph.initializer} == {onnx.TensorProto.FLOAT}
    x = sample((4, 4))
    assert_close(run_onnx(tmp_path / "m.onnx", x)["output"], reference(model, x.astype(np.float64)))


@pytest.mark.parametrize("opset", [13, 18, 20])
def test_opsets_13_to_20_run_with_reductions_and_batch_statistics(opset, tmp_path):
    model = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6, track_running_stats=False),
                          nn.Maxout(6, 2, 3))
    lonnx.export(model, tmp_path / "m.onnx", opset=opset)
    x = sample((5, 4))
    assert_close(run_onnx(tmp_path / "m.onnx", x)["output"], reference(model, x))


def test_export_restores_every_modules_training_mode():
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5), nn.BatchNorm1d(4))
    model[2].eval()
    lonnx.to_onnx(model)
    assert [m.training for m in model] == [True, True, False]


class Reshaping(nn.Module):
    """A forward of Tensor operations: reshapes of the batch and of a parameter."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 6)
        self.scale = nn.Parameter(np.linspace(0.5, 2, 6, dtype=np.float32).reshape(2, 3))

    def forward(self, x):
        h = self.fc(x.reshape(x.shape[0], -1))                # (N, 2, 3) → (N, 6)
        s = self.scale.transpose((1, 0)).reshape(1, 6)       # not batched: a fixed shape
        return (h * s - 1.0).reshape(-1, 3).transpose((0, 1)).exp()


def test_tensor_operations_in_a_forward_export_with_a_dynamic_batch(tmp_path):
    lucidnet.manual_seed(3)
    model = Reshaping()
    lonnx.export(model, tmp_path / "r.onnx", input_shape=(2, 3))
    for batch in (1, 4):
        x = sample((batch, 2, 3))
        got = run_onnx(tmp_path / "r.onnx", x)["output"]
        assert got.shape == (2 * batch, 3)
        assert_close(got, reference(model, x))


# -- what cannot be exported ---------------------------------------------------------------
class OutsideTheTape(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return lucidnet.Tensor(np.tanh(self.fc(x).numpy()))  # NumPy, not a Function


class Summing(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x).sum(axis=1)


class OneRow(nn.Module):
    def forward(self, x):
        return x.reshape(1, -1)  # the whole batch in one row: its width depends on N


def test_what_cannot_be_exported_is_refused_with_an_error_naming_it(tmp_path):
    path = tmp_path / "m.onnx"
    with pytest.raises(lonnx.ExportError, match=r"moves the batch axis.*export\): OneRow"):
        lonnx.export(OneRow(), path, input_shape=(4,))
    with pytest.raises(lonnx.ExportError, match="neither the input nor a parameter"):
        lonnx.export(OutsideTheTape(), path)
    with pytest.raises(lonnx.ExportError, match=r"Sum has no ONNX exporter .*\): Summing"):
        lonnx.export(nn.Sequential(nn.Linear(4, 4), Summing()), path)
    with pytest.raises(lonnx.ExportError, match="pass input_shape"):
        lonnx.export(nn.Sequential(nn.Flatten(), nn.Linear(4, 2)), path)
    with pytest.raises(ValueError, match="opset must be an integer from 13"):
        lonnx.export(nn.Linear(4, 2), path, opset=9)
    with pytest.raises(ValueError, match="format='onnx' only"):
        KERAS_CASES["keras.Dense"]().export(path, format="tf_saved_model")
    with pytest.raises(ValueError, match="does not know its input shape"):
        keras.Sequential([keras.layers.Dense(2)]).export(path)
    assert not path.exists()


def test_without_the_onnx_package_the_error_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'lucidnet\[onnx\]'"):
        lonnx.export(nn.Linear(4, 2), tmp_path / "m.onnx")


# -- the command line ----------------------------------------------------------------------
def test_lucidnet_export_writes_what_the_saved_model_computes(tmp_path, capsys):
    lucidnet.manual_seed(2)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="gelu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.save(tmp_path / "model.safetensors")
    status = cli.main(["export", str(tmp_path / "model.safetensors"), str(tmp_path / "m.onnx")])
    assert status == 0
    assert capsys.readouterr().out.startswith(f"wrote {tmp_path / 'm.onnx'} (ONNX opset 17")
    x = sample((4, 6))
    assert_close(run_onnx(tmp_path / "m.onnx", x)["output"], model.predict(x, verbose=0))

    torch_style = nn.Sequential(nn.Linear(6, 4), nn.Tanh())
    lucidnet.save(torch_style, tmp_path / "nn.safetensors")
    assert cli.main(["export", str(tmp_path / "nn.safetensors"), str(tmp_path / "nn.onnx"),
                     "--opset", "20"]) == 0
    assert_close(run_onnx(tmp_path / "nn.onnx", x)["output"], reference(torch_style, x))
    assert onnx.load(tmp_path / "nn.onnx").opset_import[0].version == 20

    missing = tmp_path / "missing.safetensors"
    assert cli.main(["export", str(missing), str(tmp_path / "x.onnx")]) == 2
    assert "no model file at" in capsys.readouterr().err
