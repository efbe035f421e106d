"""Model.compile / fit / evaluate / predict of the Keras facade: lazy building,
validation_split, class weights, multi-output models, weights, files and errors."""

import contextlib
import io
import warnings

import numpy as np
import pytest
from kerasdata import blobs, reuters_arrays

from lucidnet import keras, manual_seed
from lucidnet.errors import FormatError, ShapeError
from lucidnet.keras.optimizers import RMSprop


def classifier(features=None, classes=3, hidden=16, activation="softmax"):
    """Dense(hidden, relu) → Dense(classes, activation); lazy without ``features``."""
    first = {} if features is None else {"input_shape": (features,)}
    return keras.Sequential([
        keras.layers.Dense(hidden, activation="relu", **first),
        keras.layers.Dense(classes, activation=activation),
    ])


# -- compile -----------------------------------------------------------------------------
def test_compile_defaults_to_keras_rmsprop_and_resolves_names_with_keras_defaults():
    model = classifier(8)
    model.compile(loss="sparse_categorical_crossentropy")
    assert isinstance(model.optimizer, RMSprop)
    assert model.optimizer.learning_rate == 1e-3  # Keras's, where PyTorch's RMSprop has 1e-2
    model.compile(optimizer="adam", loss="mse")
    assert type(model.optimizer).__name__ == "Adam"
    assert model.optimizer.defaults["eps"] == 1e-7  # Keras's epsilon, not PyTorch's 1e-8
    chosen = keras.optimizers.SGD(learning_rate=0.05)
    model.compile(optimizer=chosen, loss="mse")
    assert model.optimizer is chosen


def test_compile_binds_the_optimizer_to_the_models_parameters_at_fit():
    x, labels = blobs(60)
    model = classifier(8)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    assert model.optimizer.param_groups == []
    model.fit(x, labels, epochs=1, verbose=0)
    bound = [p for group in model.optimizer.param_groups for p in group["params"]]
    assert [id(p) for p in bound] == [id(p) for p in model.parameters()]


@pytest.mark.parametrize("last, loss, expected", [
    (keras.layers.Dense(46, activation="sigmoid"), "categorical_crossentropy", "use softmax"),
    (keras.layers.Dense(1, activation="softmax"), "binary_crossentropy", "softmax over 1 unit"),
    (keras.layers.Dense(10), "categorical_crossentropy", "from_logits=True"),
])
def test_compile_warns_about_an_output_layer_that_does_not_suit_the_loss(last, loss, expected):
    model = keras.Sequential([keras.layers.Dense(8, activation="relu", input_shape=(4,)), last])
    with pytest.warns(UserWarning, match=expected) as caught:
        model.compile(optimizer="adam", loss=loss)
    assert str(caught[0].message).startswith(f"Dense {last.name!r}: ")
    assert caught[0].filename == __file__  # points at the compile call


def test_a_linear_output_with_a_from_logits_loss_object_raises_no_warning():
    manual_seed(0)
    model = classifier(8, activation=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
    x, labels = blobs(200)
    model.fit(x, labels, epochs=15, verbose=0)
    assert model.evaluate(x, labels, verbose=0, return_dict=True)["accuracy"] > 0.95
    assert model._trainer.metrics[0].resolved == "sparse_categorical_accuracy"


def test_the_output_check_of_a_lazy_model_runs_once_it_is_built_by_fit():
    model = keras.Sequential([keras.layers.Dense(1), keras.layers.Activation("softmax")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.compile(optimizer="adam", loss="binary_crossentropy")  # width unknown yet
    x, labels = blobs(40, classes=2)
    with pytest.warns(UserWarning, match="softmax over 1 unit"):
        model.fit(x, labels, epochs=1, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(x, labels, epochs=1, verbose=0)  # warned once, not every fit


# -- building ------------------------------------------------------------------------------
def test_a_model_without_input_shape_is_built_from_the_first_fit():
    x, labels = blobs(90, d=7)
    manual_seed(0)
    model = classifier()
    assert not model.built and model.count_params() == 0
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),
                  loss="sparse_categorical_crossentropy", metrics=["acc"])
    history = model.fit(x, labels, epochs=20, batch_size=16, verbose=0)
    assert model.built
    assert model.layers[0].kernel.shape == (7, 16)
    assert model.count_params() == 7 * 16 + 16 + 16 * 3 + 3
    assert set(history.history) == {"loss", "acc"}
    assert model.evaluate(x, labels, verbose=0, return_dict=True)["acc"] > 0.95
    lines = []
    model.summary(print_fn=lines.append)
    assert "(None, 16)" in lines[0] and "(None, 3)" in lines[0]


def test_predict_needs_no_compile_and_builds_a_lazy_model():
    x, _ = blobs(10, d=5)
    model = classifier(classes=4)
    out = model.predict(x, verbose=0)
    assert out.shape == (10, 4) and out.dtype == np.float32
    np.testing.assert_allclose(out.sum(axis=1), 1, rtol=1e-6)
    assert model.layers[0].kernel.shape == (5, 16)


# -- fit, evaluate, predict ------------------------------------------------------------------
def test_validation_split_holds_out_the_last_samples_before_shuffling():
    x, labels = blobs(100)
    model = classifier(8)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, labels, validation_split=0.25, epochs=3, batch_size=10, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    # the validation entries are those of the last 25 samples under the final weights
    val = model.evaluate(x[75:], labels[75:], verbose=0, return_dict=True)
    assert val["loss"] == pytest.approx(history.history["val_loss"][-1], rel=1e-6)
    assert val["accuracy"] == history.history["val_accuracy"][-1]
    other = model.evaluate(x[:25], labels[:25], verbose=0, return_dict=True)
    assert other["loss"] != pytest.approx(val["loss"], rel=1e-3)


def test_evaluate_and_predict_shapes_and_return_types():
    x, y, labels = reuters_arrays(120)
    model = classifier(1000, classes=46)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    loss = model.evaluate(x, y, verbose=0)
    assert isinstance(loss, float)  # nothing else is logged: the loss alone, as Keras
    assert loss == pytest.approx(np.log(46), rel=0.05)  # near-uniform output at the start
    model.compile(optimizer="adam", loss="categorical_crossentropy",
                  metrics=["accuracy", "top_k_categorical_accuracy"])
    values = model.evaluate(x, y, batch_size=50, verbose=0)
    assert len(values) == 3 and values[0] == pytest.approx(loss, rel=1e-6)
    assert model.metrics_names == ["loss", "accuracy", "top_k_categorical_accuracy"]
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(logs) == sorted(model.metrics_names)  # Keras 3 logs its names sorted
    p = model.predict(x, batch_size=7, verbose=0)
    assert p.shape == (120, 46)
    assert logs["accuracy"] == (p.argmax(1) == labels).mean()


def test_class_weight_weighs_each_samples_loss_by_its_class():
    x, labels = blobs(64, classes=2, seed=3)
    model = classifier(8, classes=1, activation="sigmoid")
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="binary_crossentropy")
    p = model.predict(x, verbose=0)[:, 0].astype(np.float64)
    per_sample = -(labels * np.log(p) + (1 - labels) * np.log(1 - p))
    weights = np.where(labels == 1, 5.0, 0.5)
    history = model.fit(x, labels, class_weight={0: 0.5, 1: 5.0}, batch_size=64, verbose=0)
    # L = Σᵢ wᵢ lᵢ / N over the batch (Keras); the learning rate 0 keeps the weights
    assert history.history["loss"][0] == pytest.approx((weights * per_sample).mean(), rel=1e-5)


def test_class_weight_moves_the_decision_towards_the_rare_class():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((400, 2))
    labels = (x[:, 0] + 0.8 * rng.standard_normal(400) > 1.3).astype(int)  # ~ 10 % ones
    recalls = []
    for class_weight in (None, {0: 1.0, 1: 9.0}):
        manual_seed(0)
        model = classifier(2, classes=1, activation="sigmoid")
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x, labels, class_weight=class_weight, epochs=30, verbose=0)
        predicted = model.predict(x, verbose=0)[:, 0] > 0.5
        recalls.append(predicted[labels == 1].mean())
    assert recalls[1] > recalls[0] + 0.2


def test_a_functional_model_with_two_heads_trains_each_with_its_loss_and_weight():
    x, labels = blobs(300, d=6, seed=4)
    target = x @ np.linspace(-1, 1, 6)[:, None]
    manual_seed(0)
    inputs = keras.Input(shape=(6,))
    h = keras.layers.Dense(32, activation="relu", name="trunk")(inputs)
    outputs = {"kind": keras.layers.Dense(3, activation="softmax", name="kind")(h),
               "size": keras.layers.Dense(1, name="size")(h)}
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam",
                  loss={"kind": "sparse_categorical_crossentropy", "size": "mse"},
                  loss_weights={"kind": 1.0, "size": 0.5},
                  metrics={"kind": ["accuracy"], "size": ["mae"]})
    history = model.fit(x, {"kind": labels, "size": target}, epochs=40, batch_size=32,
                        validation_split=0.2, verbose=0)
    h = history.history
    assert set(h) == {prefix + name for prefix in ("", "val_") for name in
                      ("loss", "kind_loss", "size_loss", "kind_accuracy", "size_mae")}
    assert h["val_kind_accuracy"][-1] > 0.95
    assert h["val_size_mae"][-1] < h["val_size_mae"][0] / 3
    logs = model.evaluate(x, {"kind": labels, "size": target}, verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(logs["kind_loss"] + 0.5 * logs["size_loss"], rel=1e-5)
    predictions = model.predict(x[:5], verbose=0)
    assert set(predictions) == {"kind", "size"}
    assert predictions["kind"].shape == (5, 3) and predictions["size"].shape == (5, 1)


def test_a_functional_model_with_a_list_of_heads_names_them_after_their_layers():
    x, labels = blobs(120, d=4)
    inputs = keras.Input(shape=(4,))
    h = keras.layers.Dense(8, activation="relu")(inputs)
    a = keras.layers.Dense(3, activation="softmax", name="first")(h)
    b = keras.layers.Dense(3, activation="softmax", name="second")(h)
    model = keras.Model(inputs=inputs, outputs=[a, b])
    model.compile(optimizer="adam", loss=["sparse_categorical_crossentropy"] * 2,
                  loss_weights=[1.0, 2.0], metrics=["accuracy"])
    history = model.fit(x, [labels, labels], epochs=2, verbose=0)
    assert set(history.history) == {"loss", "first_loss", "second_loss",
                                    "first_accuracy", "second_accuracy"}
    out = model.predict(x[:3], verbose=0)
    assert isinstance(out, list) and [o.shape for o in out] == [(3, 3), (3, 3)]


def test_initial_epoch_resumes_the_epoch_count():
    x, labels = blobs(50)
    model = classifier(8)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(x, labels, epochs=5, initial_epoch=3, verbose=0)
    assert history.epoch == [3, 4] and len(history.history["loss"]) == 2


# -- weights and files ---------------------------------------------------------------------
def test_get_and_set_weights_in_keras_order():
    model = classifier(8)
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(8, 16), (16,), (16, 3), (3,)]
    changed = [w + 1 for w in weights]
    model.set_weights(changed)
    for ours, theirs in zip(model.get_weights(), changed):
        np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(model.layers[1].get_weights()[0], changed[2])
    with pytest.raises(ValueError, match="has 4 weight arrays .* got 3"):
        model.set_weights(changed[:3])
    with pytest.raises(ShapeError, match=r"weight 'dense.*kernel' has shape \(16, 3\), got \(3, 16\)"):
        model.set_weights([changed[0], changed[1], changed[2].T, changed[3]])


def test_get_weights_includes_the_running_statistics_of_batch_normalization():
    x, labels = blobs(64)
    model = keras.Sequential([keras.layers.Dense(8, input_shape=(8,)),
                              keras.layers.BatchNormalization(),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    before = model.get_weights()
    model.fit(x, labels, epochs=2, verbose=0)
    bn = model.layers[1]
    assert len(bn.get_weights()) == 5  # γ, β, running mean, running variance, batch count
    model.set_weights(before)
    np.testing.assert_array_equal(bn.module.running_mean, np.zeros(8, np.float32))
    np.testing.assert_array_equal(bn.module.running_var, np.ones(8, np.float32))


def test_save_and_load_model_give_back_the_compiled_model_and_its_optimizer(tmp_path):
    x, y, _ = reuters_arrays(200)
    manual_seed(0)
    model = classifier(1000, classes=46)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3),
                  loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, batch_size=64, verbose=0)
    path = tmp_path / "model.safetensors"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is keras.Sequential and loaded.name == model.name
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)
    assert loaded.metrics_names == ["loss", "accuracy"]
    assert loaded.optimizer.learning_rate == 3e-3
    # the optimizer's moments came along: one more epoch gives the same weights
    for m in (model, loaded):
        m.fit(x, y, epochs=1, batch_size=64, shuffle=False, verbose=0)
    for ours, theirs in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    uncompiled = keras.models.load_model(path, compile=False)
    assert uncompiled.metrics_names == [] and uncompiled.optimizer is not None


def test_save_of_a_model_compiled_but_not_trained_keeps_its_learning_rate(tmp_path):
    model = classifier(4)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.25), loss="mse")
    model.save(tmp_path / "m.safetensors")
    loaded = keras.models.load_model(tmp_path / "m.safetensors")
    assert type(loaded.optimizer).__name__ == "SGD" and loaded.optimizer.learning_rate == 0.25


def test_save_warns_and_drops_compile_settings_that_have_no_name(tmp_path):
    model = classifier(4)
    model.compile(optimizer="adam", loss=lambda y, p: ((y - p) ** 2).mean())
    with pytest.warns(UserWarning, match="without its compile settings"):
        model.save(tmp_path / "m.safetensors")
    assert keras.models.load_model(tmp_path / "m.safetensors").metrics_names == []


# -- errors ---------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["fit", "evaluate"])
def test_fit_or_evaluate_before_compile_says_to_compile(method):
    x, labels = blobs(10)
    model = classifier(8, hidden=4)
    with pytest.raises(RuntimeError, match=f"Sequential '.*' must be compiled before {method}"):
        getattr(model, method)(x, labels)


def test_inputs_with_the_wrong_number_of_features_name_the_layer():
    model = keras.Sequential([keras.layers.Dense(4, input_shape=(1000,), name="hidden_1"),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = np.zeros((40, 784))
    with pytest.raises(ShapeError, match=r"Dense 'hidden_1' expects inputs with 1000 "
                                         r"features, got shape \(32, 784\)"):
        model.fit(x, np.zeros(40, int), verbose=0)


def test_an_unknown_loss_name_fails_at_compile_with_suggestions():
    model = classifier(8)
    with pytest.raises(ValueError, match="did you mean 'categorical_crossentropy'"):
        model.compile(optimizer="adam", loss="categorical_crosentropy")


# -- layer names ---------------------------------------------------------------------------
def test_a_stack_built_layer_by_layer_keeps_its_output_shape_through_pop():
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
    model.add(keras.layers.Dense(5))
    assert model.output_shape == (None, 5)
    model.pop()
    assert model.output_shape == (None, 3)
    model.add(keras.layers.Dense(2))
    assert model.output_shape == (None, 2)
    assert model.predict(np.ones((2, 4), np.float32), verbose=0).shape == (2, 2)


STATE = ["optimizer", "built", "output_shape", "history", "name", "training",
         "stop_training", "_modules", "_stack", "_trainer", "trainable", "inputs", "outputs"]
METHODS = ["call", "layers", "compile", "fit", "predict", "summary", "weights", "add",
           "build", "losses", "output", "input", "get_config", "save"]


@pytest.mark.parametrize("name", ["optimizer", "built", "history", "stop_training"])
def test_a_layer_named_like_the_models_state_stays_a_trained_child(name):
    """name='optimizer' used to drop the layer from training (compile assigned
    model.optimizer over it) and the saved file did not load."""
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, name=name)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 2), np.float32), np.ones((4, 1), np.float32), verbose=0)
    assert [layer.name for layer in model.layers] == [name]
    assert len(list(model.parameters())) == 2 and not isinstance(getattr(model, name), keras.layers.Dense)


def test_a_layer_name_with_a_dot_is_refused_at_save(tmp_path):
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, name="a.b")])
    with pytest.raises(ValueError, match="'a.b' is empty or dotted"):
        model.save(tmp_path / "m.safetensors")


@pytest.mark.parametrize("name", [*STATE, *METHODS, "output_names", "inputs", "calls", "dense", "x_1",
                                  "kernel", "bias", "dtype", "config", "self", "__init__", "é"])
def test_every_accepted_layer_name_survives_save_load_and_training(tmp_path, name):
    """A name is refused at once, or the model trains, saves, loads and predicts the same."""
    manual_seed(0)
    model = keras.Sequential([keras.Input(shape=(2,))])
    try:
        model.add(keras.layers.Dense(2, name=name))
    except ValueError as err:
        assert "cannot hold a layer named" in str(err)
        return
    model.add(keras.layers.Dense(1, name="head"))
    model.compile(optimizer="sgd", loss="mse")
    with contextlib.redirect_stdout(io.StringIO()):
        model.summary()
    before = [w.copy() for w in model.get_weights()]
    model.fit(np.ones((4, 2), np.float32), np.zeros((4, 1), np.float32), verbose=0)
    assert all((a != b).any() for a, b in zip(before, model.get_weights()))  # all trained
    model.save(tmp_path / "m.safetensors")
    loaded = keras.models.load_model(tmp_path / "m.safetensors")
    x = np.arange(6, dtype=np.float32).reshape(3, 2)
    assert model.predict(x, verbose=0).shape == (3, 1)  # the whole model, not layer 1
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("argument", ["kernel_initializer", "bias_initializer"])
def test_an_initializer_of_none_is_refused_when_the_layer_is_made(tmp_path, argument):
    """A lazy Sequential from a file with "bias_initializer": null used to fail with an
    AttributeError only when it was built (and `lucidnet summary` printed a traceback)."""
    with pytest.raises(ValueError, match=f"{argument} must be an initializer.*got None"):
        keras.layers.Dense(2, **{argument: None})
    model = keras.Sequential([keras.layers.Dense(2, name="d")])  # no input shape
    model.save(tmp_path / "m.safetensors")
    data = (tmp_path / "m.safetensors").read_bytes()
    key = f'\\"{argument}\\": {{'.encode()
    at = data.index(key) + len(key) - 1
    end = data.index(b"}", data.index(b"}", at) + 1) + 1  # {"class_name":..,"config":{..}}
    edited = data[:at] + b"null" + data[end:]
    edited = (int.from_bytes(data[:8], "little") - (end - at) + 4).to_bytes(8, "little") \
        + edited[8:]
    (tmp_path / "m.safetensors").write_bytes(edited)
    with pytest.raises(FormatError, match=f"{argument} must be an initializer"):
        keras.models.load_model(tmp_path / "m.safetensors")
