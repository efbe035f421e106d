"""Weights files as Keras 3 names them (``*.weights.h5``, held as safetensors) and
ModelCheckpoint's ``save_weights_only`` and ``save_freq``."""

import numpy as np
import pytest

from lucidnet import io, keras
from lucidnet.errors import ShapeError
from lucidnet.keras import layers


def mlp(hidden=4):
    return keras.Sequential([keras.Input(shape=(3,)), layers.Dense(hidden, activation="relu"),
                             layers.Dense(2, activation="softmax")])


def blobs(n=40):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 3)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64")


def test_save_weights_then_load_weights_into_a_fresh_model_by_layer_order(tmp_path):
    model, fresh = mlp(), mlp()  # the fresh layers are named dense_2, dense_3
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    assert io.load_state(path).architecture is None  # weights only, safetensors inside
    assert open(path, "rb").read(8) != b"\x89HDF\r\n\x1a\n"
    fresh.load_weights(path)
    x, _ = blobs(5)
    np.testing.assert_array_equal(model.predict(x, verbose=0), fresh.predict(x, verbose=0))


@pytest.mark.parametrize("name", ["m.h5", "m.weights", "m.keras", "weights.h5"])
def test_save_weights_demands_keras_3_names(tmp_path, name):
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        mlp().save_weights(tmp_path / name)
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        keras.callbacks.ModelCheckpoint(tmp_path / name, save_weights_only=True)


@pytest.mark.parametrize("name", ["m.h5", "m.hdf5", "checkpoint", "m.weights.h5"])
def test_model_checkpoint_refuses_an_unknown_extension_at_construction(tmp_path, name):
    """Keras 3 refuses these names in ModelCheckpoint's constructor; so does lucidnet,
    with the message model.save gives (lucidnet writes no HDF5: '.h5' is refused too)."""
    with pytest.raises(ValueError, match=r"Invalid filepath extension for ModelCheckpoint"):
        keras.callbacks.ModelCheckpoint(tmp_path / name)
    with pytest.raises(ValueError, match=r"Invalid filepath extension for saving"):
        mlp().save(tmp_path / name)


def test_load_weights_reads_a_whole_model_file_and_names_a_shape_mismatch(tmp_path):
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.save(tmp_path / "m.keras")
    other = mlp()
    other.load_weights(tmp_path / "m.keras")
    np.testing.assert_array_equal(other.get_weights()[0], model.get_weights()[0])
    with pytest.raises(ShapeError, match=r"has shape \(3, 5\), the file gives \(3, 4\)"):
        mlp(hidden=5).load_weights(tmp_path / "m.keras")
    wider = mlp(hidden=5)
    before = wider.get_weights()
    wider.load_weights(tmp_path / "m.keras", skip_mismatch=True)
    np.testing.assert_array_equal(wider.get_weights()[0], before[0])
    np.testing.assert_array_equal(wider.get_weights()[3], model.get_weights()[3])
    with pytest.raises(FileExistsError):
        model.save_weights(tmp_path / "a.weights.h5")
        model.save_weights(tmp_path / "a.weights.h5", overwrite=False)


def test_model_checkpoint_save_freq_in_batches_fills_epoch_and_batch(tmp_path):
    x, y = blobs(40)
    model = mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    pattern = str(tmp_path / "e{epoch}-b{batch}.weights.h5")
    model.fit(x, y, batch_size=10, epochs=2, verbose=0,
              callbacks=[keras.callbacks.ModelCheckpoint(pattern, save_weights_only=True,
                                                         save_freq=3)])
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "e1-b3.weights.h5", "e2-b2.weights.h5"]  # batches 3 and 6 of 4 per epoch
    with pytest.raises(ValueError, match="save_freq must be 'epoch' or a positive number"):
        keras.callbacks.ModelCheckpoint(pattern, save_freq=0)
