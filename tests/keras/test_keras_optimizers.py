"""keras.optimizers: Keras's defaults and formulas.

Where Keras's rule is PyTorch's in other words, trajectories must agree (momentum at a
constant rate, ε = 0, decoupled decay = AdamW); where Keras places ε differently, one
step is checked against the formula written out by hand.
"""

import numpy as np
import pytest

import lucidnet
from lucidnet import optim
from lucidnet.keras import optimizers as kopt
from lucidnet.nn import Parameter

START = np.random.default_rng(0).normal(size=(3, 4))
TARGET = np.random.default_rng(1).normal(size=(3, 4))


def trajectory(opt, steps=50):
    """θ after ``steps`` steps on the gradient field g(θ) = θ − t + ½·sin(θ)."""
    p = Parameter(lucidnet.tensor(START, dtype=np.float64))
    opt.bind([p])
    for _ in range(steps):
        p.grad = p.data - TARGET + 0.5 * np.sin(p.data)
        opt.step()
    return p.data


@pytest.mark.parametrize("keras_optimizer,torch_style", [
    (kopt.SGD(0.05), optim.SGD(lr=0.05)),
    (kopt.SGD(0.05, momentum=0.9), optim.SGD(lr=0.05, momentum=0.9)),
    (kopt.SGD(0.05, momentum=0.9, nesterov=True), optim.SGD(lr=0.05, momentum=0.9,
                                                            nesterov=True)),
    (kopt.Adam(0.01, epsilon=0.0), optim.Adam(lr=0.01, eps=0.0)),
    (kopt.Adam(0.01, epsilon=0.0, amsgrad=True), optim.Adam(lr=0.01, eps=0.0, amsgrad=True)),
    (kopt.Adam(0.01, epsilon=0.0, weight_decay=0.1), optim.AdamW(lr=0.01, eps=0.0,
                                                                 weight_decay=0.1)),
    (kopt.AdamW(0.01, epsilon=0.0), optim.AdamW(lr=0.01, eps=0.0, weight_decay=0.004)),
    (kopt.RMSprop(0.01, rho=0.8, epsilon=0.0), optim.RMSprop(lr=0.01, alpha=0.8, eps=0.0)),
    (kopt.Adagrad(0.1, epsilon=0.0), optim.Adagrad(lr=0.1, eps=0.0,
                                                   initial_accumulator_value=0.1)),
])
def test_keras_rules_equal_pytorch_ones_where_the_mathematics_does(keras_optimizer,
                                                                    torch_style):
    np.testing.assert_allclose(trajectory(keras_optimizer), trajectory(torch_style),
                               rtol=1e-10, atol=1e-12)


def one_step(opt, g):
    p = Parameter(lucidnet.tensor(START, dtype=np.float64))
    opt.bind([p])
    p.grad = g.copy()
    opt.step()
    return p.data


def test_epsilon_placement_is_keras():
    g = TARGET
    lr, eps = 0.1, 0.5  # a large ε makes the placement visible
    np.testing.assert_allclose(one_step(kopt.RMSprop(lr, rho=0.9, epsilon=eps), g),
                               START - lr * g / np.sqrt(0.1 * g**2 + eps), rtol=1e-12)
    np.testing.assert_allclose(one_step(kopt.Adagrad(lr, epsilon=eps), g),
                               START - lr * g / np.sqrt(0.1 + g**2 + eps), rtol=1e-12)
    b1, b2 = 0.9, 0.999
    alpha = lr * np.sqrt(1 - b2) / (1 - b1)
    m, v = (1 - b1) * g, (1 - b2) * g**2
    np.testing.assert_allclose(one_step(kopt.Adam(lr, epsilon=eps), g),
                               START - alpha * m / (np.sqrt(v) + eps), rtol=1e-12)


def test_keras_defaults():
    assert kopt.SGD().learning_rate == 0.01
    for cls in (kopt.Adam, kopt.AdamW, kopt.RMSprop, kopt.Adagrad):
        opt = cls()
        assert opt.learning_rate == 0.001 and opt.defaults["eps"] == 1e-7, cls
    assert kopt.RMSprop().defaults["alpha"] == 0.9
    assert kopt.AdamW().defaults["weight_decay"] == 0.004
    assert kopt.Adagrad().defaults["initial_accumulator_value"] == 0.1
    adam = kopt.get("adam")
    assert isinstance(adam, kopt.Adam) and adam.learning_rate == 0.001
    assert kopt.get("rmsprop", learning_rate=0.01).learning_rate == 0.01
    assert kopt.get({"class_name": "SGD", "config": {"momentum": 0.5}}).defaults["momentum"] == 0.5
    mine = optim.Adam(lr=0.1)
    assert kopt.get(mine) is mine


def test_learning_rate_is_settable_before_and_after_binding():
    opt = kopt.Adam()
    opt.learning_rate = 0.05
    trajectory(opt, steps=1)
    assert opt.param_groups[0]["lr"] == 0.05
    opt.learning_rate = 0.01
    assert opt.param_groups[0]["lr"] == 0.01 == opt.learning_rate


def test_clipping_options():
    g = np.full((3, 4), 2.0)  # norm 4·√3
    clipped = one_step(kopt.SGD(1.0, clipnorm=1.0), g)
    np.testing.assert_allclose(np.linalg.norm(START - clipped), 1.0, rtol=1e-12)
    clipped = one_step(kopt.SGD(1.0, global_clipnorm=2.0), g)
    np.testing.assert_allclose(np.linalg.norm(START - clipped), 2.0, rtol=1e-12)
    clipped = one_step(kopt.SGD(1.0, clipvalue=0.5), g)
    np.testing.assert_allclose(START - clipped, 0.5, rtol=1e-12)
    with pytest.raises(ValueError, match="at most one of clipnorm"):
        kopt.SGD(clipnorm=1.0, clipvalue=1.0)


def test_weight_decay_is_decoupled_for_sgd():
    decayed = one_step(kopt.SGD(0.1, weight_decay=0.5), TARGET)
    np.testing.assert_allclose(decayed, START * (1 - 0.1 * 0.5) - 0.1 * TARGET, rtol=1e-12)
