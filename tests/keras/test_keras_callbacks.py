"""Callbacks through the Keras facade: the Keras model is ``self.model`` and carries
what they need (stop_training, optimizer, get_weights/set_weights, metric directions)."""

import csv

import numpy as np
import pytest
from kerasdata import blobs

from lucidnet import keras, manual_seed, training


def compiled(seed=0, lr=0.05, metrics=("accuracy",)):
    manual_seed(seed)
    model = keras.Sequential([keras.layers.Dense(16, activation="relu", input_shape=(8,)),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr),
                  loss="sparse_categorical_crossentropy", metrics=list(metrics))
    return model


class WeightsAtEpochEnd(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


class WeightsAtBatchStart(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.weights = []

    def on_train_batch_begin(self, batch, logs=None):
        self.weights.append(self.model.get_weights())


def test_the_callback_classes_are_the_training_engines():
    for name in ("Callback", "History", "EarlyStopping", "ModelCheckpoint", "CSVLogger",
                 "ReduceLROnPlateau", "LearningRateScheduler", "TerminateOnNaN"):
        assert getattr(keras.callbacks, name) is getattr(training, name)
    # the progress printer is Keras 3's own (tests/keras/test_keras_output.py)
    assert issubclass(keras.callbacks.ProgbarLogger, training.Callback)
    assert keras.callbacks.ProgbarLogger is not training.ProgbarLogger


def test_early_stopping_stops_and_restores_the_best_weights():
    x, labels = blobs(200)
    flipped = (labels + 1) % 3  # the better the model fits, the worse the validation loss
    model = compiled()
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2,
                                            restore_best_weights=True)
    recorder = WeightsAtEpochEnd()
    history = model.fit(x, labels, validation_data=(x, flipped), epochs=30, verbose=0,
                        callbacks=[recorder, stopper])
    val = history.history["val_loss"]
    assert len(val) == 3 < 30  # epoch 0 best, then two epochs without improvement
    assert val[1] > val[0] and val[2] > val[0]
    assert model.stop_training and stopper.stopped_epoch == 2 and stopper.best_epoch == 0
    assert recorder.model is model
    for ours, best in zip(model.get_weights(), recorder.weights[0]):
        np.testing.assert_array_equal(ours, best)


def test_early_stopping_on_accuracy_reads_its_direction_from_the_model():
    x, labels = blobs(200)
    model = compiled()
    stopper = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=1)
    model.fit(x, labels, validation_data=(x, (labels + 1) % 3), epochs=30, verbose=0,
              callbacks=[stopper])
    assert model.metric_direction("accuracy") == "up"
    assert stopper.direction == "max"
    assert stopper.stopped_epoch < 29


def test_learning_rate_scheduler_sets_the_models_optimizer():
    x, labels = blobs(60)
    model = compiled(lr=0.1)
    schedule = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr / 2)
    history = model.fit(x, labels, epochs=3, verbose=0, callbacks=[schedule])
    assert history.history["learning_rate"] == [0.05, 0.025, 0.0125]
    assert model.optimizer.learning_rate == 0.0125


def test_reduce_lr_on_plateau_lowers_the_rate_when_validation_stalls():
    x, labels = blobs(200)
    model = compiled()
    reduce = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1)
    history = model.fit(x, labels, validation_data=(x, (labels + 1) % 3), epochs=4,
                        verbose=0, callbacks=[reduce])
    # each epoch logs the rate it trained with; epochs 1 and 2 do not improve
    assert history.history["learning_rate"] == [0.05, 0.05, 0.025, 0.0125]
    assert model.optimizer.learning_rate == 0.00625


def test_model_checkpoint_writes_a_file_load_model_reads(tmp_path):
    x, labels = blobs(80)
    model = compiled()
    path = tmp_path / "best.safetensors"
    checkpoint = keras.callbacks.ModelCheckpoint(path, monitor="loss", save_best_only=True)
    model.fit(x, labels, epochs=3, verbose=0, callbacks=[checkpoint])
    restored = keras.models.load_model(path)
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    assert type(restored.optimizer) is keras.optimizers.Adam
    from lucidnet import io

    metadata = io.load_state(path).metadata
    assert metadata["epoch"] == 3 and metadata["seed"] == model.seed


def test_csv_logger_and_history_agree(tmp_path):
    x, labels = blobs(60)
    model = compiled()
    path = tmp_path / "log.csv"
    history = model.fit(x, labels, validation_split=0.5, epochs=2, verbose=0,
                        callbacks=[keras.callbacks.CSVLogger(path)])
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [float(r["val_loss"]) for r in rows] == pytest.approx(history.history["val_loss"])


def test_a_callback_can_stop_training_through_the_model():
    class StopAfterOneBatch(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.model.stop_training = True

    x, labels = blobs(100)
    model = compiled()
    history = model.fit(x, labels, epochs=5, batch_size=10, verbose=0,
                        callbacks=[StopAfterOneBatch()])
    assert history.epoch == [0]


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:overflow encountered")
def test_terminate_on_nan_stops_and_keeps_the_last_finite_weights():
    x, labels = blobs(60)
    model = compiled()
    x_bad = x.copy()
    x_bad[30:] = 3e38  # finite (fit refuses ∞), but the logits overflow from batch 3 on
    recorder = WeightsAtBatchStart()
    history = model.fit(x_bad, labels, epochs=3, batch_size=10, shuffle=False, verbose=0,
                        callbacks=[recorder, keras.callbacks.TerminateOnNaN()])
    assert model.stop_training and history.epoch == [0]
    assert np.isnan(history.history["loss"][0])
    for ours, before in zip(model.get_weights(), recorder.weights[3]):
        np.testing.assert_array_equal(ours, before)


def test_every_hook_gets_a_logs_dict_as_keras_passes():
    seen = []

    class Spy(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.append(logs)

        def on_epoch_begin(self, epoch, logs=None):
            seen.append(logs)

        def on_train_batch_begin(self, batch, logs=None):
            seen.append(logs)

        def on_predict_begin(self, logs=None):
            seen.append(logs)

    x, labels = blobs(40)
    model = compiled()
    model.fit(x, labels, epochs=1, batch_size=20, verbose=0, callbacks=[Spy()])
    model.predict(x, verbose=0, callbacks=[Spy()])
    assert len(seen) == 5 and all(logs == {} for logs in seen)
