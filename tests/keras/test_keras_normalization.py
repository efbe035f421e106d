"""keras.layers.Normalization with Keras's arguments and documented numbers, saved with
the model; Model.save and load_model refuse a file name whose format is not written."""

import numpy as np
import pytest

from lucidnet import keras

ADAPT = np.array([[0., 7., 4.], [2., 9., 6.], [0., 7., 4.], [2., 9., 6.]], dtype="float32")


def test_keras_documented_examples():
    layer = keras.layers.Normalization(axis=None)
    layer.adapt(np.array([1., 2., 3., 4., 5.], dtype="float32"))
    np.testing.assert_allclose(layer(np.array([1., 2., 3.], dtype="float32")).numpy(),
                               [-1.4142135, -0.70710677, 0.0], rtol=1e-6)
    layer = keras.layers.Normalization(axis=-1)
    layer.adapt(ADAPT)
    np.testing.assert_allclose(layer(np.array([[0., 7., 4.]])).numpy(), [[-1., -1., -1.]])
    given = keras.layers.Normalization(mean=3., variance=2.)
    np.testing.assert_allclose(given(np.array([[1.], [2.], [3.]])).numpy(),
                               [[-1.4142135], [-0.70710677], [0.]], rtol=1e-6)
    inverse = keras.layers.Normalization(axis=-1, invert=True)
    inverse.adapt(ADAPT)
    np.testing.assert_allclose(inverse(np.array([[1., 2., 3.]])).numpy(), [[2., 10., 8.]],
                               rtol=1e-6)


def test_saved_with_the_model(tmp_path):
    norm = keras.layers.Normalization()
    norm.adapt(ADAPT)
    model = keras.Sequential([keras.Input(shape=(3,)), norm, keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    model.save(tmp_path / "m.safetensors")
    loaded = keras.models.load_model(tmp_path / "m.safetensors")
    assert loaded.layers[0].get_config()["axis"] == -1
    x = np.array([[0., 7., 4.], [5., 5., 5.]], dtype="float32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    np.testing.assert_array_equal(loaded.layers[0].module.mean, [1., 8., 5.])


def test_mistakes_are_named():
    with pytest.raises(ValueError, match="axis must be -1 .* or None .*, got 0"):
        keras.layers.Normalization(axis=0)
    with pytest.raises(ValueError, match="give both mean and variance"):
        keras.layers.Normalization(mean=1.0)


@pytest.mark.parametrize("name", ["model.h5", "model.hdf5", "model"])
def test_save_and_load_refuse_a_format_they_do_not_write(tmp_path, name):
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match=f"Invalid filepath extension for saving.*'.keras'"
                                         f".*Received: filepath=.*{name}"):
        model.save(tmp_path / name)
    assert not (tmp_path / name).exists()
    with pytest.raises(ValueError, match="Invalid filepath extension for loading"):
        keras.models.load_model(tmp_path / name)
    model.save(tmp_path / "model.keras")  # Keras 3's name; safetensors inside
    assert keras.models.load_model(tmp_path / "model.keras").layers[0].units == 2
