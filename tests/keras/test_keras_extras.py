"""The small Keras names a course meets: __version__, Softmax, keras.saving,
clone_model, from_config, to_json/model_from_json, metrics.Mean and the confusion
counts, utils.PyDataset, optimizers.schedules, backend.clear_session, and the clear
error where lucidnet stops."""

import math

import numpy as np
import pytest
from packaging.version import Version

from lucidnet import keras
from lucidnet.diagnostics import gradcheck
from lucidnet.errors import FormatError, NotSupportedError
from lucidnet.keras import layers, metrics
from lucidnet.keras.optimizers import schedules


def mlp(name=None):
    return keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4, activation="relu"),
                             layers.Dense(2), layers.Softmax()], name=name)


def blobs(n=48):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 3)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64")


def test_version_reads_as_the_keras_3_release_it_follows():
    assert Version(keras.__version__).release[0] == 3 and "lucidnet" in keras.__version__


def test_softmax_layer_rows_sum_to_one_over_its_axis():
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    for axis in (-1, 1):
        y = layers.Softmax(axis=axis)(keras.ops.convert_to_tensor(x)).data
        np.testing.assert_allclose(y.sum(axis), 1.0)
        np.testing.assert_allclose(y, np.exp(x) / np.exp(x).sum(axis, keepdims=True), rtol=1e-12)


def test_rescaling_maps_pixels_to_the_unit_interval_and_its_gradient_is_the_scale():
    layer = layers.Rescaling(1 / 255, offset=-0.5, dtype="float64")
    y = layer(np.array([[0, 255]], dtype="uint8"))
    np.testing.assert_allclose(y.data, [[-0.5, 0.5]])
    assert gradcheck(layer, np.random.default_rng(0).standard_normal((2, 3)))
    assert layers.Rescaling.from_config(layer.get_config()).get_config() == layer.get_config()


def test_clone_model_json_and_from_config_rebuild_the_architecture_with_fresh_weights():
    keras.utils.set_random_seed(0)
    model = mlp("net")
    clone = keras.models.clone_model(model)
    again = keras.models.model_from_json(model.to_json())
    for other in (clone, again):
        assert [layer.name for layer in other.layers] == [layer.name for layer in model.layers]
        assert other.to_json() == model.to_json() and other.name == "net"
        assert not np.array_equal(other.get_weights()[0], model.get_weights()[0])
    dense = layers.Dense(5, activation="tanh", use_bias=False)
    assert layers.Dense.from_config(dense.get_config()).get_config() == dense.get_config()
    with pytest.raises(NotSupportedError, match="clone_model"):
        keras.Sequential.from_config(model.get_config())
    with pytest.raises(FormatError, match="not a registered lucidnet layer"):
        keras.models.model_from_json('{"class_name": "os.system", "config": {}, "children": []}')


def test_keras_saving_round_trip_and_registration(tmp_path):
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    keras.saving.save_model(model, tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    x, _ = blobs(4)
    np.testing.assert_array_equal(model.predict(x, verbose=0), again.predict(x, verbose=0))

    @keras.saving.register_keras_serializable(package="course")
    class Doubler(layers.Layer):
        def call(self, x):
            return x * 2.0

    custom = keras.Sequential([keras.Input(shape=(3,)), Doubler(name="twice")])
    custom.save(tmp_path / "c.keras")
    assert type(keras.models.load_model(tmp_path / "c.keras").layers[0]) is Doubler
    with pytest.raises(TypeError, match="layer and model classes"):
        keras.saving.register_keras_serializable()(lambda x: x)


def test_mean_and_confusion_counts_as_keras_documents_them():
    m = metrics.Mean()
    m.update_state([1, 3, 5, 7])
    assert m.result() == 4.0
    m.update_state([2], sample_weight=[4])
    assert m.result() == 3.0  # (16 + 8) / (4 + 4)
    for cls, y, p, expected in [(metrics.TruePositives, [0, 1, 1, 1], [1, 0, 1, 1], 2.0),
                                (metrics.FalsePositives, [0, 1, 0, 0], [0, 0, 1, 1], 2.0),
                                (metrics.TrueNegatives, [0, 1, 0, 0], [1, 1, 0, 0], 2.0),
                                (metrics.FalseNegatives, [0, 1, 1, 1], [0, 1, 0, 0], 2.0)]:
        counter = cls()
        counter.update_state(y, p)
        assert counter.result() == expected, cls.__name__
    weighted = metrics.FalseNegatives()
    weighted.update_state([0, 1, 1, 1], [0, 1, 0, 0], sample_weight=[0, 0, 1, 0])
    assert weighted.result() == 1.0


def test_confusion_counts_are_logged_by_fit():
    x, y = blobs()
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=[metrics.TruePositives(), metrics.FalseNegatives()])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)[:, 0]
    assert logs["true_positives"] == float(((p > 0.5) & (y == 1)).sum())
    assert logs["false_negatives"] == float(((p <= 0.5) & (y == 1)).sum())


class Batches(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size):
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, i):
        part = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return self.x[part], self.y[part]


def test_a_py_dataset_trains_as_its_arrays_in_its_batches():
    x, y = blobs(50)
    runs = []
    for data in (dict(x=Batches(x, y, 16)), dict(x=x, y=y, batch_size=16, shuffle=False)):
        keras.utils.set_random_seed(1)
        model = mlp()
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        history = model.fit(**data, epochs=2, verbose=0)
        assert history.params["steps"] == 4
        runs.append((history.history["loss"], model.get_weights()))
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(a, b)
    assert model.predict(Batches(x, y, 16), verbose=0).shape == (50, 2)
    with pytest.raises(ValueError, match="y must not be given with a PyDataset"):
        model.fit(Batches(x, y, 16), y, verbose=0)


@pytest.mark.parametrize("schedule, t, expected", [
    (schedules.ExponentialDecay(0.1, 10, 0.5), 15, 0.1 * 0.5 ** 1.5),
    (schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True), 15, 0.05),
    (schedules.InverseTimeDecay(0.1, 10, 0.5), 20, 0.1 / 2),
    (schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1]), 10, 1.0),
    (schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1]), 11, 0.5),
    (schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1]), 21, 0.1),
    (schedules.PolynomialDecay(0.1, 10, end_learning_rate=0.0, power=2.0), 5, 0.025),
    (schedules.PolynomialDecay(0.1, 10, end_learning_rate=0.0), 50, 0.0),
    (schedules.CosineDecay(0.1, 10), 5, 0.05),
    (schedules.CosineDecay(0.1, 10, alpha=0.1), 10, 0.01),
    (schedules.CosineDecay(0.0, 10, warmup_target=0.1, warmup_steps=4), 2, 0.05),
])
def test_schedules_follow_their_closed_forms(schedule, t, expected):
    assert schedule(t) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_an_optimizer_follows_its_schedule_one_step_at_a_time():
    x, y = blobs(40)
    schedule = schedules.ExponentialDecay(0.1, decay_steps=5, decay_rate=0.5)
    model = mlp()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=schedule),
                  loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=10, epochs=3, verbose=0)
    assert model.optimizer.iterations == 12
    assert model.optimizer.learning_rate == pytest.approx(schedule(11))
    with pytest.raises(TypeError, match="follows the schedule ExponentialDecay"):
        model.optimizer.learning_rate = 0.1


def test_clear_session_restarts_the_automatic_names():
    keras.backend.clear_session()
    assert layers.Dense(2).name == "dense" and layers.Dense(2).name == "dense_1"
    keras.backend.clear_session()
    assert layers.Dense(2).name == "dense"
    assert keras.backend.floatx() == "float32" and keras.backend.epsilon() == 1e-7


@pytest.mark.parametrize("where, name", [
    (layers, "Conv2D"), (layers, "MaxPooling2D"), (layers, "LSTM"), (layers, "GRU"),
    (layers, "SimpleRNN"), (layers, "Embedding"), (keras.utils, "image_dataset_from_directory"),
    (keras.datasets, "cifar10"), (keras, "applications"), (keras.utils, "plot_model")])
def test_where_lucidnet_stops_it_says_so_by_name(where, name):
    with pytest.raises(NotSupportedError, match=f"not supported by lucidnet: .*{name}"):
        getattr(where, name)
    with pytest.raises(AttributeError):
        layers.Dense2  # a name Keras does not have stays an AttributeError  # noqa: B018


class CategoricalTruePositives(metrics.Metric):
    """The custom metric of keras.io's training and evaluation guide, as written there."""

    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = keras.ops.reshape(keras.ops.argmax(y_pred, axis=1), (-1, 1))
        values = keras.ops.cast(y_true, "int32") == keras.ops.cast(y_pred, "int32")
        values = keras.ops.cast(values, "float32")
        if sample_weight is not None:
            values = keras.ops.multiply(values, keras.ops.cast(sample_weight, "float32"))
        self.true_positives.assign_add(keras.ops.sum(values))

    def result(self):
        return self.true_positives

    def reset_state(self):
        self.true_positives.assign(0.0)


def test_a_metric_written_as_keras_documents_it_counts_during_fit_and_evaluate():
    x, y = blobs(60)
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=[CategoricalTruePositives()])
    history = model.fit(x, y[:, None], batch_size=20, epochs=2, verbose=0)
    assert all(isinstance(v, float) for v in history.history["categorical_true_positives"])
    logs = model.evaluate(x, y[:, None], verbose=0, return_dict=True)
    right = float((model.predict(x, verbose=0).argmax(1) == y).sum())
    assert logs["categorical_true_positives"] == right
    m = metrics.Mean()
    assert m.name == "mean" and metrics.Metric().name == "metric"
    counter = CategoricalTruePositives()
    counter.update_state(np.array([[1], [0]]), np.array([[0.1, 0.9], [0.2, 0.8]]))
    assert float(counter.result()) == 1.0 and len(counter.variables) == 1
    counter.reset_state()
    assert float(counter.result()) == 0.0
