"""Normalization (the nn twin of Keras's preprocessing layer): Keras's arithmetic and
adapt, PyTorch as the second oracle of the forward and backward, errors that name it."""

import numpy as np
import pytest

import lucidnet
from lucidnet import nn, tensor
from lucidnet.errors import ShapeError


def test_adapt_and_call_as_keras_documents():
    layer = nn.Normalization(3).adapt(np.array([[0., 7, 4], [2, 9, 6], [0, 7, 4], [2, 9, 6]]))
    np.testing.assert_allclose(layer(np.array([[0., 7, 4]])).numpy(), [[-1, -1, -1]], rtol=1e-6)
    one = nn.Normalization().adapt(np.array([1., 2, 3, 4, 5]))
    np.testing.assert_allclose(one(np.array([1., 2, 3])).numpy(),
                               [-1.4142135, -0.70710677, 0.0], rtol=1e-6)
    given = nn.Normalization(mean=3.0, variance=2.0)
    np.testing.assert_allclose(given(np.array([[1.], [2], [3]])).numpy(),
                               [[-1.4142135], [-0.70710677], [0]], rtol=1e-6)


def test_invert_undoes_the_standardization():
    x = np.random.default_rng(0).normal(5.0, 3.0, size=(50, 4))
    with lucidnet.default_dtype("float64"):
        forward = nn.Normalization(4).adapt(x)
        back = nn.Normalization(4, mean=forward.mean, variance=forward.variance, invert=True)
    z = forward(x).numpy()
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=0), 1, rtol=1e-12)
    np.testing.assert_allclose(back(z).numpy(), x, rtol=1e-12)


def test_a_constant_feature_stays_finite():
    layer = nn.Normalization(2).adapt(np.array([[1.0, 3.0], [2.0, 3.0]]))
    y = layer(np.array([[1.5, 3.0], [1.5, 4.0]])).numpy()
    assert np.isfinite(y).all() and y[0, 1] == 0  # (x − μ)/ε with ε = 1e-7


@pytest.mark.parametrize("invert", [False, True])
def test_forward_and_backward_match_torch(invert):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x, mean, var = rng.normal(size=(7, 3)), rng.normal(size=3), rng.uniform(0.1, 4, size=3)
    with lucidnet.default_dtype("float64"):
        layer = nn.Normalization(3, mean=mean, variance=var, invert=invert)
    ours = tensor(x, requires_grad=True)
    out = layer(ours)
    dy = rng.normal(size=out.shape)
    (out * tensor(dy)).sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    scale = torch.clamp(torch.sqrt(torch.tensor(var)), min=1e-7)
    ref = theirs * scale + torch.tensor(mean) if invert else (theirs - torch.tensor(mean)) / scale
    (ref * torch.tensor(dy)).sum().backward()
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-13)
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-13)


def test_errors_name_the_layer_and_what_came():
    layer = nn.Normalization(3)
    with pytest.raises(ShapeError, match="Normalization.*3 features.*shape \\(2, 4\\)"):
        layer(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="variance cannot be negative"):
        nn.Normalization(2, variance=[1.0, -1.0])
    with pytest.raises(ValueError, match="no data"):
        layer.adapt(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="positive integer or None, got 0"):
        nn.Normalization(0)
