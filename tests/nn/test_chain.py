"""Sequential's fast path: consecutive layers that are one Function each run as one Chain.

The promise is exactness: the layers' own Functions compute every number in the same
order as when the layers are called one by one, so outputs and gradients are equal bit
for bit, and everything else (errors, anomaly detection, subclasses, layers that are
more than one Function) behaves as without the fusion.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as scipy_sparse
from test_layers import ALL_CASES, _built

import lucidnet
from lucidnet import nn, tensor
from lucidnet.autograd import detect_anomaly
from lucidnet.errors import AnomalyError, ShapeError
from lucidnet.nn.container import Chain
from lucidnet.nn.module import function_of

ONE_FUNCTION_CASES = [c for c in ALL_CASES if function_of(_built(c.values[0])) is not None]


def test_the_fusable_layers_are_the_expected_ones():
    names = {type(_built(c.values[0])).__name__ for c in ONE_FUNCTION_CASES}
    assert {"Linear", "ReLU", "Tanh", "Sigmoid", "Softmax", "Dropout", "Sequential"} <= names
    assert not names & {"BatchNorm1d", "Maxout", "PReLU", "Flatten", "ModuleList", "Identity"}


def one_by_one(model, h):
    """``model``'s layers called in turn, a nested Sequential's too: the tape, no Chain."""
    for m in model:
        h = one_by_one(m, h) if isinstance(m, nn.Sequential) else m(h)
    return h


def _run_and_backward(build, x, seed, V=None):
    """Output and the gradients of Σ out ⊙ V w.r.t. x and every parameter."""
    model, first = build
    if seed is not None:
        lucidnet.manual_seed(seed)
    xt = tensor(x, requires_grad=True)
    out = model(xt)
    V = np.random.default_rng(1).standard_normal(out.shape) if V is None else V
    (out * tensor(V)).sum().backward()
    grads = [xt.grad] + [p.grad for p in first.parameters()]
    return out, grads


def _assert_the_layers_numbers(model, out, grads, x, seed=None):
    """``out`` and ``grads`` (a fused run) are those of the layers called one by one, bit
    for bit; returns that plain run's output."""
    model.zero_grad()
    plain, plain_grads = _run_and_backward((lambda h: one_by_one(model, h), model), x, seed)
    np.testing.assert_array_equal(out.numpy(), plain.numpy())
    for a, b in zip(grads, plain_grads):
        np.testing.assert_array_equal(a, b)
    return plain


@pytest.mark.parametrize("case", ONE_FUNCTION_CASES)
def test_a_chain_equals_the_layers_called_one_by_one_bit_for_bit(case):
    layer = _built(case)
    with lucidnet.default_dtype("float64"):
        first = nn.Linear(case.shape[-1], case.shape[-1])
    model = nn.Sequential(first, layer)
    x = case.domain(np.random.default_rng(0), case.shape)

    fused, fused_grads = _run_and_backward((model, model), x, case.seed)
    assert isinstance(fused._fn, Chain)
    plain = _assert_the_layers_numbers(model, fused, fused_grads, x, case.seed)
    assert not isinstance(plain._fn, Chain)


def test_layers_that_are_more_than_one_function_split_the_chain():
    with lucidnet.default_dtype("float64"):
        model = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.BatchNorm1d(5), nn.Linear(5, 3),
                              nn.Tanh(), nn.Linear(3, 2))
    x = np.random.default_rng(0).standard_normal((6, 4))
    out, grads = _run_and_backward((model, model), x, None)
    kinds = []
    node = out
    while node._fn is not None:
        kinds.append(type(node._fn).__name__)
        node = node._fn.inputs[0]
    assert kinds == ["Chain", "BatchNormFunction", "Chain"]
    _assert_the_layers_numbers(model, out, grads, x)


def test_a_subclass_that_overrides_forward_runs_as_written():
    class Doubled(nn.Linear):
        def forward(self, x):
            return super().forward(x) * 2

    model = nn.Sequential(Doubled(3, 3), nn.ReLU(), nn.Linear(3, 2))
    x = np.abs(np.random.default_rng(0).standard_normal((4, 3))).astype(np.float32)
    assert function_of(model[0]) is None
    expected = model[2](model[1](model[0](x)))
    np.testing.assert_array_equal(model(x).numpy(), expected.numpy())


def test_a_wrong_width_inside_the_chain_names_the_layer():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(5, 2))
    message = r"Linear expects inputs with 5 features, got shape \(2, 3\)"
    with pytest.raises(ShapeError, match=message):
        model(np.ones((2, 4), np.float32))


def test_anomaly_detection_runs_the_layers_one_by_one_and_names_the_operation():
    model = nn.Sequential(nn.Linear(2, 2), nn.Softplus(), nn.Linear(2, 1))
    model[0].weight.data[...] = np.float32(1e30)
    with detect_anomaly(), np.errstate(over="ignore"), \
            pytest.raises(AnomalyError, match="LinearFunction"):
        model(np.full((1, 2), 1e10, np.float32))


def test_sparse_input_goes_through_the_chain_as_through_the_layers():
    with lucidnet.default_dtype("float64"):
        model = nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 2))
    dense = np.random.default_rng(0).binomial(1, 0.3, (5, 6)).astype(np.float64)
    out = model(scipy_sparse.csr_matrix(dense))
    assert isinstance(out._fn, Chain)
    out.sum().backward()
    fused = [p.grad.copy() for p in model.parameters()]
    model.zero_grad()
    h = one_by_one(model, dense)
    h.sum().backward()
    np.testing.assert_allclose(h.numpy(), out.numpy(), rtol=1e-12)
    for a, p in zip(fused, model.parameters()):
        np.testing.assert_allclose(a, p.grad, rtol=1e-12)


def test_a_float64_batch_feeds_a_float32_chain_in_float32_with_a_float64_gradient():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    x = tensor(np.random.default_rng(0).standard_normal((5, 3)), requires_grad=True)
    out = model(x)
    assert isinstance(out._fn, Chain) and out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float64 and model[0].weight.grad.dtype == np.float32


def test_a_chain_writes_the_parameters_gradients_into_the_arrays_it_is_given():
    """grad_out: each Linear's backward writes dW and db into the caller's arrays (an
    optimizer's buffer), the same numbers as into fresh ones."""
    model = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 3))
    rng = np.random.default_rng(0)
    x, dY = rng.standard_normal((6, 5)), rng.standard_normal((6, 3))

    def grads(out):
        fn, params = function_of(model)
        fn.forward(x.astype(np.float32), *[p.data for p in params])
        fn.needs_grad = (False,) + (True,) * len(params)
        fn.grad_out = out(params)
        return fn.backward(dY.astype(np.float32))

    fresh = grads(lambda params: ())
    homes = None

    def given(params):
        nonlocal homes
        homes = [np.full(p.shape, np.nan, np.float32) for p in params]
        return (None, *homes)

    written = grads(given)
    for g, home, f in zip(written[1:], homes, fresh[1:]):
        assert g is home
        np.testing.assert_array_equal(g, f)
    np.testing.assert_array_equal(written[0], fresh[0])


def test_a_normalization_first_starts_the_chain_in_its_statistics_dtype():
    """nn.Normalization holds no parameter but says the dtype it computes in (its
    statistics'): a Sequential that starts with it is one Chain, bit for bit the layers
    one by one."""
    norm = nn.Normalization(3, mean=[1.0, -2.0, 0.5], variance=[4.0, 0.25, 1.0])
    model = nn.Sequential(norm, nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    fn, params = function_of(model)
    assert type(fn.pieces[0][1]).__name__ == "NormalizationFunction" and len(params) == 4
    x = np.random.default_rng(0).standard_normal((5, 3))  # float64, cast to float32
    fused, fused_grads = _run_and_backward((model, model), x, None)
    assert isinstance(fused._fn, Chain) and fused.dtype == np.float32
    _assert_the_layers_numbers(model, fused, fused_grads, x)


def test_layers_computing_in_different_dtypes_are_not_chained():
    with lucidnet.default_dtype("float64"):
        norm = nn.Normalization(3, mean=[1.0, 2.0, 3.0], variance=[1.0, 4.0, 9.0])
    model = nn.Sequential(norm, nn.Linear(3, 2), nn.ReLU())
    assert function_of(model) is None
    x = np.random.default_rng(0).standard_normal((4, 3))
    np.testing.assert_array_equal(model(x).numpy(), one_by_one(model, x).numpy())
    assert function_of(nn.Sequential(nn.ReLU(), nn.Linear(3, 2))) is None  # no input dtype


def test_the_chains_backward_stops_where_nothing_below_needs_a_gradient():
    """As the tape: the first Linear after a Normalization computes no dX, and below a
    frozen first layer no piece runs its backward; the gradients are the tape's."""
    norm = nn.Normalization(3, mean=[1.0, -2.0, 0.5], variance=[4.0, 0.25, 1.0])
    frozen = nn.Linear(3, 4)
    frozen.weight.requires_grad = frozen.bias.requires_grad = False
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    for model in (nn.Sequential(norm, nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)),
                  nn.Sequential(frozen, nn.ReLU(), nn.Linear(4, 2))):
        fn, params = function_of(model)
        fn.forward(x, *[p.data for p in params])
        dY = rng.standard_normal((5, 2)).astype(np.float32)
        grads = fn.gradients(dY, (False, *[p.requires_grad for p in params]))
        assert grads[0] is None
        below = fn.pieces[-2][1]  # the ReLU: it runs only when something under it learns
        assert below.needs_grad == ((False,) if model[0] is frozen else (True,))
        (one_by_one(model, x) * tensor(dY)).sum().backward()  # the tape, layer by layer
        for g, p in zip(grads[1:], params):
            assert (g is None) == (p.grad is None)
            if g is not None:
                np.testing.assert_array_equal(g, p.grad)
        if model[0] is norm:
            assert fn.pieces[1][1].needs_grad == (False, True, True)
