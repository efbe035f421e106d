"""The functional API of several inputs and outputs: merge layers (gradients checked in
float64 against central differences and PyTorch), inputs as a list or a dict,
``layer.input``/``output``, and a two-input, two-output model trained, saved, reloaded
and checkpointed."""

import json

import numpy as np
import pytest

from lucidnet import Tensor, io, keras
from lucidnet.diagnostics import gradcheck
from lucidnet.errors import FormatError, ShapeError
from lucidnet.keras import layers

MERGES = {  # layer → the same arithmetic in torch
    "Add": lambda t, xs: xs[0] + xs[1] + xs[2],
    "Subtract": lambda t, xs: xs[0] - xs[1],
    "Multiply": lambda t, xs: xs[0] * xs[1] * xs[2],
    "Average": lambda t, xs: (xs[0] + xs[1] + xs[2]) / 3,
    "Maximum": lambda t, xs: t.maximum(t.maximum(xs[0], xs[1]), xs[2]),
    "Minimum": lambda t, xs: t.minimum(t.minimum(xs[0], xs[1]), xs[2]),
    "Concatenate": lambda t, xs: t.cat(xs, dim=-1),
}


def _inputs(name, rng, shape=(4, 5)):
    n = 2 if name == "Subtract" else 3
    return [rng.standard_normal(shape) for _ in range(n)]  # ties have probability 0


@pytest.mark.parametrize("name", sorted(MERGES))
def test_merge_layer_gradients_match_central_differences_in_float64(name):
    rng = np.random.default_rng(1)
    layer = getattr(layers, name)(dtype="float64")
    assert gradcheck(lambda *xs: layer(list(xs)), *_inputs(name, rng))


@pytest.mark.parametrize("name", sorted(MERGES))
def test_merge_layer_forward_and_backward_match_torch(name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    arrays = _inputs(name, rng)
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, y_ref = getattr(layers, name)(dtype="float64")(ours), MERGES[name](torch, theirs)
    V = rng.standard_normal(y_ref.shape)
    (y * Tensor(V)).sum().backward()
    (y_ref * torch.tensor(V)).sum().backward()
    np.testing.assert_allclose(y.data, y_ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    for t, r in zip(ours, theirs):
        np.testing.assert_allclose(t.grad, r.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_functional_forms_build_the_layers_and_concatenate_takes_an_axis():
    a, b = keras.Input(shape=(2, 3)), keras.Input(shape=(2, 4))
    assert layers.concatenate([a, b]).shape == (None, 2, 7)
    assert layers.concatenate([a, a], axis=1).shape == (None, 4, 3)
    for form, cls in [(layers.add, layers.Add), (layers.subtract, layers.Subtract),
                      (layers.multiply, layers.Multiply), (layers.average, layers.Average),
                      (layers.maximum, layers.Maximum), (layers.minimum, layers.Minimum)]:
        out = form([a, a])
        assert isinstance(out.layer, cls) and out.shape == (None, 2, 3)


def test_merge_layers_refuse_what_keras_refuses_with_the_shapes_in_the_message():
    a, b = keras.Input(shape=(3,)), keras.Input(shape=(4,))
    with pytest.raises(ShapeError, match=r"\(None, 3\), \(None, 4\)"):
        layers.Add()([a, b])
    with pytest.raises(ValueError, match="exactly 2 inputs, got 3"):
        layers.Subtract()([a, a, a])
    with pytest.raises(ValueError, match="at least 2 inputs, got 1"):
        layers.Multiply()([a])
    with pytest.raises(TypeError, match="merges a list of tensors"):
        layers.Add()(a)
    with pytest.raises(ShapeError, match="other axes agree"):
        layers.Concatenate(axis=1)([keras.Input(shape=(2, 3)), keras.Input(shape=(2, 4))])


def two_heads(seed=0):
    """Two inputs a (5) and b (3), concatenated; a regression head and a 4-class head."""
    keras.utils.set_random_seed(seed)
    a, b = keras.Input(shape=(5,), name="a"), keras.Input(shape=(3,), name="b")
    h = layers.Dense(8, activation="relu")(layers.Concatenate()([a, b]))
    reg = layers.Dense(1, name="reg")(h)
    cls = layers.Dense(4, activation="softmax", name="cls")(h)
    return keras.Model(inputs=[a, b], outputs=[reg, cls])


def data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    xa, xb = rng.random((n, 5)).astype("float32"), rng.random((n, 3)).astype("float32")
    return xa, xb, (xa.sum(1, keepdims=True) - xb.sum(1, keepdims=True)), (xa[:, 0] * 4).astype("int64")


def test_inputs_as_a_list_or_a_dict_by_input_name_give_the_same_outputs():
    model = two_heads()
    xa, xb, _, _ = data(8)
    by_list = model.predict([xa, xb], verbose=0)
    by_dict = model.predict({"b": xb, "a": xa}, verbose=0)
    eager = model([Tensor(xa), Tensor(xb)])
    for p, q, r in zip(by_list, by_dict, eager):
        np.testing.assert_array_equal(p, q)
        np.testing.assert_allclose(p, r.data, rtol=1e-6)
    with pytest.raises(ValueError, match=r"inputs named \['a', 'b'\], got keys \['a', 'c'\]"):
        model.predict({"a": xa, "c": xb}, verbose=0)
    with pytest.raises(ValueError, match="takes 2 inputs"):
        model.predict(xa, verbose=0)


def test_a_model_of_dict_inputs_takes_the_data_by_the_dict_keys():
    x1, x2 = keras.Input(shape=(2,), name="first"), keras.Input(shape=(2,), name="second")
    model = keras.Model(inputs={"u": x1, "v": x2}, outputs=layers.Subtract()([x1, x2]))
    out = model.predict({"u": np.ones((3, 2)), "v": np.full((3, 2), 3.0)}, verbose=0)
    np.testing.assert_array_equal(out, np.full((3, 2), -2.0))


def test_layer_input_output_and_keras_tensor_dtype_and_get_layer():
    a = keras.Input(shape=(5,), name="a")
    dense = layers.Dense(3, name="d")
    out = dense(a)
    assert dense.input is a and dense.output is out and out.layer is dense
    assert a.dtype == "float32" and keras.Input(shape=(2,), dtype="float64").dtype == "float64"
    model = keras.Model(a, out)
    assert model.get_layer("d") is dense and model.get_layer(index=0).name == "a"
    assert model.layers[0].output is a
    with pytest.raises(ValueError, match="never been called"):
        _ = layers.Dense(2).output
    with pytest.raises(ValueError, match="no layer named 'e'"):
        model.get_layer("e")


def test_two_inputs_two_outputs_train_save_reload_and_checkpoint(tmp_path):
    xa, xb, y_reg, y_cls = data(96)
    model = two_heads()
    model.compile(optimizer="adam", loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                  metrics={"cls": ["accuracy"]})
    best = tmp_path / "best.keras"
    weights = tmp_path / "ckpt-{epoch:02d}.weights.h5"
    history = model.fit({"a": xa, "b": xb}, {"reg": y_reg, "cls": y_cls}, epochs=6,
                        batch_size=16, validation_split=0.25, verbose=0,
                        callbacks=[keras.callbacks.ModelCheckpoint(best, save_best_only=True),
                                   keras.callbacks.ModelCheckpoint(weights, save_weights_only=True)])
    assert history.history["loss"][-1] < history.history["loss"][0]
    path = tmp_path / "model.keras"
    model.save(path)
    again = keras.models.load_model(path)
    assert type(again).__name__ == "Functional" and again.get_config() == model.get_config()
    for p, q in zip(model.predict([xa, xb], verbose=0), again.predict([xa, xb], verbose=0)):
        np.testing.assert_array_equal(p, q)
    np.testing.assert_array_equal(model.evaluate([xa, xb], [y_reg, y_cls], verbose=0),
                                  again.evaluate([xa, xb], [y_reg, y_cls], verbose=0))
    again.fit([xa, xb], [y_reg, y_cls], epochs=1, verbose=0)  # compiled as it was
    checkpoint = keras.models.load_model(best)  # compiled as the model was
    assert checkpoint.output_names == ["reg", "cls"] and io.load_state(best).metadata["epoch"] >= 1
    assert len(checkpoint.evaluate([xa, xb], [y_reg, y_cls], verbose=0)) == 4
    fresh = two_heads(seed=1)
    fresh.load_weights(tmp_path / "ckpt-06.weights.h5")
    for p, q in zip(model.predict([xa, xb], verbose=0), fresh.predict([xa, xb], verbose=0)):
        np.testing.assert_array_equal(p, q)


def test_layers_may_take_names_the_model_uses_itself():
    x = keras.Input(shape=(2,), name="input")
    h = layers.Dense(3, name="name")(x)
    out = layers.Dense(1, name="outputs")(layers.Dense(3, name="output")(h))
    model = keras.Model(x, out)
    assert model.name == "functional" or model.name.startswith("functional_")
    assert model.outputs is out and model.get_layer("outputs").name == "outputs"
    assert [layer.name for layer in model.layers] == ["input", "name", "output", "outputs"]
    assert model.predict(np.ones((2, 2)), verbose=0).shape == (2, 1)


@pytest.mark.parametrize("graph", [
    {"inputs": [0], "outputs": [2], "nodes": [["d", [0], False]]},  # output not made
    {"inputs": [0], "outputs": [1], "nodes": [["d", [1], False]]},  # uses itself
    {"inputs": [0], "outputs": [1], "nodes": [["e", [0], False]]},  # no such layer
    {"inputs": [0], "outputs": [1], "nodes": [["d", [True], False]]},
    {"inputs": [0], "outputs": [1], "nodes": [["d", [0], "no"]]},
    {"inputs": [1], "outputs": [1], "nodes": [["d", [0], False]]},
    {"inputs": [0], "outputs": [1], "nodes": "d"},
    {"inputs": [0], "outputs": [1]},
])
def test_a_broken_graph_in_a_file_is_a_format_error(tmp_path, graph):
    x = keras.Input(shape=(2,), name="i")
    model = keras.Model(x, layers.Dense(2, name="d")(x))
    tree = json.loads(model.to_json())
    tree["config"]["graph"] = graph
    with pytest.raises(FormatError):
        keras.models.model_from_json(json.dumps(tree))


def test_a_model_built_from_another_models_input_and_layer_outputs():
    """keras.io's feature extraction: Model(inputs=base.input, outputs=[l.output ...])."""
    base = two_heads()
    features = keras.Model(inputs=base.input, outputs=[layer.output for layer in base.layers[2:4]])
    assert base.input == base.inputs and base.output is base.outputs
    xa, xb, _, _ = data(4)
    concatenated, hidden = features.predict([xa, xb], verbose=0)
    np.testing.assert_array_equal(concatenated, np.concatenate([xa, xb], axis=1))
    assert hidden.shape == (4, 8) and (hidden >= 0).all()  # after relu
