"""Per-thread state: grad mode, anomaly mode, the default dtype and the generator belong
to the thread that set them, and a new thread starts from the defaults."""

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import lucidnet as ln
from lucidnet import backend, keras, nn
from lucidnet.autograd import is_anomaly_enabled


def _in_thread(fn):
    """fn() run in a new thread; its result, or its exception raised here."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result()


@contextlib.contextmanager
def _another_thread_inside(mode, then):
    """While the block runs here, another thread sits inside ``mode()``; after the block
    it calls ``then()``, still inside. Yields that thread's future (``then()``'s result,
    or its exception raised by ``.result()``)."""
    inside, done = threading.Event(), threading.Event()

    def sit():
        with mode():
            inside.set()
            done.wait(30)
            return then()

    with ThreadPoolExecutor(1) as pool:
        sitting = pool.submit(sit)
        assert inside.wait(30)
        try:
            yield sitting
        finally:
            done.set()


def _train(seed, X, y, barrier=None):
    """A small Keras fit seeded with ``seed``; its weights and loss curve."""
    if barrier is not None:
        barrier.wait()  # start together, so the threads interleave
    ln.manual_seed(seed)
    model = keras.Sequential([keras.layers.Dense(16, activation="tanh", input_shape=(8,)),
                              keras.layers.Dropout(0.2),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(X, y, epochs=4, batch_size=16, verbose=0)
    return model.get_weights(), history.history["loss"]


def test_trainings_in_threads_repeat_the_serial_runs_bit_for_bit():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(96, 8)).astype(np.float32)
    y = rng.integers(0, 3, size=96)
    seeds = [0, 1, 2, 3]
    serial = [_train(seed, X, y) for seed in seeds]
    barrier = threading.Barrier(len(seeds))
    with ThreadPoolExecutor(len(seeds)) as pool:
        threaded = list(pool.map(lambda s: _train(s, X, y, barrier), seeds))
    for (w_serial, loss_serial), (w_thread, loss_thread) in zip(serial, threaded):
        assert loss_serial == loss_thread
        for a, b in zip(w_serial, w_thread):
            np.testing.assert_array_equal(a, b)
    assert serial[0][1] != serial[1][1]  # the seeds make different runs


def test_no_grad_in_one_thread_leaves_the_others_recording():
    def backwards(n=300):
        w = ln.tensor(np.ones(4), requires_grad=True)
        for _ in range(n):
            (w * w).sum().backward()
        return w.grad

    with _another_thread_inside(ln.no_grad, ln.is_grad_enabled) as sitting:
        with ThreadPoolExecutor(2) as pool:
            grads = [f.result() for f in [pool.submit(backwards) for _ in range(2)]]
    assert sitting.result() is False
    for grad in grads:
        np.testing.assert_array_equal(grad, np.full(4, 600.0))
    assert ln.is_grad_enabled()


def test_a_new_thread_starts_from_the_defaults():
    ln.manual_seed(5)
    with ln.no_grad(), ln.default_dtype("float64"), ln.detect_anomaly():
        modes = _in_thread(lambda: (ln.is_grad_enabled(), is_anomaly_enabled(),
                                    backend.get_default_dtype(), nn.Linear(2, 2).weight.dtype))
        assert modes == (True, False, np.float32, np.float32)
        assert (ln.is_grad_enabled(), is_anomaly_enabled()) == (False, True)
        assert backend.get_default_dtype() == np.float64
    # the new thread's generator is its own: drawing there leaves this thread's sequence
    _in_thread(lambda: backend.rng().random(10))
    ln.manual_seed(5)
    expected = backend.rng().random(3)
    ln.manual_seed(5)
    _in_thread(lambda: (ln.manual_seed(5), backend.rng().random(3)))
    np.testing.assert_array_equal(backend.rng().random(3), expected)


def test_settings_in_a_thread_stay_in_that_thread():
    def set_everything():
        ln.set_default_dtype("float64")
        ln.manual_seed(0)
        with ln.detect_anomaly():
            return backend.get_default_dtype(), is_anomaly_enabled()

    assert _in_thread(set_everything) == (np.float64, True)
    assert backend.get_default_dtype() == np.float32
    assert not is_anomaly_enabled()


def test_anomaly_mode_is_per_thread():
    def nan_raises():
        with pytest.raises(ln.errors.AnomalyError), np.errstate(invalid="ignore"):
            ln.tensor(np.array([-1.0]), requires_grad=True).log()

    with _another_thread_inside(ln.detect_anomaly, nan_raises) as detecting:
        with np.errstate(invalid="ignore"):
            y = ln.tensor(np.array([-1.0]), requires_grad=True).log()  # NaN, no error here
        assert np.isnan(y.data).all()
    detecting.result()
