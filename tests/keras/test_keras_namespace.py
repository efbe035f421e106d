"""The rest of the facade's namespace: metrics, initializers, utils, and the names the
course imports from ``keras``."""

import numpy as np
import pytest

from lucidnet import initializers, keras
from lucidnet.training import metrics as training_metrics


def test_the_names_the_course_uses_are_there():
    assert keras.Sequential is keras.models.Sequential
    assert keras.Model is keras.models.Model
    assert keras.Input is keras.layers.Input
    for module in ("activations", "callbacks", "datasets", "initializers", "layers",
                   "losses", "metrics", "models", "optimizers", "regularizers", "utils"):
        assert hasattr(keras, module)


def test_to_categorical_one_hot_encodes_as_keras():
    y = keras.utils.to_categorical([0, 2, 1, 2])
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, [[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 1]])
    assert keras.utils.to_categorical(np.array([[3], [0]]), num_classes=46).shape == (2, 46)
    with pytest.raises(ValueError, match="label 5 >= num_classes=3"):
        keras.utils.to_categorical([5], num_classes=3)


def test_metric_classes_accumulate_over_batches():
    m = keras.metrics.CategoricalAccuracy()
    m.update_state(np.eye(3)[[0, 1]], np.array([[0.9, 0.1, 0.0], [0.8, 0.1, 0.1]]))
    m.update_state(np.eye(3)[[2]], np.array([[0.1, 0.2, 0.7]]))
    assert m.result() == pytest.approx(2 / 3)
    m.reset_state()
    assert m.result() == 0.0
    sparse = keras.metrics.SparseCategoricalAccuracy()
    assert sparse([2, 0], np.array([[0.1, 0.2, 0.7], [0.1, 0.8, 0.1]])) == 0.5
    binary = keras.metrics.BinaryAccuracy()
    assert binary([1, 0, 1, 1], np.array([0.7, 0.6, 0.4, 0.9])) == 0.5
    mae = keras.metrics.MeanAbsoluteError()
    assert mae(np.array([[1.0], [3.0]]), np.array([[2.0], [1.0]])) == pytest.approx(1.5)
    top2 = keras.metrics.SparseTopKCategoricalAccuracy(k=2)
    assert top2([0, 1], np.array([[0.5, 0.3, 0.2], [0.5, 0.2, 0.3]])) == 0.5


def test_metric_functions_and_get_are_the_training_metrics():
    assert keras.metrics.get is training_metrics.get
    assert isinstance(keras.metrics.get("mae"), keras.metrics.MeanAbsoluteError)
    assert keras.metrics.mae is training_metrics.mean_absolute_error
    values = keras.metrics.categorical_accuracy(np.eye(2), np.array([[0.6, 0.4], [0.7, 0.3]]))
    np.testing.assert_array_equal(values, [True, False])
    precision = keras.metrics.Precision()
    assert precision([1, 0, 1, 0], np.array([[0.9], [0.8], [0.2], [0.1]])) == 0.5


def test_a_metric_object_in_compile_is_logged_under_its_name():
    from kerasdata import blobs

    x, labels = blobs(60)
    model = keras.Sequential([keras.layers.Dense(3, activation="softmax", input_shape=(8,))])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=[keras.metrics.SparseTopKCategoricalAccuracy(k=2, name="top2")])
    history = model.fit(x, labels, epochs=1, verbose=0)
    assert set(history.history) == {"loss", "top2"}


def test_initializers_are_lucidnets_under_keras_names():
    assert keras.initializers.GlorotUniform is initializers.GlorotUniform
    assert keras.initializers.glorot_uniform is keras.initializers.GlorotUniform
    assert keras.initializers.he_normal is initializers.HeNormal
    assert isinstance(keras.initializers.get("he_uniform"), keras.initializers.HeUniform)
    W = keras.initializers.GlorotUniform(seed=1)((300, 100))
    limit = np.sqrt(6 / 400)
    assert abs(W).max() <= limit and abs(W).max() > 0.99 * limit
    np.testing.assert_array_equal(W, keras.initializers.GlorotUniform(seed=1)((300, 100)))
    assert keras.initializers.serialize(keras.initializers.Constant(0.5)) == {
        "class_name": "constant", "config": {"value": 0.5}}


def test_dense_takes_a_keras_initializer_object():
    layer = keras.layers.Dense(4, input_shape=(3,),
                               kernel_initializer=keras.initializers.Constant(0.25),
                               bias_initializer=keras.initializers.ones())
    np.testing.assert_array_equal(layer.kernel.numpy(), np.full((3, 4), 0.25, np.float32))
    np.testing.assert_array_equal(layer.bias.numpy(), np.ones(4, np.float32))
