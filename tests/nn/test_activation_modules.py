"""Activation layers: each equals its function; PReLU and Maxout learn like PyTorch's."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import lucidnet
import lucidnet.functional as F
from lucidnet import nn, tensor
from lucidnet.diagnostics import gradcheck
from lucidnet.errors import ShapeError, UnknownNameError
from lucidnet.nn import LAYERS
from lucidnet.nn import activation as activation_layers

# (layer, the function it must equal) for every parameter-free use of each layer
EQUALS = [
    (nn.Identity(), lambda x: x),
    (nn.BinaryStep(), F.binary_step),
    (nn.Sigmoid(), F.sigmoid),
    (nn.Tanh(), F.tanh),
    (nn.Hardsigmoid(), F.hard_sigmoid),
    (nn.ReLU(), F.relu),
    (nn.Abs(), F.absolute),
    (nn.SELU(), F.selu),
    (nn.LeakyReLU(), F.leaky_relu),
    (nn.LeakyReLU(negative_slope=0.2), lambda x: F.leaky_relu(x, 0.2)),
    (nn.ELU(alpha=2.0), lambda x: F.elu(x, alpha=2.0)),
    (nn.GELU(), F.gelu),
    (nn.GELU(approximate="tanh"), lambda x: F.gelu(x, approximate="tanh")),
    (nn.SiLU(), F.silu),
    (nn.Swish(beta=2.0), lambda x: F.silu(x, beta=2.0)),
    (nn.Softplus(beta=2.0, threshold=3.0), lambda x: F.softplus(x, 2.0, 3.0)),
    (nn.Softmax(), F.softmax),
    (nn.Softmax(dim=0), lambda x: F.softmax(x, axis=0)),
    (nn.LogSoftmax(dim=0), lambda x: F.log_softmax(x, axis=0)),
    (nn.Activation("tanh"), F.tanh),
    (nn.Activation(None), F.identity),
]
WITH_PARAMETERS = {nn.PReLU, nn.Maxout}  # compared with PyTorch below


def _layer_id(value):
    return repr(value) if isinstance(value, nn.Module) else ""


def test_every_layer_is_tested():
    layers = {getattr(activation_layers, name) for name in activation_layers.__all__}
    assert layers == {type(m) for m, _ in EQUALS} | WITH_PARAMETERS


@pytest.mark.parametrize(("layer", "fn"), EQUALS, ids=_layer_id)
def test_layer_equals_its_function(layer, fn):
    x = np.random.default_rng(0).normal(0, 2, (4, 3))
    dY = np.random.default_rng(1).normal(size=(4, 3))
    grads = []
    for f in (layer, fn):
        xt = tensor(x, requires_grad=True)
        y = f(xt)
        (y * tensor(dY)).sum().backward()
        grads.append((y.numpy(), xt.grad))
    np.testing.assert_array_equal(grads[0][0], grads[1][0])
    np.testing.assert_array_equal(grads[0][1], grads[1][1])


@pytest.mark.parametrize(("layer", "fn"), EQUALS, ids=_layer_id)
def test_float32_layer_gives_float32(layer, fn):
    assert layer(tensor(np.linspace(-2, 2, 6, dtype=np.float32))).dtype == np.float32


# -- configuration ------------------------------------------------------------------
def test_repr_shows_configuration():
    assert repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.ELU()) == "ELU(alpha=1.0)"
    assert repr(nn.GELU()) == "GELU(approximate='none')"
    assert repr(nn.Softplus()) == "Softplus(beta=1.0, threshold=20.0)"
    assert repr(nn.Softmax()) == "Softmax(dim=-1)"
    assert repr(nn.PReLU()) == "PReLU(num_parameters=1, init=0.25)"
    assert repr(nn.Maxout(4, 3, 2)) == "Maxout(in_features=4, out_features=3, pieces=2)"
    assert repr(nn.Activation("swish")) == "Activation('silu')"


@pytest.mark.parametrize(
    "layer",
    [m for m, _ in EQUALS] + [nn.PReLU(3, init=0.1), nn.Maxout(4, 3, 2)],
    ids=repr,
)
def test_config_rebuilds_the_layer(layer):
    config = json.loads(json.dumps(layer.get_config()))
    rebuilt = LAYERS.get(LAYERS.name_of(layer), **config)
    assert type(rebuilt) is type(layer) and repr(rebuilt) == repr(layer)


def test_defaults_are_pytorchs():
    torch = pytest.importorskip("torch")
    assert nn.LeakyReLU().negative_slope == torch.nn.LeakyReLU().negative_slope
    assert nn.ELU().alpha == torch.nn.ELU().alpha
    assert nn.GELU().approximate == torch.nn.GELU().approximate
    ours, theirs = nn.Softplus(), torch.nn.Softplus()
    assert (ours.beta, ours.threshold) == (theirs.beta, theirs.threshold)
    ours, theirs = nn.PReLU(), torch.nn.PReLU()
    assert ours.weight.shape == tuple(theirs.weight.shape)
    assert ours.weight.numpy().tolist() == theirs.weight.detach().numpy().tolist()


def test_swish_is_an_alias_of_silu():
    assert nn.Swish is nn.SiLU
    assert LAYERS.resolve("Swish") is nn.SiLU


def test_bad_configuration_is_named():
    with pytest.raises(ValueError, match="GELU: approximate"):
        nn.GELU("fast")
    with pytest.raises(ValueError, match="Softplus: beta"):
        nn.Softplus(beta=0)
    with pytest.raises(ValueError, match="Maxout: pieces"):
        nn.Maxout(4, 3, 0)
    with pytest.raises(ValueError, match="PReLU: num_parameters"):
        nn.PReLU(0)


# -- PReLU --------------------------------------------------------------------------------
@pytest.mark.parametrize(("num_parameters", "shape"), [(1, (8, 3)), (3, (8, 3)), (1, (5,))])
def test_prelu_learns_like_pytorch(num_parameters, shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x, dY = rng.normal(size=shape), rng.normal(size=shape)
    with lucidnet.default_dtype("float64"):
        layer = nn.PReLU(num_parameters, init=0.2)
    xt = tensor(x, requires_grad=True)
    layer(xt).backward(dY)
    ref = torch.nn.PReLU(num_parameters, init=0.2, dtype=torch.float64)
    x_ref = torch.tensor(x, requires_grad=True)
    y_ref = ref(x_ref)
    y_ref.backward(torch.tensor(dY))
    np.testing.assert_allclose(layer(tensor(x)).numpy(), y_ref.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(xt.grad, x_ref.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(layer.weight.grad, ref.weight.grad.numpy(), rtol=1e-10)


def test_prelu_float32_and_feature_check():
    layer = nn.PReLU(3)
    assert layer.weight.dtype == np.float32
    layer(tensor(np.full((2, 3), -1.0, dtype=np.float32))).sum().backward()
    assert layer.weight.grad.dtype == np.float32
    np.testing.assert_array_equal(layer.weight.grad, [-2.0, -2.0, -2.0])
    message = r"PReLU expects inputs with 3 features, got shape \(2, 4\)"
    with pytest.raises(ShapeError, match=message):
        layer(np.ones((2, 4), dtype=np.float32))
    assert [name for name, _ in layer.named_parameters()] == ["weight"]


# -- Maxout ---------------------------------------------------------------------------------
def test_maxout_shapes_and_parameters():
    layer = nn.Maxout(4, 3, pieces=2)
    assert [(n, p.shape) for n, p in layer.named_parameters()] == [
        ("weight", (4, 6)),
        ("bias", (6,)),
    ]
    assert layer.num_parameters() == 4 * 6 + 6
    assert layer(np.ones((5, 4), dtype=np.float32)).shape == (5, 3)
    assert layer(np.ones((2, 5, 4), dtype=np.float32)).shape == (2, 5, 3)
    assert layer(np.ones((5, 4), dtype=np.float32)).dtype == np.float32


def test_maxout_rejects_wrong_feature_count():
    message = r"Maxout expects inputs with 4 features, got shape \(2, 5\)"
    with pytest.raises(ShapeError, match=message):
        nn.Maxout(4, 3, 2)(np.ones((2, 5), dtype=np.float32))


def test_maxout_init_is_uniform_within_bound_and_seeded():
    lucidnet.manual_seed(7)
    first = nn.Maxout(16, 8, 3)
    lucidnet.manual_seed(7)
    second = nn.Maxout(16, 8, 3)
    bound = 1 / math.sqrt(16)
    for p, q in zip(first.parameters(), second.parameters()):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
        assert np.abs(p.numpy()).max() <= bound
    weights = first.weight.numpy()
    assert weights.min() < -0.8 * bound and weights.max() > 0.8 * bound  # spread, not constant


def test_maxout_learns_like_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, dY = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    with lucidnet.default_dtype("float64"):
        layer = nn.Maxout(4, 3, pieces=2)
    xt = tensor(x, requires_grad=True)
    y = layer(xt)
    y.backward(dY)

    W = torch.tensor(layer.weight.numpy(), requires_grad=True)
    b = torch.tensor(layer.bias.numpy(), requires_grad=True)
    x_ref = torch.tensor(x, requires_grad=True)
    y_ref = (x_ref @ W + b).view(5, 3, 2).amax(dim=-1)  # contiguous pieces per unit
    y_ref.backward(torch.tensor(dY))
    np.testing.assert_allclose(y.numpy(), y_ref.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(xt.grad, x_ref.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(layer.weight.grad, W.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(layer.bias.grad, b.grad.numpy(), rtol=1e-10)


def test_maxout_gradcheck_through_its_parameters():
    rng = np.random.default_rng(4)
    x, W, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 6)), rng.normal(size=6)
    assert gradcheck(lambda x, W, b: F.maxout(x @ W + b, 3), x, W, b)


# -- Activation ----------------------------------------------------------------------------
def test_activation_by_name_or_callable():
    x = tensor(np.linspace(-2, 2, 5))
    np.testing.assert_array_equal(nn.Activation("relu")(x).numpy(), F.relu(x).numpy())
    assert nn.Activation("swish").get_config() == {"activation": "silu"}
    assert nn.Activation(F.tanh).get_config() == {"activation": "tanh"}
    assert nn.Activation({"class_name": "elu"}).get_config() == {"activation": "elu"}


def test_activation_refuses_what_it_cannot_apply():
    with pytest.raises(ValueError, match="'prelu' needs alpha.*PReLU"):
        nn.Activation("prelu")
    with pytest.raises(ValueError, match="'maxout' needs pieces"):
        nn.Activation(F.maxout)
    with pytest.raises(UnknownNameError, match="did you mean 'relu'"):
        nn.Activation("rleu")
    custom = nn.Activation(lambda x: 2 * x)
    assert custom(tensor([1.0])).item() == 2.0
    with pytest.raises(ValueError, match="not a registered activation"):
        custom.get_config()
