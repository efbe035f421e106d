"""The optimizers' scratch buffer: an update allocates nothing the size of the parameters."""

import tracemalloc

import numpy as np
import pytest

from lucidnet import nn, optim
from lucidnet.optim.optimizer import Scratch


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
    lambda p: optim.Adam(p, lr=1e-3, rule="keras"),  # compile('adam') takes this road too
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
