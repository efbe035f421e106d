"""``keras.ops``: NumPy's values, and gradients that flow through the existing
Functions (float64, against central differences and PyTorch)."""

import numpy as np
import pytest

from lucidnet import Tensor, keras
from lucidnet.diagnostics import gradcheck
from lucidnet.keras import ops

rng = np.random.default_rng(0)
A, B = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))

UNARY = {  # op → NumPy's value
    "negative": np.negative, "square": np.square, "exp": np.exp, "abs": np.abs,
    "sqrt": lambda a: np.sqrt(np.abs(a)), "log": lambda a: np.log(np.abs(a)),
    "tanh": np.tanh, "relu": lambda a: np.maximum(a, 0), "sigmoid": lambda a: 1 / (1 + np.exp(-a)),
    "softmax": lambda a: np.exp(a) / np.exp(a).sum(-1, keepdims=True),
    "sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "var": np.var, "std": np.std,
}
BINARY = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply,
          "divide": np.divide, "maximum": np.maximum, "minimum": np.minimum}


def _positive(name, a):
    return np.abs(a) + 0.5 if name in ("sqrt", "log") else a


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_ops_match_numpy_and_their_gradients_central_differences(name):
    a = _positive(name, A)
    np.testing.assert_allclose(getattr(ops, name)(a).data, UNARY[name](a), rtol=1e-12)
    assert gradcheck(getattr(ops, name), a)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_ops_match_numpy_and_their_gradients_central_differences(name):
    b = np.abs(B) + 0.5 if name == "divide" else B
    np.testing.assert_allclose(getattr(ops, name)(A, b).data, BINARY[name](A, b), rtol=1e-12)
    assert gradcheck(getattr(ops, name), A, b)


def test_a_two_layer_network_written_with_ops_has_torchs_gradients():
    torch = pytest.importorskip("torch")
    x, w1, w2 = rng.standard_normal((5, 4)), rng.standard_normal((4, 3)), rng.standard_normal((3, 2))
    ours = [Tensor(a, requires_grad=True) for a in (w1, w2)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (w1, w2)]
    h = ops.relu(ops.matmul(x, ours[0]))
    loss = ops.mean(ops.square(ops.log_softmax(ops.matmul(h, ours[1]))))
    ref = torch.log_softmax(torch.relu(torch.tensor(x) @ theirs[0]) @ theirs[1], -1).square().mean()
    loss.backward()
    ref.backward()
    assert loss.item() == pytest.approx(ref.item(), rel=1e-12)
    for t, r in zip(ours, theirs):
        np.testing.assert_allclose(t.grad, r.grad.numpy(), rtol=1e-10)


def test_constructors_shapes_and_dtypes_as_keras():
    assert ops.ones((2, 3)).dtype == np.float32 and ops.zeros((2,), dtype="int32").dtype == np.int32
    np.testing.assert_array_equal(ops.eye(3).data, np.eye(3))
    np.testing.assert_array_equal(ops.arange(4).data, np.arange(4))
    assert ops.arange(0.0, 1.0, 0.5).dtype == np.float32
    assert ops.full_like(A, 2.0).dtype == np.float64
    assert ops.shape(ops.expand_dims(A, 0)) == (1, 3, 4) and ops.squeeze(np.ones((1, 3, 1))).shape == (3,)
    np.testing.assert_array_equal(ops.one_hot(np.array([2, 0]), 3).data, [[0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(ops.argmax(A, axis=1).data, A.argmax(1))
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.transpose(A)), A.T)
    np.testing.assert_array_equal(ops.where(A > 0, A, 0.0).data, np.where(A > 0, A, 0))
    assert ops.cast(ops.ones(2), "float64").dtype == np.float64
    assert not ops.stop_gradient(Tensor(A, requires_grad=True)).requires_grad
    np.testing.assert_array_equal(ops.concatenate([A, B], axis=1).data, np.concatenate([A, B], 1))
    with pytest.raises(ValueError, match="cannot squeeze axis 1"):
        ops.squeeze(A, axis=1)


def test_keras_ops_is_reachable_as_in_the_guides():
    from lucidnet.keras import ops as imported

    assert keras.ops is imported and ops.leaky_relu(np.array([-1.0])).item() == pytest.approx(-0.2)
