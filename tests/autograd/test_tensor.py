"""The autograd engine and its primitives: gradients, broadcasting, dtypes, the tape."""


import numpy as np
import pytest

import lucidnet as ln
from lucidnet.diagnostics import gradcheck

rng = np.random.default_rng(0)


def randn(*shape):
    return rng.standard_normal(shape)


def positive(*shape):
    return rng.uniform(0.5, 2.0, shape)


# name -> (function of tensors, inputs). Each is checked against central differences.
PRIMITIVES = {
    "add": (lambda a, b: a + b, [randn(3, 4), randn(3, 4)]),
    "add_broadcast_row": (lambda a, b: a + b, [randn(3, 4), randn(4)]),
    "add_broadcast_col": (lambda a, b: a + b, [randn(3, 1), randn(1, 4)]),
    "add_scalar_tensor": (lambda a, b: a + b, [randn(), randn(2, 3)]),
    "sub_broadcast": (lambda a, b: a - b, [randn(2, 3, 4), randn(3, 1)]),
    "mul_broadcast": (lambda a, b: a * b, [randn(3, 4), randn(4)]),
    "div": (lambda a, b: a / b, [randn(3, 4), positive(3, 4)]),
    "div_broadcast": (lambda a, b: a / b, [randn(3, 4), positive(3, 1)]),
    "rdiv_number": (lambda a: 2.0 / a, [positive(5)]),
    "neg": (lambda a: -a, [randn(3)]),
    "pow_number": (lambda a: a**3, [randn(3, 2)]),
    "pow_fraction": (lambda a: a**0.5, [positive(4)]),
    "pow_tensor": (lambda a, b: a**b, [positive(3, 2), randn(3, 2)]),
    "rpow": (lambda a: 2.0**a, [randn(4)]),
    "matmul_matrix": (lambda a, b: a @ b, [randn(3, 4), randn(4, 2)]),
    "matmul_vector_right": (lambda a, b: a @ b, [randn(3, 4), randn(4)]),
    "matmul_vector_left": (lambda a, b: a @ b, [randn(4), randn(4, 2)]),
    "matmul_dot": (lambda a, b: a @ b, [randn(4), randn(4)]),
    "matmul_batched": (lambda a, b: a @ b, [randn(2, 3, 4), randn(4, 5)]),
    "sum_all": (lambda a: a.sum(), [randn(3, 4)]),
    "sum_axis": (lambda a: a.sum(axis=1), [randn(3, 4)]),
    "sum_axes_keepdims": (lambda a: a.sum(axis=(0, 2), keepdims=True), [randn(2, 3, 4)]),
    "mean_all": (lambda a: a.mean(), [randn(3, 4)]),
    "mean_negative_axis": (lambda a: a.mean(axis=-1), [randn(3, 4)]),
    "max_all": (lambda a: a.max(), [randn(3, 4)]),
    "max_axis": (lambda a: a.max(axis=0), [randn(3, 4)]),
    "min_axis_keepdims": (lambda a: a.min(axis=1, keepdims=True), [randn(3, 4)]),
    "reshape": (lambda a: a.reshape(4, 3), [randn(3, 4)]),
    "flatten": (lambda a: a.flatten(1), [randn(2, 3, 4)]),
    "transpose": (lambda a: a.T, [randn(3, 4)]),
    "transpose_axes": (lambda a: a.transpose(2, 0, 1), [randn(2, 3, 4)]),
    "getitem_slice": (lambda a: a[1:, ::2], [randn(3, 4)]),
    "getitem_int": (lambda a: a[1], [randn(3, 4)]),
    "getitem_repeated_indices": (lambda a: a[[0, 0, 2]], [randn(3, 4)]),
    "getitem_pairs": (lambda a: a[np.arange(3), np.array([0, 3, 3])], [randn(3, 4)]),
    "getitem_mask": (lambda a: a[a.data > 0], [randn(3, 4)]),
    "exp": (lambda a: a.exp(), [randn(3, 4)]),
    "log": (lambda a: a.log(), [positive(3, 4)]),
    "sqrt": (lambda a: a.sqrt(), [positive(3, 4)]),
    "sin": (lambda a: a.sin(), [randn(3, 4)]),
    "cos": (lambda a: a.cos(), [randn(3, 4)]),
    "abs": (lambda a: abs(a), [randn(3, 4)]),
    "clip": (lambda a: a.clip(-0.5, 0.5), [randn(3, 4)]),
    "clip_lower_only": (lambda a: a.clip(min=0.0), [randn(3, 4)]),
    "maximum": (lambda a, b: ln.maximum(a, b), [randn(3, 4), randn(3, 4)]),
    "maximum_number": (lambda a: ln.maximum(a, 0.1), [randn(3, 4)]),
    "minimum_broadcast": (lambda a, b: ln.minimum(a, b), [randn(3, 4), randn(4)]),
    "where": (lambda a, b: ln.where(a.data > 0, a, b), [randn(3, 4), randn(3, 4)]),
    "concatenate": (lambda a, b: ln.concatenate([a, b], axis=1), [randn(3, 2), randn(3, 4)]),
    "stack": (lambda a, b: ln.stack([a, b], axis=1), [randn(3, 2), randn(3, 2)]),
    "cast": (lambda a: a.astype("float32").astype("float64") * 1.0, [randn(3)]),
    "used_twice": (lambda a: a * a + a, [randn(3)]),
}


def nudge_from_ties(inputs):
    """Inputs whose elements differ by more than the finite-difference step."""
    return [np.round(x, 3) + rng.uniform(1e-4, 5e-4, np.shape(x)) for x in inputs]


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_primitive_gradient(name):
    fn, inputs = PRIMITIVES[name]
    if name == "cast":  # float32 round trip: check against its own float32 rounding
        with pytest.raises(AssertionError):
            gradcheck(fn, *inputs)
        return
    assert gradcheck(fn, *nudge_from_ties(inputs))


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_primitive_against_torch(name):
    torch = pytest.importorskip("torch")
    fn, inputs = PRIMITIVES[name]
    ours = [ln.tensor(x, requires_grad=True) for x in inputs]
    theirs = [torch.tensor(x, requires_grad=True) for x in inputs]

    def torch_fn(*ts):  # the same lambda runs on torch tensors, with a few renames
        return fn(*[_TorchShim(t, torch) for t in ts]).t

    special = {"cast", "getitem_mask", "where", "maximum_number", "minimum_broadcast", "maximum",
               "concatenate", "stack"}
    if name in special:
        theirs_out = {
            "cast": lambda a: a.float().double() * 1.0,
            "getitem_mask": lambda a: a[a > 0],
            "where": lambda a, b: torch.where(a > 0, a, b),
            "maximum_number": lambda a: torch.maximum(a, torch.tensor(0.1, dtype=a.dtype)),
            "minimum_broadcast": torch.minimum,
            "maximum": torch.maximum,
            "concatenate": lambda a, b: torch.cat([a, b], dim=1),
            "stack": lambda a, b: torch.stack([a, b], dim=1),
        }[name](*theirs)
    else:
        theirs_out = torch_fn(*theirs)
    out = fn(*ours)
    np.testing.assert_allclose(out.numpy(), theirs_out.detach().numpy(), rtol=1e-12, atol=1e-14)
    V = rng.standard_normal(out.shape)
    (out * ln.tensor(V)).sum().backward()
    (theirs_out * torch.tensor(V)).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-12)


class _TorchShim:
    """Lets the lucidnet lambdas above run on torch tensors (NumPy-style keywords)."""

    def __init__(self, t, torch):
        self.t, self.torch = t, torch

    def _wrap(self, x):
        return _TorchShim(x, self.torch)

    def _un(self, o):
        return o.t if isinstance(o, _TorchShim) else o

    def __add__(self, o): return self._wrap(self.t + self._un(o))
    def __radd__(self, o): return self._wrap(self._un(o) + self.t)
    def __sub__(self, o): return self._wrap(self.t - self._un(o))
    def __mul__(self, o): return self._wrap(self.t * self._un(o))
    def __truediv__(self, o): return self._wrap(self.t / self._un(o))
    def __rtruediv__(self, o): return self._wrap(self._un(o) / self.t)
    def __neg__(self): return self._wrap(-self.t)
    def __pow__(self, o): return self._wrap(self.t ** self._un(o))
    def __rpow__(self, o): return self._wrap(o ** self.t)
    def __matmul__(self, o): return self._wrap(self.t @ self._un(o))
    def __abs__(self): return self._wrap(self.t.abs())
    def __getitem__(self, i):
        i = tuple(self.torch.as_tensor(j) if isinstance(j, np.ndarray) else j for j in i) \
            if isinstance(i, tuple) else i
        return self._wrap(self.t[i])

    @property
    def T(self): return self._wrap(self.t.T)
    def sum(self, axis=None, keepdims=False):
        return self._wrap(self.t.sum() if axis is None else self.t.sum(dim=axis, keepdim=keepdims))
    def mean(self, axis=None, keepdims=False):
        return self._wrap(self.t.mean() if axis is None else self.t.mean(dim=axis, keepdim=keepdims))
    def max(self, axis=None, keepdims=False):
        return self._wrap(self.t.amax() if axis is None else self.t.amax(dim=axis, keepdim=keepdims))
    def min(self, axis=None, keepdims=False):
        return self._wrap(self.t.amin() if axis is None else self.t.amin(dim=axis, keepdim=keepdims))
    def reshape(self, *s): return self._wrap(self.t.reshape(*s))
    def flatten(self, start): return self._wrap(self.t.flatten(start))
    def transpose(self, *axes): return self._wrap(self.t.permute(*axes))
    def exp(self): return self._wrap(self.t.exp())
    def log(self): return self._wrap(self.t.log())
    def sqrt(self): return self._wrap(self.t.sqrt())
    def sin(self): return self._wrap(self.t.sin())
    def cos(self): return self._wrap(self.t.cos())
    def clip(self, min=None, max=None): return self._wrap(self.t.clamp(min, max))


def test_tensor_used_twice_gets_both_contributions():
    x = ln.tensor(3.0, requires_grad=True)
    y = x * x + 2 * x  # dy/dx = 2x + 2 = 8
    y.backward()
    assert x.grad == pytest.approx(8.0)


def test_gradients_accumulate_until_zeroed():
    x = ln.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0, 6.0])
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_shared_upstream_gradient_is_not_aliased():
    a = ln.tensor([1.0, 2.0], requires_grad=True)
    b = ln.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()  # Add passes the same dY array to both
    a.grad *= 10
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])


# -- gradients kept without a copy: who else may hold the array ------------------------------
class _Keeps(ln.autograd.Function):
    """y = 2x; the backward keeps the gradient it returns (a Function may)."""

    def forward(self, x):
        return 2 * x

    def backward(self, dY):
        self.kept = 2 * dY
        return self.kept


class _PassesThrough(ln.autograd.Function):
    """y = x; the backward returns dY itself."""

    def forward(self, x):
        return x.copy()

    def backward(self, dY):
        return dY


class _Reshapes(ln.autograd.Function):
    """y = x as one row; the backward returns a view of dY."""

    def forward(self, x):
        self.shape = x.shape
        return x.reshape(1, -1)

    def backward(self, dY):
        return dY.reshape(self.shape)


class _Fresh(ln.autograd.Function):
    """y = 2x; the backward notes the id of the new array it returns."""

    def forward(self, x):
        return 2 * x

    def backward(self, dY):
        dX = 2 * dY
        self.returned = id(dX)
        return dX


def test_a_functions_gradient_is_copied_into_grad_as_no_reference_count_decides():
    """Zero-copy gradients take the explicit road (a Function's grad_out); the tape
    copies a Function's gradient, which it cannot know to be unshared."""
    x = ln.tensor([1.0, 2.0], requires_grad=True)
    y = _Fresh.apply(x)
    y.sum().backward()
    assert id(x.grad) != y._fn.returned
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_a_gradient_the_function_keeps_is_copied_into_grad():
    x = ln.tensor([1.0, 2.0], requires_grad=True)
    y = _Keeps.apply(x)
    y.sum().backward()
    x.grad += 1  # as an optimizer or a second backward would
    np.testing.assert_array_equal(y._fn.kept, [2.0, 2.0])
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


@pytest.mark.parametrize("op", [_PassesThrough, _Reshapes])
def test_the_callers_gradient_passed_through_or_viewed_is_copied(op):
    x = ln.tensor([[1.0, 2.0]], requires_grad=True)
    y = op.apply(x)
    upstream = np.ones(y.shape, np.float32)
    y.backward(upstream)
    x.grad *= 5
    np.testing.assert_array_equal(upstream, np.ones(y.shape))


def test_a_fresh_gradient_becomes_grad_and_stays_private():
    w = ln.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x = ln.tensor([[1.0, -1.0]])
    (x @ w).sum().backward()  # dW = Xᵀ dY: a new array, held by no one else
    first = w.grad
    (x @ w).sum().backward()  # accumulated in place into that array
    assert w.grad is first
    np.testing.assert_array_equal(w.grad, [[2.0, 2.0], [-2.0, -2.0]])


def test_x_plus_x_and_x_times_x_and_three_uses():
    x = ln.tensor([1.0, -2.0, 3.0], requires_grad=True)
    (x + x).sum().backward()  # Add returns dY for both inputs: the same array twice
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])
    x.grad = None
    (x * x).sum().backward()  # two fresh arrays, the second added in place to the first
    np.testing.assert_array_equal(x.grad, [2.0, -4.0, 6.0])
    x.grad = None
    h = x * 3  # a non-leaf used three times: dY·x, dY·x, then 5·dY accumulated
    (h * x + x * h + 5 * h).sum().backward()  # d/dx (6x² + 15x) = 12x + 15
    np.testing.assert_array_equal(x.grad, [27.0, -9.0, 51.0])


def test_two_leaves_given_the_same_array_get_separate_grads():
    a = ln.tensor([1.0, 2.0], requires_grad=True)
    b = ln.tensor([3.0, 4.0], requires_grad=True)
    h = a * b
    (h + h * 0).sum().backward()  # Add hands one array to both of h's uses
    assert a.grad is not b.grad
    a.grad += 100
    np.testing.assert_array_equal(b.grad, [1.0, 2.0])


def test_an_optimizer_step_on_an_adopted_grad_changes_nothing_else():
    lin = ln.nn.Linear(3, 2)
    x = ln.tensor(np.ones((4, 3), np.float32), requires_grad=True)
    out = lin(x)
    (out * out).sum().backward()
    grads = [p.grad.copy() for p in lin.parameters()] + [x.grad.copy()]
    for p in lin.parameters():
        p.grad *= 0  # as an optimizer working in place on .grad
    np.testing.assert_array_equal(x.grad, grads[-1])
    assert all(not np.shares_memory(p.grad, x.grad) for p in lin.parameters())


def test_chain_of_ten_thousand_operations():
    x = ln.tensor(1.0, requires_grad=True, dtype="float64")
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001**10_000, rel=1e-9)


def test_diamond_graph_topological_order():
    x = ln.tensor(2.0, requires_grad=True, dtype="float64")
    a = x * 3
    b = a.exp()
    c = a * b + b  # c depends on a directly and through b
    c.backward()
    # c = 3x·e^{3x} + e^{3x};  dc/dx = 3e^{3x} + 9x·e^{3x} + 3e^{3x}
    expected = (6 + 9 * 2.0) * np.exp(6.0)
    assert x.grad == pytest.approx(expected, rel=1e-12)


def test_an_input_used_directly_and_through_a_later_operation_gets_both_paths():
    # x is the first operand of the sum and also reached through exp(x) (a residual
    # x + f(x)); x must be visited after exp(x), or the exp path is lost
    x = ln.tensor([0.5, 2.0], requires_grad=True, dtype="float64")
    (x + x.exp()).sum().backward()
    np.testing.assert_allclose(x.grad, 1 + np.exp([0.5, 2.0]), rtol=1e-12)
    u = ln.tensor([0.5, 2.0], requires_grad=True, dtype="float64")
    (u - u.clip(max=1.0)).sum().backward()
    np.testing.assert_array_equal(u.grad, [0.0, 1.0])


def test_no_grad_records_nothing():
    x = ln.tensor([1.0], requires_grad=True)
    with ln.no_grad():
        y = x * 2
        with ln.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.is_leaf
    assert z.requires_grad
    assert ln.is_grad_enabled()


def test_detach_cuts_the_tape():
    x = ln.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).detach() * x
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


class TestDtypes:
    def test_python_floats_are_float32(self):
        assert ln.tensor(1.5).dtype == np.float32
        assert ln.tensor([[1.0, 2.0]]).dtype == np.float32
        assert ln.tensor([1, 2]).dtype.kind == "i"

    def test_arrays_keep_their_dtype(self):
        assert ln.tensor(np.zeros(3)).dtype == np.float64
        assert ln.tensor(np.zeros(3), dtype="float32").dtype == np.float32

    @pytest.mark.parametrize(
        "scalar", [2.0, 2, np.float64(2.0), np.float32(2.0), np.int64(2)], ids=repr
    )
    def test_scalars_never_upcast_float32(self, scalar):
        x = ln.tensor(np.ones((2, 2), np.float32), requires_grad=True)
        outs = [x + scalar, scalar + x, x * scalar, scalar * x, x - scalar, scalar - x,
                x / scalar, scalar / x, x**scalar, ln.maximum(x, scalar), ln.where(True, x, scalar)]
        for out in outs:
            assert out.dtype == np.float32
        sum(outs).sum().backward()
        assert x.grad.dtype == np.float32

    def test_float32_reductions_and_matmul_stay_float32(self):
        x = ln.tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
        y = (x @ x.T).mean(axis=0).max() + x.sum() + x.mean() + (x * x).exp().log().sqrt().sum()
        assert y.dtype == np.float32
        y.backward()
        assert x.grad.dtype == np.float32

    def test_default_dtype_context(self):
        with ln.default_dtype("float64"):
            assert ln.tensor(1.0).dtype == np.float64
        assert ln.tensor(1.0).dtype == np.float32

    def test_integer_tensors_cannot_require_grad(self):
        with pytest.raises(TypeError, match="floating"):
            ln.tensor([1, 2], requires_grad=True)


class TestErrors:
    def test_backward_of_non_scalar_needs_gradient(self):
        x = ln.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="one-element"):
            (x * 2).backward()

    def test_backward_without_graph(self):
        with pytest.raises(RuntimeError, match="does not require grad"):
            ln.tensor(1.0).backward()

    def test_explicit_gradient_shape_checked(self):
        x = ln.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(ValueError, match="shape"):
            (x * 2).backward(np.ones(3))

    def test_item_of_many_elements(self):
        with pytest.raises(ValueError, match="one element"):
            ln.tensor([1.0, 2.0]).item()


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_detect_anomaly_names_the_operation():
    x = ln.tensor([0.0, 1.0], requires_grad=True)
    with ln.detect_anomaly():
        with pytest.raises(ln.errors.AnomalyError, match="forward of Log"):
            (x * 0).log()
        y = x.sqrt()  # finite forward, infinite derivative at 0
        with pytest.raises(ln.errors.AnomalyError, match="backward of Sqrt"):
            y.sum().backward()


def test_explicit_output_gradient():
    x = ln.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).backward(np.array([1.0, 0.0, 2.0]))
    np.testing.assert_allclose(x.grad, [2.0, 0.0, 12.0])


def test_repr_shows_values_and_grad_fn():
    x = ln.tensor([1.0, 2.0], requires_grad=True)
    assert "requires_grad=True" in repr(x)
    assert "grad_fn=Mul" in repr(x * 2)


class TestInPlace:
    """x op= y changes x itself off the tape and raises on it: never a silent no-op."""

    def test_parameter_update_under_no_grad_changes_the_parameter(self):
        w = ln.nn.Parameter(np.array([1.0, 2.0]))
        (w * w).sum().backward()
        array = w.data
        params = [w]
        with ln.no_grad():
            for p in params:
                p -= 0.5 * p.grad
        assert w.data is array  # the same array (views and flat buffers see it)
        np.testing.assert_array_equal(w.data, [0.0, 0.0])

    @pytest.mark.parametrize("op", ["+=", "-=", "*=", "/="])
    def test_every_operator_is_in_place(self, op):
        x = ln.tensor(np.array([4.0, 6.0]))
        alias = x
        exec(f"x {op} 2.0")
        expected = eval(f"np.array([4.0, 6.0]) {op[0]} 2.0")
        assert x is alias
        np.testing.assert_array_equal(x.data, expected)

    def test_on_a_leaf_that_requires_grad_it_raises(self):
        w = ln.tensor([1.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="in-place -= on a leaf that requires grad"):
            w -= 1.0

    def test_on_a_recorded_result_it_raises_even_under_no_grad(self):
        w = ln.tensor([1.0], requires_grad=True)
        y = w.exp()  # Exp keeps y's array for its backward
        with pytest.raises(RuntimeError, match="result of"):
            y += 1.0
        with ln.no_grad(), pytest.raises(RuntimeError, match="result of"):
            y += 1.0

    def test_a_constant_taking_a_gradient_is_recorded(self):
        w = ln.tensor(np.array([3.0]), requires_grad=True)
        total = ln.tensor(np.array([1.0]))
        total += w * w
        total.sum().backward()
        np.testing.assert_array_equal(total.data, [10.0])
        np.testing.assert_array_equal(w.grad, [6.0])

    def test_update_of_a_parameter_in_the_optimizers_buffer_reaches_the_buffer(self):
        model = ln.nn.Linear(2, 2)
        optimizer = ln.optim.SGD(model.parameters(), lr=0.1)
        model(np.ones((1, 2))).sum().backward()
        optimizer.step()  # the parameters now live in one flat vector
        buffer = model.weight.data.base
        before = model.weight.data.copy()
        with ln.no_grad():
            model.weight -= 1.0
        assert model.weight.data.base is buffer
        np.testing.assert_array_equal(model.weight.data, before - 1.0)

    def test_integer_tensor_refuses_a_float(self):
        x = ln.tensor([1, 2])
        with pytest.raises(TypeError):
            x += 0.5

    def test_item_assignment_with_a_mask(self):
        x = ln.tensor(np.array([-1.0, 2.0, -3.0]))
        x[x < 0] = 0
        np.testing.assert_array_equal(x.data, [0.0, 2.0, 0.0])
        w = ln.tensor([1.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="item assignment"):
            w[0] = 2.0
        with ln.no_grad():
            w[0] = 2.0
        assert w.data[0] == 2.0


def test_import_lucidnet_gives_nn_and_optim():
    assert ln.optim.SGD and ln.nn.Linear


def test_retain_grad_keeps_an_intermediate_gradient_and_tape_lists_the_graph():
    Tensor = ln.Tensor
    x = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    h = x * x  # used twice below: dL/dh sums both uses
    L = (h + 2 * h).sum()
    h.retain_grad()
    L.backward()
    np.testing.assert_array_equal(h.grad, [3.0, 3.0, 3.0])
    np.testing.assert_array_equal(x.grad, 3 * 2 * x.data)
    order = ln.autograd.tape(L)
    assert order[0] is x and order[-1] is L and any(t is h for t in order[1:-1])
    assert L.grad_fn is not None and x.grad_fn is None and all(t is x for t in h.grad_fn.inputs)
    L.backward()  # accumulated as a leaf's
    np.testing.assert_array_equal(h.grad, [6.0, 6.0, 6.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).retain_grad()
