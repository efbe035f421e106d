"""A training process killed with SIGKILL while ModelCheckpoint writes leaves the last
checkpoint whole, and training resumed from it ends on the weights of a run that was
never interrupted, bit for bit."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from lucidnet import io, manual_seed, nn, optim, set_num_threads, set_rng_state
from lucidnet.training import ModelCheckpoint, Trainer

from trainkit import blobs, mlp

EPOCHS = 400
# A wide first layer makes every checkpoint write take a few milliseconds, so that the
# kill often lands inside a write.
SIZES = [4, 1024, 512, 3]

_TRAINER = textwrap.dedent(f"""
    import sys
    sys.path.insert(0, {str(Path(__file__).parent)!r})
    from lucidnet import nn, optim
    from lucidnet.training import Callback, ModelCheckpoint, Trainer
    from trainkit import blobs, mlp

    class Announce(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                print("checkpointed", flush=True)

    X, y = blobs()
    model = mlp({SIZES}, nn.Softmax())
    trainer = Trainer(model, "sparse_categorical_crossentropy",
                      optim.Adam(model.parameters(), lr=1e-3), seed=3)
    trainer.fit(X, y, epochs={EPOCHS}, batch_size=40, verbose=0,
                callbacks=[ModelCheckpoint(sys.argv[1]), Announce()])
""")


def uninterrupted(epochs):
    X, y = blobs()
    model = mlp(SIZES, nn.Softmax())
    Trainer(model, "sparse_categorical_crossentropy", optim.Adam(model.parameters(), lr=1e-3),
            seed=3).fit(X, y, epochs=epochs, batch_size=40, verbose=0)
    return model


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_during_checkpointing_then_resume_equals_an_uninterrupted_run(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    # the same number of BLAS threads as this process (the test workers run with one):
    # OpenBLAS rounds some products differently on another count
    threads = str(max(p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"))
    set_num_threads(int(threads))  # and no choice of another count here (lucidnet.threads)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads}
    process = subprocess.Popen([sys.executable, "-c", _TRAINER, str(path)],
                               stdout=subprocess.PIPE, text=True, env=env)
    assert process.stdout.readline() == "checkpointed\n"
    time.sleep(np.random.default_rng().uniform(0.05, 0.3))
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    process.stdout.close()
    assert process.returncode == -signal.SIGKILL

    saved = io.load_state(path).metadata  # whole, whatever the kill interrupted
    epoch = saved["epoch"]
    assert 2 <= epoch < EPOCHS, "the kill must land during training"
    optimizer = optim.Adam(lr=1e-3)
    model = io.load(path, optimizer=optimizer)
    X, y = blobs()
    total = epoch + 3
    Trainer(model, "sparse_categorical_crossentropy", optimizer, seed=saved["seed"]).fit(
        X, y, epochs=total, initial_epoch=epoch, batch_size=40, verbose=0,
        callbacks=[ModelCheckpoint(path)])
    for a, b in zip(uninterrupted(total).parameters(), model.parameters()):
        np.testing.assert_array_equal(a.data, b.data)


def _dropout_run(checkpoint=None, epochs=6, resume=None):
    """An MLP with Dropout trained on blobs; resumed from ``resume`` (a checkpoint path)."""
    X, y = blobs()
    loss = "sparse_categorical_crossentropy"
    if resume is None:
        manual_seed(5)
        model = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 3),
                              nn.Softmax())
        optimizer, seed, start = optim.Adam(model.parameters(), lr=1e-2), 3, 0
    else:
        saved = io.load_state(resume).metadata
        optimizer = optim.Adam(lr=1e-2)
        model = io.load(resume, optimizer=optimizer)
        set_rng_state(saved["rng_state"])
        seed, start = saved["seed"], saved["epoch"]
    callbacks = [] if checkpoint is None else [ModelCheckpoint(checkpoint)]
    Trainer(model, loss, optimizer, seed=seed).fit(X, y, epochs=epochs, initial_epoch=start,
                                                   batch_size=40, verbose=0,
                                                   callbacks=callbacks)
    return model


def test_resuming_a_model_with_dropout_repeats_the_uninterrupted_run_bit_for_bit(tmp_path):
    """The random state behind Dropout's masks is in the checkpoint (it was not)."""
    path = tmp_path / "ckpt.safetensors"
    _dropout_run(checkpoint=path, epochs=3)
    manual_seed(99)  # whatever happened in between
    resumed = _dropout_run(epochs=6, resume=path)
    for a, b in zip(_dropout_run(epochs=6).parameters(), resumed.parameters()):
        np.testing.assert_array_equal(a.data, b.data)


def test_a_damaged_rng_state_is_refused():
    with pytest.raises(ValueError, match="not a random generator state of PCG64"):
        set_rng_state({"bit_generator": "PCG64", "state": "junk"})
