"""Every public name of PyTorch's namespaces either works in lucidnet.torch like
PyTorch's (checked here against PyTorch) or raises NotSupportedError naming the feature:
never a bare AttributeError."""

import numpy as np
import pytest

from lucidnet import torch as lucid
from lucidnet.torch import NotSupportedError

real = pytest.importorskip("torch")
import torch.nn.functional  # noqa: E402,F401  (PyTorch's submodules, loaded by name)
import torch.nn.init  # noqa: E402,F401
import torch.optim.lr_scheduler  # noqa: E402,F401
import torch.utils.data  # noqa: E402,F401

rng = np.random.default_rng(1)

NAMESPACES = ["", "nn", "nn.functional", "nn.init", "nn.utils", "optim", "optim.lr_scheduler",
              "utils", "utils.data", "autograd", "cuda"]


def resolve(module, dotted):
    for part in filter(None, dotted.split(".")):
        module = getattr(module, part)
    return module


def public(obj):
    return sorted(n for n in dir(obj) if not n.startswith("_"))


def check_name(ours, name, where):
    """The name works (returns) or raises NotSupportedError naming it."""
    try:
        return getattr(ours, name)
    except NotSupportedError as err:
        assert f"{where}.{name}" in str(err) and "not supported by lucidnet.torch" in str(err)
        assert isinstance(err, AttributeError)  # hasattr() and getattr(x, n, default) work
        return None


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_every_public_name_works_or_says_it_is_not_supported(namespace):
    theirs, ours = resolve(real, namespace), resolve(lucid, namespace)
    where = "torch" + (f".{namespace}" if namespace else "")
    offered = 0
    for name in public(theirs):
        value = check_name(ours, name, where)
        if value is not None:
            offered += 1
            assert callable(value) == callable(getattr(theirs, name)), f"{where}.{name}"
    assert offered >= {"": 90, "nn": 25, "nn.functional": 15}.get(namespace, 1)


def test_every_tensor_method_works_or_says_it_is_not_supported():
    theirs, ours = real.tensor([1.0]), lucid.tensor([1.0])
    offered = [n for n in public(real.Tensor) if check_name(ours, n, "Tensor") is not None]
    assert len(offered) >= 100


def test_every_module_method_works_or_says_it_is_not_supported():
    ours = lucid.nn.Linear(2, 3)
    offered = [n for n in public(real.nn.Linear(2, 3)) if
               check_name(ours, n, "torch.nn.Module") is not None]
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'wieght'"):
        ours.wieght
    assert len(offered) >= 30


def test_an_unsupported_feature_is_named():
    with pytest.raises(NotSupportedError, match=r"torch\.nn\.Conv2d \(convolutions\)"):
        lucid.nn.Conv2d(1, 2, 3)
    with pytest.raises(NotSupportedError, match=r"torch\.cuda\.Stream \(CUDA streams\)"):
        lucid.cuda.Stream()
    assert not hasattr(lucid.nn, "LSTM")


def test_cuda_is_honest_on_the_cpu():
    assert lucid.cuda.is_available() is False
    x = lucid.ones(2)
    assert x.to("cpu") is x and x.device == lucid.device("cpu") and str(x.device) == "cpu"
    with pytest.raises(RuntimeError, match="CuPy backend"):
        x.cuda()
    with pytest.raises(RuntimeError, match="CuPy backend"):
        lucid.nn.Linear(2, 2).to("cuda")


def test_both_import_forms_give_the_same_modules():
    import lucidnet.torch.nn as nn
    import lucidnet.torch.nn.functional as F
    from lucidnet.torch import nn as nn2, optim
    from lucidnet.torch.optim import lr_scheduler
    from lucidnet.torch.utils.data import DataLoader

    assert nn is nn2 is lucid.nn and F is lucid.nn.functional and optim is lucid.optim
    assert lr_scheduler is lucid.optim.lr_scheduler and DataLoader is lucid.utils.data.DataLoader


# name -> (function of the module and its tensors, inputs); run on both, values and grads
# compared in float64
def randn(*shape):
    return rng.standard_normal(shape)


def positive(*shape):
    return rng.uniform(0.5, 2.0, shape)


FUNCTIONS = {
    "exp": (lambda t, x: t.exp(x), [randn(3, 4)]),
    "log": (lambda t, x: t.log(x), [positive(3, 4)]),
    "sqrt": (lambda t, x: t.sqrt(x), [positive(3, 4)]),
    "abs": (lambda t, x: t.abs(x), [randn(3, 4)]),
    "sin": (lambda t, x: t.sin(x), [randn(3, 4)]),
    "cos": (lambda t, x: t.cos(x), [randn(3, 4)]),
    "tanh": (lambda t, x: t.tanh(x), [randn(3, 4)]),
    "sigmoid": (lambda t, x: t.sigmoid(x), [randn(3, 4)]),
    "relu": (lambda t, x: t.relu(x), [randn(3, 4)]),
    "square": (lambda t, x: t.square(x), [randn(3, 4)]),
    "neg": (lambda t, x: t.neg(x), [randn(3, 4)]),
    "reciprocal": (lambda t, x: t.reciprocal(x), [positive(3, 4)]),
    "pow": (lambda t, x: t.pow(x, 3), [randn(3, 4)]),
    "pow_method": (lambda t, x: x.pow(2) + 2 ** x, [randn(3, 4)]),
    "clamp": (lambda t, x: t.clamp(x, min=-0.5, max=0.5), [randn(3, 4)]),
    "clamp_tensor": (lambda t, x, y: t.clamp(x, min=y), [randn(3, 4), randn(3, 4)]),
    "maximum": (lambda t, x, y: t.maximum(x, y), [randn(3, 4), randn(3, 4)]),
    "max_elementwise": (lambda t, x, y: t.max(x, y), [randn(3, 4), randn(3, 4)]),
    "max_dim_values": (lambda t, x: t.max(x, dim=1).values, [randn(3, 4)]),
    "min_dim_keepdim": (lambda t, x: x.min(dim=0, keepdim=True)[0], [randn(3, 4)]),
    "amax": (lambda t, x: x.amax(dim=1), [randn(3, 4)]),
    "sum": (lambda t, x: t.sum(x, dim=1), [randn(3, 4)]),
    "sum_dims": (lambda t, x: x.sum(dim=(0, 2), keepdim=True), [randn(2, 3, 4)]),
    "mean": (lambda t, x: t.mean(x, 0), [randn(3, 4)]),
    "std": (lambda t, x: t.std(x, dim=1), [randn(3, 4)]),
    "var_biased": (lambda t, x: x.var(unbiased=False), [randn(3, 4)]),
    "std_dims": (lambda t, x: x.std(dim=(0, 2), keepdim=True), [randn(2, 3, 4)]),
    "norm": (lambda t, x: x.norm(), [randn(3, 4)]),
    "logsumexp": (lambda t, x: t.logsumexp(x * 300, dim=1), [randn(3, 4)]),
    "softmax_implicit_dim": (lambda t, x: t.nn.functional.softmax(x, dim=None), [randn(3, 4)]),
    "softmax": (lambda t, x: t.softmax(x, dim=1), [randn(3, 4)]),
    "log_softmax": (lambda t, x: x.log_softmax(0), [randn(3, 4)]),
    "matmul": (lambda t, x, y: t.matmul(x, y), [randn(3, 4), randn(4, 2)]),
    "mm": (lambda t, x, y: x.mm(y), [randn(3, 4), randn(4, 2)]),
    "dot": (lambda t, x, y: t.dot(x, y), [randn(4), randn(4)]),
    "t": (lambda t, x: x.t() * t.arange(4.0), [randn(4, 3)]),
    "T": (lambda t, x: x.T, [randn(4, 3)]),
    "transpose": (lambda t, x: t.transpose(x, 0, 2), [randn(2, 3, 4)]),
    "permute": (lambda t, x: x.permute(2, 0, 1), [randn(2, 3, 4)]),
    "view": (lambda t, x: x.view(4, -1), [randn(2, 3, 4)]),
    "flatten": (lambda t, x: t.flatten(x, 1), [randn(2, 3, 4)]),
    "unsqueeze": (lambda t, x: x.unsqueeze(1) * t.ones(3, 2, 4, dtype=t.float64), [randn(3, 4)]),
    "squeeze": (lambda t, x: x.squeeze(1), [randn(3, 1, 4)]),
    "expand": (lambda t, x: x.expand(3, 4), [randn(1, 4)]),
    "clone": (lambda t, x: x.clone(), [randn(3)]),
    "cat": (lambda t, x, y: t.cat([x, y], dim=1), [randn(3, 2), randn(3, 4)]),
    "stack": (lambda t, x, y: t.stack((x, y)), [randn(3, 2), randn(3, 2)]),
    "where": (lambda t, x, y: t.where(x > 0, x, y), [randn(3, 4), randn(3, 4)]),
    "masked_fill": (lambda t, x: x.masked_fill(x < 0, 0.0), [randn(3, 4)]),
    "getitem_long": (lambda t, x: x[t.tensor([0, 2, 2])], [randn(3, 4)]),
    "getitem_mask": (lambda t, x: x[x > 0], [randn(3, 4)]),
    "getitem_pairs": (lambda t, x: x[t.arange(3), t.tensor([1, 0, 3])], [randn(3, 4)]),
    "linear": (lambda t, x, w, b: t.nn.functional.linear(x, w, b),
               [randn(5, 3), randn(2, 3), randn(2)]),
    "linear_batched": (lambda t, x, w: t.nn.functional.linear(x, w),
                       [randn(2, 5, 3), randn(4, 3)]),
    "cross_entropy": (lambda t, x: t.nn.functional.cross_entropy(x, t.tensor([0, 2, 1])),
                      [randn(3, 4)]),
    "cross_entropy_probabilities": (
        lambda t, x: t.nn.functional.cross_entropy(x, t.softmax(t.ones(3, 4, dtype=t.float64), 1)),
        [randn(3, 4)]),
    "mse_loss": (lambda t, x, y: t.nn.functional.mse_loss(x, y), [randn(3, 4), randn(3, 4)]),
    "bce_with_logits": (lambda t, x: t.nn.functional.binary_cross_entropy_with_logits(
        x, (x > 0).double()), [randn(3, 4)]),
    "leaky_relu": (lambda t, x: t.nn.functional.leaky_relu(x), [randn(3, 4)]),
    "gelu": (lambda t, x: t.nn.functional.gelu(x), [randn(3, 4)]),
    "elu": (lambda t, x: t.nn.functional.elu(x), [randn(3, 4)]),
    "prelu": (lambda t, x, a: t.nn.functional.prelu(x, a), [randn(3, 4), rng.uniform(0, 1, 4)]),
    "prelu_one_slope": (lambda t, x, a: t.nn.functional.prelu(x, a), [randn(3, 4), np.array([0.25])]),
    "gaussian_nll_loss": (lambda t, x, y, v: t.nn.functional.gaussian_nll_loss(x, y, v),
                          [randn(3, 4), randn(3, 4), positive(3, 4)]),
}


@pytest.mark.filterwarnings("ignore:Implicit dimension choice for softmax")
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_values_and_gradients_match_pytorch(name):
    fn, inputs = FUNCTIONS[name]
    V = None
    results = []
    for module in (lucid, real):
        leaves = [module.tensor(x, requires_grad=True) for x in inputs]
        out = fn(module, *leaves)
        V = rng.standard_normal(tuple(out.shape)) if V is None else V
        (out * module.tensor(V)).sum().backward()
        results.append((out.detach().numpy(), [leaf.grad.numpy() for leaf in leaves]))
    (ours, our_grads), (theirs, their_grads) = results
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    for a, b in zip(our_grads, their_grads):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


CREATION = {
    "tensor_floats": lambda t: t.tensor([[1.0, 2.0]]),
    "tensor_ints": lambda t: t.tensor([1, 2]),
    "tensor_bools": lambda t: t.tensor([True, False]),
    "zeros": lambda t: t.zeros(2, 3),
    "ones_tuple": lambda t: t.ones((2, 3), dtype=t.float64),
    "full_int": lambda t: t.full((2,), 7),
    "full_float": lambda t: t.full((2,), 0.5),
    "arange_int": lambda t: t.arange(5),
    "arange_float": lambda t: t.arange(0, 1, 0.25),
    "linspace": lambda t: t.linspace(-1, 1, 5),
    "eye": lambda t: t.eye(3),
    "zeros_like": lambda t: t.zeros_like(t.tensor([1, 2])),
    "ones_like_float": lambda t: t.ones_like(t.tensor([1.0, 2.0])),
    "float": lambda t: t.tensor([1, 2]).float(),
    "double": lambda t: t.tensor([1.5]).double(),
    "long": lambda t: t.tensor([1.7, -1.7]).long(),
    "bool_type": lambda t: t.tensor([0.0, 2.0]).type(t.bool),
    "argmax": lambda t: t.tensor([[1.0, 3.0], [4.0, 2.0]]).argmax(1),
    "argmax_flat": lambda t: t.argmax(t.tensor([[1.0, 3.0], [4.0, 2.0]])),
    "eq_sum": lambda t: (t.tensor([1, 2, 3]) == t.tensor([1, 0, 3])).sum(),
    "randn_shape": lambda t: t.randn(2, 3).shape,
    "rand_dtype": lambda t: t.rand(2, dtype=t.float64).dtype,
    "normal_shape": lambda t: t.normal(0, 0.01, size=(3, 2)).shape,
    "randint": lambda t: t.randint(0, 1, (4,)),
    "numel": lambda t: t.zeros(2, 3).numel(),
    "size": lambda t: t.zeros(2, 3).size(1),
    "type_name": lambda t: t.zeros(2).type(),
    "item": lambda t: t.tensor([2.5]).item(),
    "tolist": lambda t: t.tensor([[1, 2]]).tolist(),
    "mean_dtype": lambda t: t.tensor([1.0, 2.0], dtype=t.float64).mean().dtype,
    "sum_of_ints": lambda t: t.tensor([1, 2], dtype=t.int32).sum().dtype,
    "max_dim_indices": lambda t: t.max(t.tensor([[1.0, 3.0], [4.0, 2.0]]), dim=1).indices,
    "split": lambda t: [p.shape for p in t.arange(7).split(3)],
    "chunk": lambda t: [p.tolist() for p in t.arange(6).chunk(3)],
    "one_hot": lambda t: t.nn.functional.one_hot(t.tensor([0, 2])),
    "array": lambda t: np.asarray(t.tensor([1.0, 2.0])),
    "int_times_float": lambda t: t.arange(5) * 0.5,
    "int_divided": lambda t: t.arange(5) / 2,
    "accuracy": lambda t: (t.tensor([1, 2]) == t.tensor([1, 0])).sum() / 2,
    "float_times_int_tensor": lambda t: t.ones(2) * t.arange(2),
    "int_plus_double": lambda t: t.arange(2) + t.ones(2, dtype=t.float64),
    "floor_division": lambda t: t.arange(3) // 2,
    "isnan": lambda t: t.isnan(t.tensor([1.0, float("nan")])),
    "isfinite": lambda t: t.tensor([1.0, float("inf")]).isfinite(),
}


def _plain(value):
    if isinstance(value, (real.Tensor, lucid.Tensor)):
        return str(value.dtype).replace("torch.", ""), value.numpy().tolist()
    if isinstance(value, real.dtype):
        return str(value).replace("torch.", "")
    if isinstance(value, np.dtype):
        return value.name
    if isinstance(value, np.ndarray):
        return str(value.dtype), value.tolist()
    return value


@pytest.mark.parametrize("name", sorted(CREATION))
def test_creation_dtypes_and_shapes_match_pytorch(name):
    ours, theirs = CREATION[name](lucid), CREATION[name](real)
    assert _plain(ours) == _plain(theirs)


@pytest.mark.parametrize("values", [3.5, [0.1, 0.5], [1.0, 2.0], [1, 2], [1e-8, 1.0],
                                    [[1.0, -2.25], [3.0, 4.0]], [True, False]])
def test_tensors_print_as_pytorchs(values):
    assert repr(lucid.tensor(values)) == repr(real.tensor(values))
    assert repr(lucid.tensor(values, dtype=lucid.float64)) == repr(
        real.tensor(values, dtype=real.float64))
