"""Properties on generated inputs (hypothesis): what must hold for every input, not only
for the fixed samples of test_activations and test_losses.

- softmax rows are distributions and ignore a constant added to a row;
- log_softmax = log(softmax) wherever both are finite;
- every registered activation and loss matches central differences on inputs drawn
  by hypothesis from its declared domain (the registry cases, with generated seeds);
- losses are non-negative, and zero at perfect regression predictions.
"""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

import lucidnet.functional as F
from lucidnet import tensor
from lucidnet.diagnostics import gradcheck

import test_activations
import test_losses

PROPERTY = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
matrices = arrays(np.float64, array_shapes(min_dims=2, max_dims=2, max_side=6), elements=finite)


@PROPERTY
@given(x=matrices, shift=finite)
def test_softmax_rows_are_distributions_invariant_to_a_constant(x, shift):
    y = F.softmax(tensor(x)).numpy()
    assert np.all(y >= 0) and np.all(y <= 1)
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-12)
    shifted = F.softmax(tensor(x + shift)).numpy()
    # adding c to a row changes each logit's rounding by at most |c|·2⁻⁵³
    np.testing.assert_allclose(shifted, y, atol=1e-12 * (1 + abs(shift)))


@PROPERTY
@given(x=matrices)
def test_log_softmax_is_log_of_softmax_where_finite(x):
    log_y = F.log_softmax(tensor(x)).numpy()
    y = F.softmax(tensor(x)).numpy()
    finite_log = y > 1e-300  # where log(softmax) is still finite and exact
    np.testing.assert_allclose(log_y[finite_log], np.log(y[finite_log]), rtol=1e-10,
                               atol=1e-12)
    assert np.all(np.isfinite(log_y))


@PROPERTY
@given(case=st.sampled_from(test_activations.CASES), seed=st.integers(0, 2**32 - 1))
def test_every_activation_matches_central_differences(case, seed):
    assert gradcheck(case.call, *case.inputs(np.random.default_rng(seed)))


@PROPERTY
@given(case=st.sampled_from(test_losses.CASES), seed=st.integers(0, 2**32 - 1))
def test_every_loss_matches_central_differences(case, seed):
    y_true, *inputs = case.inputs(np.random.default_rng(seed))
    assert gradcheck(lambda *a: case.call(y_true, *a), *inputs)


@PROPERTY
@given(case=st.sampled_from(test_losses.NONNEGATIVE), seed=st.integers(0, 2**32 - 1))
def test_losses_are_nonnegative(case, seed):
    assert np.all(case.call(*case.inputs(np.random.default_rng(seed))).numpy() >= 0)


@PROPERTY
@given(y=arrays(np.float64, array_shapes(max_dims=3, max_side=5), elements=finite))
def test_regression_losses_vanish_at_perfect_predictions(y):
    for loss in (F.mean_squared_error, F.mean_absolute_error):
        assert loss(y, tensor(y.copy())).item() == 0.0
