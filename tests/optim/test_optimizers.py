"""Optimizers: trajectories against PyTorch, the registry, state, clipping, errors.

Every optimizer is driven by the same gradient field g(θ) = Aθ + ½sin(θ) − c, with A
positive definite and larger than ½I (a fixed, non-quadratic field with one minimum, so
a wrong step shows at once); lucidnet and PyTorch must follow
the same trajectory over 100 steps in float64 to 1e-8.
"""

import math

import numpy as np
import pytest

import lucidnet
from lucidnet import io, nn, optim, optimizers
from lucidnet.nn import Parameter

try:
    import torch
except ImportError:  # the reference tests skip; the rest runs
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch reference not installed")

SHAPES = [(3, 4), (4,), ()]
RNG = np.random.default_rng(0)
FIELD = []
for _shape in SHAPES:
    _M = RNG.normal(size=(int(np.prod(_shape)),) * 2)
    FIELD.append((0.6 * np.eye(len(_M)) + 0.3 * _M @ _M.T / len(_M), RNG.normal(size=_shape)))
START = [RNG.normal(size=s) for s in SHAPES]


def gradient(i: int, theta: np.ndarray) -> np.ndarray:
    A, c = FIELD[i]
    return np.asarray((A @ theta.reshape(-1)).reshape(theta.shape) + 0.5 * np.sin(theta) - c)


# (registry name, options of lucidnet.optim's class of the same name, PyTorch's rule);
# the PyTorch class has the same name and options. The registry's Keras optimizers are
# these classes with rule='keras' (tests/keras/test_keras_optimizers.py).
CASES = {
    "sgd": [{"lr": 0.05}, {"lr": 0.05, "momentum": 0.9}, {"lr": 0.05, "momentum": 0.9,
                                                          "nesterov": True},
            {"lr": 0.05, "momentum": 0.5, "dampening": 0.3, "weight_decay": 0.1}],
    "adam": [{}, {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1},
             {"lr": 0.01, "amsgrad": True}],
    "adamw": [{"lr": 0.01}, {"lr": 0.01, "weight_decay": 0.5, "amsgrad": True}],
    "rmsprop": [{}, {"lr": 0.001, "alpha": 0.9, "centered": True},
                {"lr": 0.001, "momentum": 0.8, "weight_decay": 0.05}],
    "adagrad": [{}, {"lr": 0.05, "lr_decay": 0.01, "weight_decay": 0.1,
                     "initial_accumulator_value": 0.2}],
}


def test_every_registered_optimizer_has_reference_cases():
    assert sorted(CASES) == optimizers.names()


def pytorch_rule(name, **options):
    """lucidnet.optim's optimizer behind the registry's ``name``, with PyTorch's rule."""
    return getattr(optim, type(optimizers.get(name)).__name__)(**options)


def run_lucidnet(name, options, steps=100):
    params = [Parameter(lucidnet.tensor(s, dtype=np.float64)) for s in START]
    opt = pytorch_rule(name, **options)
    opt.bind(params)
    for _ in range(steps):
        for i, p in enumerate(params):
            p.grad = gradient(i, p.data)
        opt.step()
    return [p.data for p in params]


@needs_torch
@pytest.mark.parametrize("name,options", [(n, o) for n, cs in CASES.items() for o in cs])
def test_trajectory_matches_pytorch(name, options):
    ours = run_lucidnet(name, options)
    params = [torch.tensor(s, dtype=torch.float64, requires_grad=True) for s in START]
    torch_class = getattr(torch.optim, type(optimizers.get(name)).__name__)
    opt = torch_class(params, **options)
    for _ in range(100):
        for i, p in enumerate(params):
            p.grad = torch.from_numpy(gradient(i, p.detach().numpy()))
        opt.step()
    for mine, theirs in zip(ours, params):
        np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=1e-8, atol=1e-10)


@needs_torch
@pytest.mark.parametrize("name", ["adam", "rmsprop", "sgd"])
def test_one_buffer_and_parameter_by_parameter_steps_mix_correctly(name):
    """Steps on the group's one buffer, and steps parameter by parameter when a gradient
    is missing (PyTorch skips that parameter too), follow PyTorch's trajectory."""
    options = CASES[name][-1]
    ours = [Parameter(lucidnet.tensor(s, dtype=np.float64)) for s in START]
    theirs = [torch.tensor(s, requires_grad=True) for s in START]
    opt = pytorch_rule(name, **options)
    opt.bind(ours)
    reference = getattr(torch.optim, type(opt).__name__)(theirs, **options)
    for step in range(30):
        for i, (p, q) in enumerate(zip(ours, theirs)):
            skip = step % 7 == 3 and i == 1
            p.grad = None if skip else gradient(i, p.data)
            q.grad = None if skip else torch.from_numpy(gradient(i, q.detach().numpy()))
        opt.step()
        reference.step()
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-10)


def test_a_flat_step_keeps_each_parameters_array_and_follows_reassignment():
    """The group's buffer is the optimizer's: a handle W = p.data taken before training
    stays the parameter's array and sees every step."""
    params = [Parameter(lucidnet.tensor(s, dtype=np.float64)) for s in START]
    handles = [p.data for p in params]
    opt = optim.Adam(params, lr=0.1)
    for p in params:
        p.grad = np.ones(p.shape)
    opt.step()
    assert opt.grad_slices()  # stepped as one vector
    assert all(p.data is h and np.all(h < s) for p, h, s in zip(params, handles, START))
    assert all(opt.state[p]["exp_avg"].base is not None for p in params)
    params[1].data = np.zeros(params[1].shape)  # the user replaces an array: respected
    opt.step()
    assert np.all(params[1].data < 0)


class _PerParameterNorm(optim.SGD):
    """A rule that is not elementwise: θ ← θ − α·g/‖g‖ per parameter (LARS-like)."""

    elementwise = False

    def update(self, theta, g, state, group):
        theta -= group["lr"] * g / np.linalg.norm(g)


def test_a_rule_that_is_not_elementwise_is_never_flattened():
    params = [Parameter(lucidnet.tensor(s, dtype=np.float64)) for s in START[:2]]
    opt = _PerParameterNorm(params, lr=0.1)
    for p in params:
        p.grad = np.ones(p.shape)
    opt.step()
    assert opt.grad_slices() == {}
    for p, start in zip(params, START[:2]):  # each parameter moved by exactly α
        np.testing.assert_allclose(np.linalg.norm(start - p.data), 0.1, rtol=1e-12)


def test_gradients_written_into_the_buffer_are_not_copied_and_equal_a_gathered_step():
    """grad_slices() are where the step reads the gradients: a .grad that is its slice is
    used in place; gradients held elsewhere are gathered; either gives the same step."""
    def run(in_place):
        params = [Parameter(lucidnet.tensor(s, dtype=np.float64)) for s in START]
        opt = optim.Adam(params, lr=0.1)
        assert opt.grad_slices() == {}  # the buffer is made by the first step
        for step in range(4):
            slices = opt.grad_slices()
            for i, p in enumerate(params):
                g = gradient(i, p.data)
                if in_place and slices:
                    slices[p][...] = g
                    g = slices[p]
                p.grad = g
            opt.step()
        return params, opt

    params, opt = run(in_place=True)
    slices = opt.grad_slices()
    assert all(p.grad is slices[p] for p in params)
    assert all(slices[p].base is slices[params[0]].base is not None for p in params)
    for a, b in zip(params, run(in_place=False)[0]):
        np.testing.assert_array_equal(a.data, b.data)


def test_adam_update_is_the_formula_in_python_floats_bit_for_bit():
    """The update's constants are 0-d float32 arrays (Scratch.scalars): the same numbers
    as the Python floats NumPy would convert at every call."""
    rng = np.random.default_rng(3)
    theta = rng.standard_normal(50).astype(np.float32)
    p = Parameter(lucidnet.tensor(theta.copy()))
    opt = optim.Adam([p], lr=0.01, betas=(0.8, 0.99), eps=1e-6)
    m, v, mine = np.zeros_like(theta), np.zeros_like(theta), theta.copy()
    for t in range(1, 6):
        g = rng.standard_normal(50).astype(np.float32)
        p.grad = g
        opt.step()
        m += (g - m) * (1 - 0.8)
        v *= 0.99
        v += (g * g) * (1 - 0.99)
        c = (1 - 0.99**t) ** 0.5
        mine -= m / (np.sqrt(v) + 1e-6 * c) * (0.01 * c / (1 - 0.8**t))
        np.testing.assert_array_equal(p.data, mine)
    assert p.data.dtype == np.float32


def test_large_parameters_are_stepped_one_by_one():
    big = [Parameter(lucidnet.tensor(np.zeros((300, 200)))), Parameter(lucidnet.tensor([0.0]))]
    opt = optim.Adam(big, lr=0.1)
    for p in big:
        p.grad = np.ones(p.shape)
    opt.step()
    assert big[0].data.base is None
    np.testing.assert_allclose(big[0].data, -0.1, rtol=1e-6)


def test_plain_sgd_is_the_lectures_update():
    w = Parameter(lucidnet.tensor([1.0, -2.0], dtype=np.float64))
    w.grad = np.array([0.5, 4.0])
    optim.SGD([w], lr=0.1).step()
    np.testing.assert_array_equal(w.data, [1.0 - 0.1 * 0.5, -2.0 - 0.1 * 4.0])


@needs_torch
def test_parameter_groups_have_their_own_rates():
    ours = [Parameter(lucidnet.tensor(s, dtype=np.float64)) for s in START[:2]]
    theirs = [torch.tensor(s, requires_grad=True) for s in START[:2]]
    opt, reference = (module([{"params": [a], "lr": 0.1}, {"params": [b]}], lr=0.01,
                             momentum=0.9)
                      for module, (a, b) in ((optim.SGD, ours), (torch.optim.SGD, theirs)))
    for _ in range(20):
        for i, (p, q) in enumerate(zip(ours, theirs)):
            p.grad = gradient(i, p.data)
            q.grad = torch.from_numpy(gradient(i, q.detach().numpy()))
        opt.step()
        reference.step()
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-12)


def test_float32_stays_float32():
    with lucidnet.default_dtype("float32"):
        params = [Parameter(lucidnet.tensor(s.astype(np.float32))) for s in START]
    for name in optimizers.names():
        opt = pytorch_rule(name, **CASES[name][-1])
        opt.bind(params)
        for _ in range(3):
            for i, p in enumerate(params):
                p.grad = gradient(i, p.data).astype(np.float32)
            opt.step()
        assert all(p.data.dtype == np.float32 for p in params), name
        arrays = [v for s in opt.state.values() for v in s.values() if hasattr(v, "dtype")]
        assert arrays and all(a.dtype == np.float32 for a in arrays), name


def test_parameters_without_gradient_are_left_alone():
    a, b = (Parameter(lucidnet.tensor(s, dtype=np.float64)) for s in START[:2])
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = np.ones_like(a.data)
    before = b.data.copy()
    opt.step()
    np.testing.assert_array_equal(b.data, before)
    assert b not in opt.state


@pytest.mark.parametrize("name", sorted(CASES))
def test_state_dict_resumes_the_same_trajectory(name):
    options = CASES[name][-1]
    straight = run_lucidnet(name, options, steps=10)
    params = [Parameter(lucidnet.tensor(s, dtype=np.float64)) for s in START]
    opt = pytorch_rule(name, **options)
    opt.bind(params)
    for _ in range(4):
        for i, p in enumerate(params):
            p.grad = gradient(i, p.data)
        opt.step()
    state = opt.state_dict()
    twin = [Parameter(lucidnet.tensor(p.data.copy())) for p in params]
    resumed = pytorch_rule(name)
    resumed.bind(twin)
    resumed.load_state_dict(state)
    assert resumed.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    for _ in range(6):
        for i, p in enumerate(twin):
            p.grad = gradient(i, p.data)
        resumed.step()
    for mine, expected in zip(twin, straight):
        np.testing.assert_array_equal(mine.data, expected)


def test_optimizer_state_survives_a_model_file(tmp_path):
    lucidnet.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 1))
    x = np.random.default_rng(1).normal(size=(8, 4)).astype(np.float32)

    def train(m, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            (m(x) ** 2).mean().backward()
            opt.step()

    opt = optim.AdamW(model.parameters(), lr=0.05, amsgrad=True)
    train(model, opt, 3)
    io.save(model, tmp_path / "m.safetensors", optimizer=opt)
    opt2 = optim.AdamW(lr=0.05, amsgrad=True)
    loaded = io.load(tmp_path / "m.safetensors", optimizer=opt2)
    train(model, opt, 2)
    train(loaded, opt2, 2)
    for (n, a), b in zip(model.state_dict().items(), loaded.state_dict().values()):
        assert a.tobytes() == b.tobytes(), n


def test_load_state_dict_refuses_a_state_of_other_parameters():
    opt = optim.Adam([Parameter(lucidnet.tensor(START[0]))], lr=0.1)
    opt.param_groups[0]["params"][0].grad = np.ones(SHAPES[0], np.float32)
    opt.step()
    other = optim.Adam([Parameter(lucidnet.tensor(START[1]))])
    with pytest.raises(ValueError, match=r"shape \(3, 4\), the parameter \(4,\)"):
        other.load_state_dict(opt.state_dict())
    two = optim.Adam([Parameter(lucidnet.tensor(s)) for s in START[:2]])
    with pytest.raises(ValueError, match="has 1 parameters, this optimizer's 2"):
        two.load_state_dict(opt.state_dict())


def test_bad_configuration_is_named():
    p = Parameter(lucidnet.tensor([1.0]))
    with pytest.raises(ValueError, match="lr must be finite and >= 0, got nan"):
        optim.SGD([p], lr=float("nan"))
    with pytest.raises(ValueError, match="lr must be finite and >= 0, got -0.1"):
        optim.Adam([p], lr=-0.1)
    with pytest.raises(ValueError, match=r"betas\[1\] must be in \[0, 1\), got 1.0"):
        optim.Adam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="Nesterov momentum needs momentum > 0"):
        optim.SGD([p], nesterov=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([])
    with pytest.raises(TypeError, match=r"no hyper-parameters \['momentun'\]"):
        optim.SGD([{"params": [p], "momentun": 0.9}])
    with pytest.raises(ValueError, match="does not require grad"):
        optim.SGD([lucidnet.tensor([1.0])])
    with pytest.raises(RuntimeError, match="has no parameters"):
        optim.Adam().step()
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}])
    with pytest.raises(lucidnet.errors.UnknownNameError, match="adam"):
        optimizers.get("adma")


def test_zero_grad_forgets_or_zeroes():
    p = Parameter(lucidnet.tensor([1.0, 2.0]))
    opt = optim.SGD([p], lr=0.1)
    p.grad = np.ones(2, np.float32)
    kept = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is kept and not kept.any()
    opt.zero_grad()
    assert p.grad is None


# -- clipping ---------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("max_norm,norm_type", [(0.5, 2.0), (100.0, 2.0), (0.3, 1.0),
                                                 (0.2, math.inf)])
def test_clip_grad_norm_matches_pytorch(max_norm, norm_type):
    grads = [RNG.normal(size=s) for s in SHAPES]
    ours = [Parameter(lucidnet.tensor(s, dtype=np.float64)) for s in START]
    theirs = [torch.tensor(s, requires_grad=True) for s in START]
    for p, q, g in zip(ours, theirs, grads):
        p.grad, q.grad = g.copy(), torch.tensor(g)
    total = optim.clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert total == pytest.approx(float(expected), rel=1e-12)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-12)


def test_clip_grad_value_bounds_every_entry():
    p = Parameter(lucidnet.tensor([0.0, 0.0, 0.0], dtype=np.float64))
    p.grad = np.array([-3.0, 0.1, 2.0])
    optim.clip_grad_value_([p], 0.5)
    np.testing.assert_array_equal(p.grad, [-0.5, 0.1, 0.5])


# -- learning-rate schedules ---------------------------------------------------------
SCHEDULES = [("StepLR", {"step_size": 3, "gamma": 0.5}), ("ExponentialLR", {"gamma": 0.9}),
             ("CosineAnnealingLR", {"T_max": 10, "eta_min": 0.001})]


@needs_torch
@pytest.mark.parametrize("name,options", SCHEDULES)
def test_schedules_match_pytorch(name, options):
    opt = optim.SGD([Parameter(lucidnet.tensor([1.0]))], lr=0.1)
    reference = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    ours = getattr(optim.lr_scheduler, name)(opt, **options)
    theirs = getattr(torch.optim.lr_scheduler, name)(reference, **options)
    for _ in range(25):
        assert ours.get_last_lr()[0] == pytest.approx(theirs.get_last_lr()[0], rel=1e-12)
        reference.step()
        ours.step()
        theirs.step()


@needs_torch
def test_reduce_on_plateau_matches_pytorch():
    metrics = [1.0, 0.9, 0.9, 0.95, 0.91, 0.92, 0.5, 0.5, 0.6, 0.6, 0.6, 0.6, 0.7, 0.49]
    for mode, threshold_mode in (("min", "rel"), ("max", "abs")):
        options = dict(mode=mode, factor=0.5, patience=1, threshold=0.01,
                       threshold_mode=threshold_mode, cooldown=1, min_lr=0.01)
        opt = optim.SGD([Parameter(lucidnet.tensor([1.0]))], lr=0.1)
        reference = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        ours = optim.lr_scheduler.ReduceLROnPlateau(opt, **options)
        theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(reference, **options)
        rates = []
        for m in metrics:
            ours.step(m)
            theirs.step(m)
            assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12)
            rates.append(ours.get_last_lr()[0])
        assert min(rates) < 0.1  # the sequence does trigger reductions


# -- one owner for the learning rate; one meaning for a name ----------------------------
def test_lr_is_the_one_owner_of_the_learning_rate():
    params = [Parameter(lucidnet.tensor(s, dtype=np.float64)) for s in START[:2]]
    opt = optim.SGD([{"params": params[:1]}, {"params": params[1:], "lr": 0.5}], lr=0.1)
    assert opt.lr == 0.1 and opt.lrs == [0.1, 0.5]
    opt.lr = 0.2
    assert opt.lrs == [0.2, 0.2] and opt.defaults["lr"] == 0.2
    opt.lr = [0.3, 0.4]
    assert opt.lrs == [0.3, 0.4]
    with pytest.raises(ValueError, match="lr must be finite and >= 0"):
        opt.lr = -1.0
    with pytest.raises(ValueError, match="2 parameter groups"):
        opt.lr = [0.1]
    unbound = optim.Adam(lr=0.01)
    unbound.lr = 0.05
    assert unbound.lr == 0.05


def test_nothing_but_the_optimizer_writes_a_groups_learning_rate():
    """Schedules, callbacks, the Keras facade and the estimators set ``optimizer.lr``."""
    import pathlib
    import re

    root = pathlib.Path(lucidnet.__file__).parent
    writers = [str(path.relative_to(root)) for path in root.rglob("*.py")
               if re.search(r"""\[["']lr["']\]\s*=[^=]""", path.read_text())]
    assert writers == [str(pathlib.Path("optim", "optimizer.py"))]


def test_a_keras_name_means_kerass_optimizer_through_every_door():
    from lucidnet import keras
    from lucidnet.training import Trainer

    model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    model.compile("rmsprop", "mse")
    by_trainer = Trainer(nn.Linear(3, 2), "mse", "rmsprop").optimizer
    for opt in (model.optimizer, by_trainer, optimizers.get("rmsprop")):
        assert type(opt) is optimizers.RMSprop
        assert opt.lr == 0.001 and opt.defaults["eps"] == 1e-7 and opt.defaults["rule"] == "keras"


def test_rule_must_be_pytorch_or_keras():
    with pytest.raises(ValueError, match="rule must be one of"):
        optim.Adam(rule="tensorflow")
