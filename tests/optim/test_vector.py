"""The in-place vector operations of the update rules (lucidnet.optim.vector)."""

import tracemalloc

import numpy as np
import pytest

from lucidnet import nn, optim
from lucidnet.optim.vector import Scratch, axpy


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1e-6), (np.float64, 1e-15)])
@pytest.mark.parametrize("shape", [(7,), (3, 5), (1,)])
def test_axpy_adds_a_times_x_to_y_in_place(dtype, rtol, shape):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)
    expected = y + dtype(-0.3) * x
    target = y
    axpy(-0.3, x, y)
    assert y is target and y.dtype == dtype
    np.testing.assert_allclose(y, expected, rtol=rtol)


def test_axpy_on_a_strided_view_writes_through_it():
    base = np.zeros((4, 6), np.float32)
    view = base[:, ::2]
    axpy(2.0, np.ones((4, 3), np.float32), view)
    np.testing.assert_array_equal(base[:, ::2], 2.0)
    np.testing.assert_array_equal(base[:, 1::2], 0.0)


def test_scratch_lends_one_buffer_per_dtype_and_grows():
    scratch = Scratch()
    a = scratch.like(np.empty((2, 3), np.float32))
    b = scratch.like(np.empty(4, np.float32))
    assert a.shape == (2, 3) and b.shape == (4,) and np.shares_memory(a, b)
    assert not np.shares_memory(scratch.like(np.empty(4, np.float64)), b)
    big = scratch.like(np.empty(100, np.float32))
    assert big.size == 100 and big.dtype == np.float32


@pytest.mark.parametrize("make", [
    lambda p: optim.Adam(p, lr=1e-3),
    lambda p: optim.AdamW(p, lr=1e-3),
    lambda p: optim.Adam(p, lr=1e-3, amsgrad=True),
])
def test_an_adam_step_allocates_nothing_the_size_of_the_parameters(make):
    """The step's intermediate results live in the optimizer's scratch buffer: a step on
    a 200,000-entry weight allocates less than one hundredth of that weight."""
    layer = nn.Linear(500, 400)
    opt = make(layer.parameters())
    for p in layer.parameters():
        p.grad = np.ones_like(p.data)
    opt.step()  # the moments and the scratch buffer are made here
    tracemalloc.start()
    try:
        opt.step()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < layer.weight.data.nbytes / 100, peak
