"""lucidnet.trace: one step through the chain rule, with autograd's own numbers."""

from collections import OrderedDict

import numpy as np
import pytest

import lucidnet
from lucidnet import keras, nn
from lucidnet.diagnostics import numerical_gradient
from lucidnet.lab.backprop import _by_hand as by_hand
from lucidnet.lab.backprop import _images as lecture_batch
from lucidnet._text import printable
from lucidnet.tracing import _tex, formulas, trace


def lecture_model(seed=0):
    """The lecture's classifier: Flatten → Linear 128 → σ → Linear 1 → σ, float64."""
    lucidnet.manual_seed(seed)
    with lucidnet.default_dtype("float64"):
        return nn.Sequential(nn.Flatten(), nn.Linear(100, 128), nn.Sigmoid(),
                             nn.Linear(128, 1), nn.Sigmoid())


def by_name(t):
    """Every tensor of the trace by name: (values, gradient)."""
    out = {}
    for s in t.steps:
        for v in (*s.inputs, s.output):
            out[v.name] = (v.data, v.grad)
    return out


def test_trace_of_the_lecture_example_is_the_hand_computation():
    x, y = lecture_batch(4)
    model = lecture_model()
    t = trace(model, x, y, nn.BCELoss())
    assert [s.function for s in t.steps] == ["Reshape", "LinearFunction", "Sigmoid",
                                             "LinearFunction", "Sigmoid", "BinaryCrossEntropy"]
    seen = by_name(t)
    # the lab's hand computation of the same pass (lucidnet.lab.backprop)
    L, P, grads, _ = by_hand(x, y, *(p.numpy() for p in model.parameters()))
    assert t.loss == pytest.approx(L, rel=1e-12)
    np.testing.assert_allclose(seen["ŷ"][0], P, rtol=1e-12)
    names = {"W1": "1.weight", "b1": "1.bias", "W2": "3.weight", "b2": "3.bias", "x": "x"}
    for hand, name in names.items():
        np.testing.assert_allclose(seen[name][1], grads[hand], rtol=1e-10, atol=1e-16, err_msg=name)
    # each line of the backward is the lecture's formula applied to the trace's own values
    N, (a1, da1), (a2, da2), (a3, da3), (a4, da4), (P, dP) = len(x), *(
        seen[k] for k in ("a1", "a2", "a3", "a4", "ŷ"))
    assert seen["L"][1] == 1.0
    np.testing.assert_allclose(dP, (-y / P + (1 - y) / (1 - P)) / N, rtol=1e-12)  # dL/dP
    np.testing.assert_allclose(da4, dP * P * (1 - P), rtol=1e-12)  # dP/dx = P(1 − P)
    np.testing.assert_allclose(seen["3.weight"][1], a3.T @ da4, rtol=1e-12)  # dL/dW₂ = xᵀ dL/dx
    np.testing.assert_allclose(da3, da4 @ seen["3.weight"][0].T, rtol=1e-12)  # W₂ᵀ dL/dx
    np.testing.assert_allclose(da2, da3 * a3 * (1 - a3), rtol=1e-12)
    np.testing.assert_allclose(seen["1.bias"][1], da2.sum(0), rtol=1e-12)
    np.testing.assert_allclose(da1, da2 @ seen["1.weight"][0].T, rtol=1e-12)
    np.testing.assert_array_equal(seen["x"][1], da1.reshape(x.shape))


def test_trace_gradients_are_the_fused_models_grads_and_central_differences():
    x, y = lecture_batch(4)
    model = lecture_model()
    seen = by_name(trace(model, x, y, "binary_crossentropy"))
    plain = lecture_model()  # the same weights, run the ordinary way (as one Chain)
    loss = lucidnet.losses.get("binary_crossentropy")(y, plain(lucidnet.tensor(x)))
    loss.backward()
    for name, p in plain.named_parameters():
        np.testing.assert_array_equal(seen[name][1], p.grad, err_msg=name)  # bit for bit

    def L():
        with lucidnet.no_grad():
            return float(lucidnet.losses.get("binary_crossentropy")(y, plain(lucidnet.tensor(x))).item())

    rng, eps = np.random.default_rng(0), 1e-6
    for name, p in plain.named_parameters():
        if p.size <= 128:
            np.testing.assert_allclose(seen[name][1], numerical_gradient(L, p.data), atol=1e-9)
        for _ in range(5):  # central differences along random directions V: (L(θ ± εV))
            V = rng.standard_normal(p.shape)
            p.data += eps * V
            plus = L()
            p.data -= 2 * eps * V
            minus = L()
            p.data += eps * V
            assert (plus - minus) / (2 * eps) == pytest.approx((seen[name][1] * V).sum(), abs=1e-8)


def test_trace_leaves_the_models_grads_as_one_backward_and_its_mode():
    x, y = lecture_batch(4)
    model = lecture_model()
    for p in model.parameters():
        p.grad = np.ones_like(p.data)  # stale gradients are not added in
    model.eval()
    seen = by_name(trace(model, x, y, nn.BCELoss()))
    assert not model.training
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(p.grad, seen[name][1])


def test_trace_of_a_keras_model_names_its_layers_and_activations():
    lucidnet.manual_seed(1)
    model = keras.Sequential([keras.Input(shape=(5,)),
                              keras.layers.Dense(4, activation="relu", name="hidden"),
                              keras.layers.Dense(3, activation="softmax", name="out")])
    x = np.random.default_rng(0).standard_normal((6, 5)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[[0, 1, 2, 0, 1, 2]]
    t = trace(model, x, y, "categorical_crossentropy")
    assert [s.function for s in t.steps][:3] == ["LinearFunction", "ReLU", "LinearFunction"]
    assert "hidden" in t.steps[0].layer and "out" in t.steps[2].layer
    assert t.steps[1].forward == "relu(x) = max(0, x)"
    assert t.steps[1].derivative.startswith("relu'(x) = 1 for x > 0")
    assert t.steps[0].inputs[0].grad is not None and t.steps[0].inputs[0].data.dtype == np.float32


def test_formulas_come_from_the_docstrings():
    from lucidnet.functional.activations import Sigmoid
    from lucidnet.nn.layers import LinearFunction

    assert formulas(Sigmoid()) == ("σ(x) = 1 / (1 + e^{−x})", "σ'(x) = σ(x)(1 − σ(x)).")
    assert formulas(LinearFunction()) == ("Y = X W + b", "dX = dY Wᵀ;  dW = Xᵀ dY;  db = Σₙ dY")
    normalization = nn.Normalization(mean=0.0, variance=1.0).function()[0]
    assert formulas(normalization) == (
        "s = max(√σ², ε);  Y = (X − μ) / s (invert=False);  Y = μ + X · s (invert=True)",
        "dX = dY / s (invert=False);  dX = dY · s (invert=True)")


def test_text_fits_100_columns_and_escapes_names():
    model = nn.Sequential(OrderedDict([("evil\x1b[2Jname" * 3, nn.Linear(30, 20)),
                                       ("1", nn.Tanh()), ("2", nn.Linear(20, 2))]))
    x = np.random.default_rng(0).standard_normal((8, 30))
    text = trace(model, x, np.array([0, 1] * 4), nn.CrossEntropyLoss()).to_text()
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "\x1b" not in text and "evil\\x1b[2Jname" in text
    assert len(trace(model, x, np.array([0, 1] * 4), nn.CrossEntropyLoss()).to_text(60)
               .splitlines()[0]) <= 60


def test_html_typesets_the_formulas_and_escapes_names():
    x, y = lecture_batch(4)
    page = trace(lecture_model(), x, y, nn.BCELoss()).to_html()
    assert "mathjax" in page and r"\(\mathrm{dX}\ =\ \mathrm{dY}\ Wᵀ;" in page
    assert page.count("<tr>") == 2 + 2 * 6
    assert printable("a\x07b") == "a\\x07b"
    assert _tex("p_y = 50% of ln x_ \\") == r"\(p_y\ =\ 50\%\ \mathrm{of}\ \mathrm{ln}\ x\_\ \backslash \)"


def test_a_model_that_returns_no_tensor_is_refused():
    class Pair(nn.Module):
        def forward(self, x):
            return x, x

    with pytest.raises(TypeError, match="one Tensor, got tuple"):
        trace(Pair(), np.ones((2, 2)), np.ones((2, 2)), "mse")


def test_a_lazily_built_keras_model_and_a_non_module_are_handled():
    model = keras.Sequential([keras.layers.Dense(2, name="only")])  # built by the first call
    t = trace(model, np.ones((3, 4)), np.zeros((3, 2)), "mse")
    assert t.steps[0].layer == "only" and t.steps[0].inputs[1].name == "only.kernel"
    with pytest.raises(TypeError, match="must be a lucidnet Module"):
        trace(lambda x: x, np.ones((2, 2)), np.ones((2, 2)), "mse")
