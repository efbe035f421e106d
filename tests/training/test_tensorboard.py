"""The TensorBoard callback and SummaryWriter: the event files, read back with
TensorBoard's own EventAccumulator, hold every value fit logged, equal to the History,
under Keras's layout (train/ and validation/, epoch_ and batch_ tags)."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
import tensorboardX
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from trainkit import blobs, mlp, trainer_for

import lucidnet
from lucidnet import cli, keras, nn
from lucidnet.training import Callback
from lucidnet.training.tensorboard import TensorBoard


def events(folder):
    """TensorBoard's reading of the event files in ``folder`` (everything kept)."""
    accumulator = EventAccumulator(str(folder), size_guidance={"scalars": 0, "histograms": 0,
                                                                "images": 0})
    accumulator.Reload()
    return accumulator


def scalars(accumulator, tag):
    return [(e.step, e.value) for e in accumulator.Scalars(tag)]


class BatchLogs(Callback):
    """Records the logs of every training batch."""

    def __init__(self):
        super().__init__()
        self.logs = []

    def on_train_batch_end(self, batch, logs=None):
        self.logs.append(dict(logs))


def classifier():
    lucidnet.manual_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_every_value_fit_logged_is_in_the_event_files_equal_to_the_history(tmp_path):
    x, y = blobs(90)
    model, batches = classifier(), BatchLogs()
    board = keras.callbacks.TensorBoard(tmp_path, histogram_freq=1, update_freq=2,
                                        write_grads=True)
    history = model.fit(x, y, epochs=4, batch_size=16, validation_split=0.2, verbose=0,
                        callbacks=[batches, board])
    train, validation = events(tmp_path / "train"), events(tmp_path / "validation")
    epochs = list(range(4))
    for name, values in history.history.items():
        split, tag = (validation, name[4:]) if name.startswith("val_") else (train, name)
        assert scalars(split, f"epoch_{tag}") == [
            (e, np.float32(v)) for e, v in zip(epochs, values)], name
    assert scalars(train, "epoch_learning_rate") == [(e, np.float32(0.01)) for e in epochs]
    for name in ("loss", "accuracy"):  # each validation, at the count of batches trained
        assert scalars(validation, f"evaluation_{name}_vs_iterations") == [
            (5 * (e + 1), np.float32(v)) for e, v in enumerate(history.history[f"val_{name}"])]
    # batch values every 2 batches, at the count of batches since fit began
    steps_per_epoch = len(batches.logs) // 4
    assert steps_per_epoch == 5
    for name in ("loss", "accuracy"):
        expected = [(i, np.float32(logs[name])) for i, logs in enumerate(batches.logs, 1)
                    if i % 2 == 0]
        assert scalars(train, f"batch_{name}") == expected
    assert not any(t.startswith("batch_") for t in validation.Tags()["scalars"])
    # histograms of each weight and its gradient at every epoch; the last is the weights'
    for name, p in model.named_parameters():
        path = name.replace(".", "/")
        for tag in (f"{path}/histogram", f"{path}/gradient/histogram"):
            assert [e.step for e in train.Histograms(tag)] == epochs, tag
        last = train.Histograms(f"{path}/histogram")[-1].histogram_value
        assert (last.min, last.max, last.num) == (p.data.min(), p.data.max(), p.size)
        assert last.sum == pytest.approx(float(p.data.sum()), rel=1e-6, abs=1e-6)
    assert train.Graph() is not None  # the model's ONNX graph (write_graph=True)


def test_defaults_are_keras_and_write_no_batches_histograms_or_empty_validation(tmp_path):
    board = TensorBoard()
    assert (board.log_dir, board.histogram_freq, board.write_graph, board.write_images,
            board.write_steps_per_second, board.update_freq) == ("logs", 0, True, False,
                                                                 False, "epoch")
    x, y = blobs(40)
    model = classifier()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0,
              callbacks=[TensorBoard(tmp_path, write_graph=False)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train"]  # no validation
    tags = events(tmp_path / "train").Tags()
    assert sorted(tags["scalars"]) == ["epoch_accuracy", "epoch_learning_rate", "epoch_loss"]
    assert not tags["histograms"] and not tags["graph"]


def test_steps_per_second_and_images_when_asked(tmp_path):
    x, y = blobs(40)
    model = classifier()
    kernel = next(name for name, _ in model.named_parameters()).replace(".", "/")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[TensorBoard(
        tmp_path, histogram_freq=2, write_images=True, write_steps_per_second=True,
        update_freq="batch", write_graph=False)])
    train = events(tmp_path / "train")
    speed = scalars(train, "epoch_steps_per_second")
    assert [s for s, _ in speed] == [0, 1] and all(v > 0 for _, v in speed)
    assert len(scalars(train, "batch_steps_per_second")) == 10
    assert [e.step for e in train.Images(f"{kernel}/image")] == [0]  # every 2nd epoch


def test_the_trainer_of_a_pytorch_style_model_logs_the_same_way(tmp_path):
    x, y = blobs(60)
    trainer = trainer_for(mlp([4, 8, 3], nn.Softmax()), metrics=["accuracy"])
    history = trainer.fit(x, y, epochs=3, batch_size=20, verbose=0,
                          validation_data=(x[:20], y[:20]), callbacks=[TensorBoard(tmp_path)])
    validation = events(tmp_path / "validation")
    assert scalars(validation, "epoch_loss") == [
        (e, np.float32(v)) for e, v in enumerate(history.history["val_loss"])]
    assert events(tmp_path / "train").Graph() is not None  # exported from in_features


def test_a_model_that_cannot_be_exported_trains_and_logs_without_its_graph(tmp_path):
    x, y = blobs(40)
    trainer = trainer_for(nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.Softmax()))
    with pytest.warns(UserWarning, match="TensorBoard: no graph written .*pass input_shape"):
        history = trainer.fit(x, y, epochs=2, batch_size=20, verbose=0,
                              callbacks=[TensorBoard(tmp_path)])
    train = events(tmp_path / "train")
    assert not train.Tags()["graph"]
    assert scalars(train, "epoch_loss") == [
        (e, np.float32(v)) for e, v in enumerate(history.history["loss"])]


def test_bad_arguments_are_refused_with_keras_names():
    for bad in (0, -1, "sometimes", True):
        with pytest.raises(ValueError, match="update_freq must be 'epoch', 'batch'"):
            TensorBoard(update_freq=bad)
    with pytest.raises(ValueError, match="histogram_freq must be an integer"):
        TensorBoard(histogram_freq=-1)
    with pytest.raises(ValueError, match="profiling and embeddings are not supported"):
        TensorBoard(profile_batch=2)


def test_without_tensorboardx_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    for make in (TensorBoard, lambda: lucidnet.SummaryWriter):
        with pytest.raises(ImportError, match=r"pip install 'lucidnet\[tensorboard\]'"):
            make()


def test_summary_writer_is_tensorboardx_for_a_pytorch_style_loop(tmp_path):
    assert lucidnet.SummaryWriter is tensorboardX.SummaryWriter
    from lucidnet.torch.utils.tensorboard import SummaryWriter  # PyTorch's path

    assert SummaryWriter is tensorboardX.SummaryWriter

    writer = SummaryWriter(str(tmp_path))
    for step, loss in enumerate([0.9, 0.5, 0.25]):
        writer.add_scalar("loss/train", loss, step)
    writer.close()
    assert scalars(events(tmp_path), "loss/train") == [(0, np.float32(0.9)), (1, 0.5), (2, 0.25)]
    with pytest.raises(AttributeError, match="no attribute 'Summary'"):
        lucidnet.Summary  # noqa: B018


def test_lucidnet_train_tensorboard_logs_the_run(tmp_path, capsys):
    logs, out = tmp_path / "logs", tmp_path / "run"
    status = cli.main(["train", "iris", "--hidden", "8", "--epochs", "3", "--quiet",
                       "--out", str(out), "--tensorboard", str(logs)])
    stdout, stderr = capsys.readouterr()
    assert status == 0, stderr
    assert stdout.endswith(f"TensorBoard logs in {logs}/: tensorboard --logdir {logs}\n")
    history = json.loads((out / "history.json").read_text())["history"]
    train, validation = events(logs / "train"), events(logs / "validation")
    assert scalars(train, "epoch_loss") == [
        (e, np.float32(v)) for e, v in enumerate(history["loss"])]
    assert scalars(validation, "epoch_loss") == [
        (e, np.float32(v)) for e, v in enumerate(history["val_loss"])]
    assert "--tensorboard" in (out / "command.txt").read_text()
