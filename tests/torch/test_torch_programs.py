"""Each teaching program runs on PyTorch and on lucidnet.torch from the same initial
numbers; the losses and the last gradients must agree (float64: 1e-6)."""

import numpy as np
import pytest

from lucidnet import torch as lucid

import torch_programs as programs

rng = np.random.default_rng(0)
real = pytest.importorskip("torch")


def compare(ours, theirs, rtol=1e-6, atol=1e-9):
    (our_losses, our_grads), (their_losses, their_grads) = ours, theirs
    np.testing.assert_allclose(our_losses, their_losses, rtol=rtol, atol=atol)
    assert len(our_grads) == len(their_grads)
    for a, b in zip(our_grads, their_grads):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def classes(n=60, d=5, c=3):
    X = rng.standard_normal((n, d))
    y = np.argmax(X @ rng.standard_normal((d, c)) + 0.3 * rng.standard_normal((n, c)), axis=1)
    return X, y.astype(np.int64)


def test_polynomial_fit_with_raw_tensors():
    init = list(rng.standard_normal(4))
    ours, theirs = programs.polynomial_fit(lucid, init), programs.polynomial_fit(real, init)
    compare(ours, theirs)
    assert ours[0][-1] < ours[0][0] / 2  # it trains (the update is not a silent no-op)


def test_custom_autograd_function():
    init = [0.0, -1.0, 0.0, 0.3]
    compare(programs.custom_function(lucid, init), programs.custom_function(real, init))


def test_nn_with_the_update_written_by_hand():
    init = [rng.standard_normal((1, 3)), rng.standard_normal(1)]
    ours = programs.nn_manual_update(lucid, init)
    compare(ours, programs.nn_manual_update(real, init))
    assert ours[0][-1] < ours[0][0]


def test_custom_module_with_optim():
    init = [np.float64(v) for v in rng.standard_normal(4)]
    compare(programs.nn_optim(lucid, init), programs.nn_optim(real, init))


def test_softmax_regression_from_scratch():
    X, y = classes()
    init = [rng.normal(0, 0.01, (5, 3)), np.zeros(3)]
    compare(programs.softmax_scratch(lucid, init, (X, y)),
            programs.softmax_scratch(real, init, (X, y)))


def test_softmax_regression_concise_in_float32():
    X, y = classes()
    init = [rng.normal(0, 0.01, (3, 5)).astype(np.float32)]
    # float32 throughout, as the tutorial: the two libraries sum in different orders
    compare(programs.softmax_concise(lucid, init, (X, y)),
            programs.softmax_concise(real, init, (X, y)), rtol=1e-4, atol=1e-6)


def test_mlp_with_dropout_layer_and_weight_decay():
    X, y = classes()
    init = [rng.normal(0, 0.3, (16, 5)), np.zeros(16), rng.normal(0, 0.3, (3, 16)), np.zeros(3)]
    compare(programs.mlp_dropout_weight_decay(lucid, init, (X, y)),
            programs.mlp_dropout_weight_decay(real, init, (X, y)))


def test_mlp_with_active_dropout_trains_and_evaluates_deterministically():
    X, y = classes()
    init = [rng.normal(0, 0.3, (16, 5)), np.zeros(16), rng.normal(0, 0.3, (3, 16)), np.zeros(3)]
    losses, _ = programs.mlp_dropout_weight_decay(lucid, init, (X, y), epochs=8, p=0.5)
    evaluations = losses[3::4]  # each epoch: 3 batches, then the eval() loss
    assert evaluations[-1] < evaluations[0]


def test_fashion_mnist_style_loop_with_dataloader_and_state_dict_file(tmp_path):
    images = rng.standard_normal((100, 1, 8, 8)).astype(np.float32)
    labels = np.argmax(images.reshape(100, 64) @ rng.standard_normal((64, 4)), axis=1)
    shapes = [(32, 64), (32,), (32, 32), (32,), (4, 32), (4,)]
    init = [rng.normal(0, 0.1, s).astype(np.float32) for s in shapes]
    ours = programs.fashion_style_loop(lucid, init, (images, labels), tmp_path)
    theirs = programs.fashion_style_loop(real, init, (images, labels), tmp_path)
    compare(ours, theirs, rtol=1e-4, atol=1e-5)
    assert ours[0][-1] == 0.0  # the loaded model computes what the saved one did
