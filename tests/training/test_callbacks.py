"""Every callback in a real fit: scripted monitor values drive the decisions."""

import csv
import math

import numpy as np
import pytest
from trainkit import Recorder, Script, blobs, mlp, trainer_for

from lucidnet import io, nn, optim
from lucidnet.training import (
    Callback,
    CallbackList,
    CSVLogger,
    EarlyStopping,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    TerminateOnNaN,
    Trainer,
)


def _fit(callbacks, epochs, lr=0.05, metrics=None, verbose=0, **kw):
    X, y = blobs()
    trainer = trainer_for(mlp([4, 8, 3], nn.Softmax()), lr=lr, metrics=metrics)
    history = trainer.fit(X, y, epochs=epochs, batch_size=40, verbose=verbose,
                          callbacks=callbacks, **kw)
    return trainer, history


def _same(a, b) -> bool:
    return all(np.array_equal(u, v) for u, v in zip(a, b))


# -- EarlyStopping --------------------------------------------------------------------
@pytest.mark.parametrize("values, kwargs, epochs_run", [
    ([1.0, 0.8, 0.85, 0.9, 0.7, 0.6], {"patience": 2}, 4),  # stops at epoch 3 (Keras)
    ([1.0, 0.8, 0.85, 0.9, 0.7, 0.6], {"patience": 3}, 6),
    ([1.0, 0.97, 0.95, 0.5, 0.4, 0.3], {"patience": 2, "min_delta": 0.1}, 3),
    ([1.0, 0.97, 0.95, 0.5, 0.4, 0.3], {"patience": 2}, 6),
    ([0.1, 1, 1, 1, 1, 1], {"patience": 1}, 2),
    ([0.1, 1, 1, 1, 1, 1], {"patience": 1, "start_from_epoch": 2}, 4),
])
def test_early_stopping_patience_min_delta_start(values, kwargs, epochs_run):
    stop = EarlyStopping(monitor="score", mode="min", **kwargs)
    _, history = _fit([Script("score", values), stop], epochs=6)
    assert len(history.epoch) == epochs_run
    assert stop.stopped_epoch == (epochs_run - 1 if epochs_run < 6 else 0)


@pytest.mark.parametrize("restore", [True, False])
def test_early_stopping_restores_the_best_weights(restore):
    recorder = Recorder()
    stop = EarlyStopping(monitor="score", mode="max", patience=2, restore_best_weights=restore)
    trainer, history = _fit([Script("score", [0.5, 0.9, 0.7, 0.8, 1.0]), recorder, stop], epochs=5)
    assert history.epoch == [0, 1, 2, 3]
    expected = recorder.epoch_end[1] if restore else recorder.epoch_end[3]
    assert _same(trainer.get_weights(), expected)


def test_early_stopping_auto_mode_reads_the_metric_direction():
    stop = EarlyStopping(monitor="val_accuracy", patience=1)
    _fit([Script("val_accuracy", [0.5, 0.6, 0.7, 0.4, 0.3]), stop], epochs=5,
         metrics=["accuracy"], validation_split=0.25)
    assert stop.direction == "max" and stop.stopped_epoch == 3
    unknown = EarlyStopping(monitor="wiggle")
    with pytest.raises(ValueError, match="mode='max'"):
        _fit([Script("wiggle", [1.0]), unknown], epochs=1)


# -- ModelCheckpoint -----------------------------------------------------------------
def test_checkpoint_best_only_writes_on_improvement_and_the_file_loads(tmp_path):
    recorder = Recorder()
    check = ModelCheckpoint(tmp_path / "ckpt-{epoch:02d}.safetensors", monitor="score",
                            mode="min", save_best_only=True)
    trainer, _ = _fit([Script("score", [0.5, 0.4, 0.6, 0.3]), recorder, check], epochs=4)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "ckpt-01.safetensors", "ckpt-02.safetensors", "ckpt-04.safetensors"]
    optimizer = optim.Adam(lr=0.05)  # unbound: load binds it to the rebuilt model
    model = io.load(tmp_path / "ckpt-02.safetensors", optimizer=optimizer)
    assert _same(list(model.state_dict().values()), recorder.epoch_end[1])
    assert io.load_state(tmp_path / "ckpt-02.safetensors").metadata["epoch"] == 2


def test_checkpoint_path_takes_the_logs(tmp_path):
    check = ModelCheckpoint(str(tmp_path / "m-{epoch:02d}-{val_loss:.2f}.safetensors"))
    _, history = _fit([check], epochs=2, validation_split=0.25)
    names = sorted(p.name for p in tmp_path.iterdir())
    val_loss = history.history["val_loss"]
    assert names == [f"m-{e + 1:02d}-{v:.2f}.safetensors" for e, v in enumerate(val_loss)]
    with pytest.raises(KeyError, match="val_accuracy"):
        _fit([ModelCheckpoint(str(tmp_path / "{val_accuracy}.safetensors"))], epochs=1)


@pytest.mark.parametrize("name", ["m.h5", "m", "m.ckpt", "m.keras.bak", "{epoch}.pt",
                                  "m.weights.h5"])
def test_checkpoint_refuses_a_model_name_keras_3_refuses_before_training(name):
    """As Keras 3's ModelCheckpoint: the name is checked when the callback is made, not
    at the first save after an epoch of training; '.weights.h5' is for weights only."""
    with pytest.raises(ValueError, match=r"Invalid filepath extension for ModelCheckpoint.*"
                                         r"'\.weights\.h5'.*'\.keras'"):
        ModelCheckpoint(name)


@pytest.mark.parametrize("name", ["m.keras", "m.safetensors", "ckpt-{epoch:02d}.keras"])
def test_checkpoint_takes_the_model_names_save_takes(name):
    assert ModelCheckpoint(name).filepath == name


# -- learning rates -------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, logged", [
    ({"factor": 0.5, "patience": 2}, [0.05, 0.05, 0.05, 0.025, 0.025, 0.0125]),
    ({"factor": 0.5, "patience": 2, "cooldown": 2}, [0.05, 0.05, 0.05, 0.025, 0.025, 0.025]),
    ({"factor": 0.1, "patience": 1, "min_lr": 0.001}, [0.05, 0.05, 0.005, 0.001, 0.001, 0.001]),
])
def test_reduce_lr_on_plateau(kwargs, logged):
    reduce = ReduceLROnPlateau(monitor="val_loss", **kwargs)
    trainer, history = _fit([Script("val_loss", [1.0] * 6), reduce], epochs=6)
    assert history.history["learning_rate"] == pytest.approx(logged)
    final = trainer.optimizer.param_groups[0]["lr"]
    assert final < logged[0] and final >= kwargs.get("min_lr", 0)


def test_reduce_lr_on_plateau_keeps_the_rate_while_improving():
    trainer, history = _fit([Script("val_loss", [1.0, 0.9, 0.8, 0.7]),
                             ReduceLROnPlateau(patience=1)], epochs=4)
    assert history.history["learning_rate"] == [0.05] * 4


def test_learning_rate_scheduler_with_one_or_two_arguments():
    halve = LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch else lr)
    _, history = _fit([halve], epochs=3)
    assert history.history["learning_rate"] == pytest.approx([0.05, 0.025, 0.0125])
    trainer, history = _fit([LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))], epochs=2)
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05])
    with pytest.raises(ValueError, match="finite number"):
        _fit([LearningRateScheduler(lambda epoch: None)], epochs=1)


# -- TerminateOnNaN -------------------------------------------------------------------
def test_terminate_on_nan_keeps_the_last_good_weights():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((256, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]])
    model = nn.Linear(3, 1)
    trainer = Trainer(model, "mean_squared_error", optim.SGD(model.parameters(), lr=3.0), seed=0)
    recorder, guard = Recorder(), TerminateOnNaN()
    with np.errstate(over="ignore", invalid="ignore"):  # the divergence is the point
        history = trainer.fit(X, y, epochs=50, batch_size=8, verbose=0, callbacks=[recorder, guard])
    assert guard.stopped_batch is not None and len(history.epoch) < 50
    final = trainer.get_weights()
    assert all(np.isfinite(w).all() for w in final)
    before = recorder.batch_start[-1]  # the weights the failing batch started from
    expected = before if all(np.isfinite(w).all() for w in before) else recorder.batch_start[-2]
    assert _same(final, expected)
    assert not math.isfinite(history.history["loss"][-1])


def test_terminate_on_nan_skips_a_snapshot_that_is_already_infinite():
    class Engine:  # the engine protocol, by hand
        def __init__(self):
            self.model, self.stop_training = nn.Linear(1, 1), False

    engine, guard = Engine(), TerminateOnNaN()
    guard.set_model(engine)
    weight = engine.model.weight
    weight.data[...] = 1.0
    guard.on_train_begin()
    guard.on_train_batch_begin(0)
    weight.data[...] = np.inf  # an infinite gradient step, yet this batch's loss was finite
    guard.on_train_batch_end(0, {"loss": 0.5})
    guard.on_train_batch_begin(1)
    guard.on_train_batch_end(1, {"loss": float("nan")})
    assert engine.stop_training and weight.data[0, 0] == 1.0


# -- CSVLogger and History -----------------------------------------------------------
def test_csv_logger_writes_keras_layout_and_appends(tmp_path):
    path = tmp_path / "log.csv"
    _, history = _fit([CSVLogger(path)], epochs=3, metrics=["accuracy"], validation_split=0.25)
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    for epoch, row in enumerate(rows[1:]):
        assert row[0] == str(epoch)
        for key, value in zip(rows[0][1:], row[1:]):
            assert float(value) == history.history[key][epoch]  # repr round-trips
    _fit([CSVLogger(path, append=True)], epochs=2, metrics=["accuracy"], validation_split=0.25)
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert len(rows) == 1 + 3 + 2 and rows[4][0] == "0"
    _fit([CSVLogger(path, separator=";")], epochs=1)
    assert open(path).read().splitlines()[0] == "epoch;loss"


def test_history_plot_draws_training_and_validation():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _, history = _fit([], epochs=3, metrics=["accuracy"], validation_split=0.25)
    fig = history.plot(title="blobs")
    try:
        assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
        assert all(len(ax.lines) == 2 for ax in fig.axes)
        np.testing.assert_array_equal(fig.axes[0].lines[1].get_ydata(), history.history["val_loss"])
    finally:
        plt.close(fig)


# -- the list, the hooks and the progress display -----------------------------------
def test_batch_hooks_reach_only_callbacks_that_define_them():
    class Old(Callback):  # Keras 2's hook names
        def __init__(self):
            super().__init__()
            self.ends = 0

        def on_batch_end(self, batch, logs=None):
            self.ends += 1

    old, idle = Old(), Callback()
    hooks = CallbackList([old, idle])
    assert hooks._batch["on_train_batch_end"] == [old]
    _fit([old], epochs=2)
    assert old.ends == 2 * 3  # 120 samples in batches of 40


def test_verbose_levels(capsys):
    _fit([], epochs=2, verbose=0)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    _fit([], epochs=2, verbose=2, metrics=["accuracy"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("'accuracy' means sparse_categorical_accuracy: "
                        "the loss is sparse_categorical_crossentropy")
    assert lines[1].startswith("Epoch 1/2 - ") and "loss: " in lines[1] and "accuracy: " in lines[1]
    assert lines[2].startswith("Epoch 2/2 - ")
    _fit([], epochs=2, verbose=1)
    out = capsys.readouterr().out  # on stdout, as Keras's
    assert "Epoch 1/2" in out and "Epoch 2/2" in out and "loss: " in out
