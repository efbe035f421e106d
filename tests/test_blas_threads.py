"""lucidnet.threads: the BLAS threads set by the user, or chosen by the first steps.

The choice is driven here by a clock whose seconds depend on the BLAS thread count of
the moment (no timing is asserted); the thread counts are restored by threadpoolctl's
context after each test."""

import functools
import logging
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import lucidnet as ln
from lucidnet import functional as F
from lucidnet import keras, nn, optim, threads
from lucidnet.threads import ROUNDS, SMALL, WARMUP, WATCH, ThreadChoice
from lucidnet.training import DataLoader, Trainer

threadpoolctl = pytest.importorskip("threadpoolctl")


class Clock:
    """A clock that advances by ``seconds[n]`` at each reading, n the BLAS threads then:
    a step's time is what its thread count says."""

    def __init__(self, seconds: dict):
        self.seconds, self.now, self.counts = seconds, 0.0, []

    def __call__(self):
        n = ln.get_num_threads()
        self.counts.append(n)
        self.now += self.seconds[n]
        return self.now


@pytest.fixture
def blas():
    """The BLAS threads restored after the test, and the process's choice state as it
    was (a test may set it explicitly or leave a count behind)."""
    with threadpoolctl.threadpool_limits(ln.get_num_threads(), user_api="blas"):
        saved = dict(vars(threads._Process))
        try:
            yield
        finally:
            for k in ("explicit", "first", "left", "blas"):
                setattr(threads._Process, k, saved.get(k))


def _steps(choice, n):
    for _ in range(n):
        choice.step()


def _runs(counts):
    """The counts in order, each run of equal ones once: [2, 2, 1, 1, 2] → [2, 1, 2]."""
    return [n for i, n in enumerate(counts) if i == 0 or counts[i - 1] != n]


@pytest.mark.parametrize("seconds, chosen", [({2: 3e-2, 1: 1e-2}, 1), ({2: 1e-2, 1: 3e-2}, 2),
                                              ({2: 0.85e-2, 1: 1e-2}, 1)])
def test_n_threads_are_kept_only_when_clearly_faster(blas, seconds, chosen):
    clock = Clock(seconds)
    choice = ThreadChoice(most=2, clock=clock)
    _steps(choice, 200)
    assert choice.threads == chosen and ln.get_num_threads() == chosen
    assert choice.seconds == pytest.approx(seconds)
    assert choice.reason == "measured" and "threads=%d" % chosen in repr(choice)
    # blocks at N and at one thread in turn, ROUNDS of each, then the choice stays
    assert _runs(clock.counts[1:]) == [2, 1] * ROUNDS + ([2] if chosen == 2 else [])


def test_small_steps_take_one_thread_after_the_first_block(blas):
    clock = Clock({2: SMALL / 2, 1: SMALL / 2})
    choice = ThreadChoice(most=2, clock=clock)
    _steps(choice, 2000)
    assert choice.threads == 1 and ln.get_num_threads() == 1
    assert "steps under" in choice.reason and list(choice.seconds) == [2]
    assert _runs(clock.counts[1:]) == [2, 1]


def test_a_slowdown_makes_the_choice_again(blas):
    clock = Clock({2: 1e-2, 1: 3e-2})
    choice = ThreadChoice(most=2, clock=clock)
    _steps(choice, 200)
    assert choice.threads == 2
    clock.seconds = {2: 9e-2, 1: 4e-2}  # another process took a core
    _steps(choice, 2 * int(WATCH / 9e-2) + 4)  # the window then running, and one more
    assert choice.reason == "measuring again after a slowdown" and choice.threads == 2
    _steps(choice, 200)
    assert choice.reason == "measured again after a slowdown"
    assert choice.threads == 1 and choice.seconds == pytest.approx(clock.seconds)


def test_a_count_set_during_the_choice_wins(blas):
    clock = Clock({2: 3e-2, 1: 1e-2, 3: 1e-2})
    choice = ThreadChoice(most=2, clock=clock)
    _steps(choice, 1 + WARMUP)
    threadpoolctl.threadpool_limits(3, user_api="blas")  # the user's
    _steps(choice, 200)
    assert choice.threads is None and choice.reason == "set by the user"
    assert ln.get_num_threads() == 3


def test_set_num_threads_is_explicit_and_checked(blas):
    ln.set_num_threads(1)
    assert ln.get_num_threads() == 1 and threads.automatic_count() is None
    choice = ThreadChoice()  # the process's N: none after an explicit setting
    _steps(choice, 50)
    assert choice.threads is None and choice.reason == "set by the user"
    assert ln.get_num_threads() == 1
    for bad in (0, -1, 1.5, "2", True, None):
        with pytest.raises(ValueError, match="whole number >= 1"):
            ln.set_num_threads(bad)
    from lucidnet import torch

    assert torch.set_num_threads is ln.set_num_threads
    assert torch.get_num_threads() == 1


def test_without_threadpoolctl_set_num_threads_names_the_extra_and_fit_chooses_nothing(
        blas, monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)
    threads._Process.blas = None
    with pytest.raises(ImportError, match=r"lucidnet\[threads\]"):
        ln.set_num_threads(1)
    assert threads.automatic_count() is None
    X, y = np.ones((8, 3), np.float32), np.zeros((8, 2), np.float32)
    model = nn.Linear(3, 2)
    opt = optim.Adam(model.parameters())
    Trainer(model, "mse", opt).fit(X, y, epochs=3, batch_size=1,
                                                               verbose=0)
    assert opt.thread_choice.threads is None


def test_only_the_main_thread_chooses(blas):
    threads._Process.explicit = False
    found = []
    worker = threading.Thread(target=lambda: found.append(threads.automatic_count()))
    worker.start()
    worker.join()
    assert found == [None]


def _automatic_count_in_a_fresh_process(env, code=""):
    env = {k: v for k, v in os.environ.items() if k not in threads.ENVIRONMENT} | env
    out = subprocess.run([sys.executable, "-c", code + "import lucidnet.threads as t;"
                          "print(t.automatic_count())"],
                         env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: nothing to choose")
def test_the_users_setting_before_the_start_wins():
    cores = str(len(os.sched_getaffinity(0)))
    path = {"PYTHONPATH": os.pathsep.join(sys.path)}
    assert _automatic_count_in_a_fresh_process(path) == cores
    for var in threads.ENVIRONMENT:
        assert _automatic_count_in_a_fresh_process(path | {var: cores}) == "None"
    limit = "import numpy, threadpoolctl; threadpoolctl.threadpool_limits(1);"
    assert _automatic_count_in_a_fresh_process(path, limit) == "None"
    # a BLAS loaded after the limit (SciPy's, by an initializer's lazy import) starts at
    # its default: the limit still wins (a sweep's trials ran on 2 threads and differed)
    later = limit + "import scipy.linalg;"
    assert _automatic_count_in_a_fresh_process(path, later) == "None"


# -- choosing changes no number: every door, with the same count chosen -------------
def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(96, 6)).astype(np.float32), rng.integers(0, 3, size=96)


def _trainer(optimizer):
    ln.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
    opt = optimizer(model.parameters())
    loss = functools.partial(F.sparse_categorical_crossentropy, from_logits=True)
    return model, opt, Trainer(model, loss, opt, seed=0)


def fit_trainer(choice):
    X, y = _data()
    model, opt, trainer = _trainer(optim.Adam)
    opt.thread_choice = choice
    history = trainer.fit(X, y, epochs=6, batch_size=8, verbose=0)
    return [p.data.copy() for p in model.parameters()], history.history["loss"], opt


def fit_keras(choice):
    X, y = _data()
    ln.manual_seed(0)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    model.optimizer.thread_choice = choice
    history = model.fit(X, y, epochs=6, batch_size=8, verbose=0)
    return model.get_weights(), history.history["loss"], model.optimizer


def fit_loop(choice):
    X, y = _data()
    model, opt, _ = _trainer(optim.Adam)
    opt.thread_choice = choice
    criterion, losses = nn.CrossEntropyLoss(), []
    loader = DataLoader((X, y), batch_size=8, shuffle=True, seed=0)
    for epoch in range(6):
        loader.set_epoch(epoch)
        for xb, yb in loader:
            loss = criterion(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss.data))
    return [p.data.copy() for p in model.parameters()], losses, opt


@pytest.mark.parametrize("door", [fit_trainer, fit_keras, fit_loop])
def test_choosing_changes_no_number(blas, door, caplog):
    threadpoolctl.threadpool_limits(1, user_api="blas")
    fixed = door(ThreadChoice(most=1))  # nothing to choose: one thread throughout
    assert fixed[2].thread_choice.threads is None
    with caplog.at_level(logging.INFO, logger="lucidnet"):
        chosen = door(ThreadChoice(most=2, clock=Clock({2: 3e-2, 1: 1e-2})))
    assert chosen[2].thread_choice.threads == 1  # 72 steps: the choice is made
    assert "BLAS threads: ThreadChoice(threads=1" in caplog.text
    assert chosen[1] == fixed[1]
    for a, b in zip(chosen[0], fixed[0]):
        np.testing.assert_array_equal(a, b)
