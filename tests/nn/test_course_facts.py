"""The lectures' claims about networks, as measurements.

The claims about single functions live beside them: the 0.0073 vs 0.9963 gradients and
softmax-CE's gradient softmax(o) − y in tests/functional/test_losses.py, tanh = 2σ(2x) − 1
in tests/functional/test_activations.py.
"""

from __future__ import annotations

import numpy as np
import pytest

import lucidnet
from lucidnet import nn, tensor

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def _f64(build):
    with lucidnet.default_dtype("float64"):
        return build()


@pytest.mark.parametrize("leading", [(6,), (2, 3)])
def test_two_linear_layers_without_activation_are_one_linear_layer(leading):
    """(X W₁ + b₁) W₂ + b₂ = X (W₁W₂) + (b₁W₂ + b₂): depth adds nothing without a
    nonlinearity (row-vector layout, W (in, out), as lucidnet's Linear)."""
    lucidnet.manual_seed(0)
    stacked = _f64(lambda: nn.Sequential(nn.Linear(5, 4), nn.Linear(4, 3)))
    W1, b1 = stacked[0].weight.numpy(), stacked[0].bias.numpy()
    W2, b2 = stacked[1].weight.numpy(), stacked[1].bias.numpy()
    single = _f64(lambda: nn.Linear(5, 3))
    single.weight.data[...] = W1 @ W2
    single.bias.data[...] = b1 @ W2 + b2
    x = np.random.default_rng(1).normal(size=leading + (5,))
    np.testing.assert_allclose(stacked(x).numpy(), single(x).numpy(), rtol=1e-12, atol=1e-14)


def test_a_nonlinearity_between_them_breaks_the_collapse():
    lucidnet.manual_seed(0)
    net = _f64(lambda: nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1)))
    x = np.random.default_rng(2).normal(size=(50, 2))
    y = net(x).numpy()
    A = np.c_[x, np.ones(len(x))]  # the best affine fit of the network's own outputs
    residual = y - A @ np.linalg.lstsq(A, y, rcond=None)[0]
    assert np.abs(residual).max() > 1e-3


def _xor_network():
    """h = ReLU(x W + c), ŷ = h w + b with the lecture's weights."""
    net = _f64(lambda: nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)))
    net[0].weight.data[...] = [[1.0, 1.0], [1.0, 1.0]]
    net[0].bias.data[...] = [0.0, -1.0]
    net[2].weight.data[...] = [[1.0], [-2.0]]
    net[2].bias.data[...] = [0.0]
    return net


def test_xor_network_with_the_lectures_weights_has_loss_zero():
    net = _xor_network()
    hidden = net[1](net[0](XOR_X)).numpy()
    np.testing.assert_array_equal(hidden, [[0, 0], [1, 0], [1, 0], [2, 1]])
    prediction = net(XOR_X)
    np.testing.assert_array_equal(prediction.numpy(), XOR_Y)
    loss = nn.MSELoss()(prediction, tensor(XOR_Y))
    assert loss.item() == 0.0
    loss.backward()  # a minimum: every gradient is zero
    assert all(not p.grad.any() for p in net.parameters())


def test_best_linear_model_on_xor_reaches_mse_one_quarter():
    """Least squares on [x₁, x₂, 1] gives w = 0, b = ½: it predicts ½ everywhere, MSE ¼.
    The MSE gradient vanishes there, and MSE is convex in (W, b), so no linear model
    does better."""
    A = np.c_[XOR_X, np.ones(4)]
    theta = np.linalg.lstsq(A, XOR_Y, rcond=None)[0]
    np.testing.assert_allclose(theta.ravel(), [0.0, 0.0, 0.5], atol=1e-15)

    layer = _f64(lambda: nn.Linear(2, 1))
    layer.weight.data[...] = theta[:2]
    layer.bias.data[...] = theta[2]
    loss = nn.MSELoss()(layer(XOR_X), tensor(XOR_Y))
    assert loss.item() == pytest.approx(0.25, abs=1e-15)
    loss.backward()
    np.testing.assert_allclose(layer.weight.grad, 0, atol=1e-15)
    np.testing.assert_allclose(layer.bias.grad, 0, atol=1e-15)
