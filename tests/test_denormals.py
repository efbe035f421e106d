"""Subnormal floats flushed to zero: the thread's FTZ/DAZ flags, set, scoped and restored."""

import numpy as np
import pytest
from training.trainkit import blobs, mlp, trainer_for  # tests/training/trainkit.py

import lucidnet
from lucidnet import denormals
from lucidnet.training import Callback

SUPPORTED = denormals._get_env() is not None
needs_flags = pytest.mark.skipif(not SUPPORTED, reason="FTZ/DAZ are set on Linux x86-64 only")
TINY = np.float32(1e-40)  # subnormal: below float32's smallest normal, 1.2e-38


def _product():
    return np.multiply(np.array([TINY]), np.float32(1.0))[0]


@needs_flags
def test_flushing_makes_a_subnormal_zero_and_the_block_restores_ieee():
    assert not lucidnet.is_flush_denormal() and _product() == TINY
    with lucidnet.flush_denormal():
        assert lucidnet.is_flush_denormal()
        assert _product() == 0.0
    assert not lucidnet.is_flush_denormal() and _product() == TINY


@needs_flags
def test_set_flush_denormal_switches_both_ways():
    try:
        assert lucidnet.set_flush_denormal(True) and lucidnet.is_flush_denormal()
        assert _product() == 0.0
    finally:
        assert lucidnet.set_flush_denormal(False)
    assert not lucidnet.is_flush_denormal() and _product() == TINY


@needs_flags
@pytest.mark.parametrize("flush", [True, False])
def test_fit_flushes_while_it_trains_and_restores_the_flags_even_on_an_error(flush):
    seen = []

    class Probe(Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(lucidnet.is_flush_denormal())
            if len(seen) == 3:
                raise KeyboardInterrupt

    trainer = trainer_for(mlp([4, 8, 3], lucidnet.nn.Softmax()), flush_denormal=flush)
    with pytest.raises(KeyboardInterrupt):
        trainer.fit(*blobs(), batch_size=16, epochs=1, verbose=0, callbacks=[Probe()])
    assert seen == [flush] * 3
    assert not lucidnet.is_flush_denormal()


def test_where_the_flags_cannot_be_set_nothing_changes(monkeypatch):
    monkeypatch.setattr(denormals, "_libm", lambda: None)
    assert not lucidnet.set_flush_denormal(True)
    assert not lucidnet.is_flush_denormal()
    with lucidnet.flush_denormal():
        assert _product() == TINY
    history = trainer_for(mlp([4, 8, 3], lucidnet.nn.Softmax())).fit(*blobs(), batch_size=16, epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1
