"""The CuPy backend gives the NumPy backend's numbers: every registered activation and
loss (value and gradient), an MLP with Adam and momentum SGD, Trainer.fit, the
DataLoader's shuffled gathers and save/load.

Each test computes on the 'cupy' backend, brings the results back with
``backend.to_numpy`` and compares them with the same computation on the NumPy backend
(:func:`assert_close`). Inputs are made on the host with NumPy and moved with
``backend.asarray`` inside the backend's context.

Which 'cupy' ran is in every test id: "CuPy on <GPU name>" when CuPy imports and sees a
GPU, else "stand-in: NumPy under the name cupy" (see :func:`standin_modules`).
"""

from __future__ import annotations

import functools
import sys
import types

import numpy
import pytest
import scipy.sparse
import scipy.special
from training.trainkit import blobs, mlp, trainer_for  # tests/training/trainkit.py

import lucidnet
import lucidnet.functional as F
from lucidnet import activations, backend, losses, nn, optim, tensor
from lucidnet.autograd import Tensor
from lucidnet.registry import ACTIVATIONS, LOSSES
from lucidnet.training import DataLoader


def _real_cupy():
    """(cupy, GPU name) when CuPy imports and sees a device, else (None, None)."""
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() == 0:
            return None, None
        return cupy, cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
    except (ImportError, RuntimeError):  # no CuPy; no driver (CUDARuntimeError)
        return None, None


CUPY, GPU_NAME = _real_cupy()
RUNS_ON = f"CuPy on {GPU_NAME}" if CUPY else "stand-in: NumPy under the name cupy"
RTOL = {numpy.dtype(numpy.float64): 1e-10, numpy.dtype(numpy.float32): 1e-5}
DTYPES = ["float64", "float32"]


def standin_modules() -> dict:
    """sys.modules entries for a 'cupy' made of NumPy (plus ``asnumpy``) and a
    'cupyx.scipy.special' and 'cupyx.scipy.sparse' made of SciPy's.

    What it proves without a GPU: the logic of these tests, and that lucidnet's code
    taken only when ``backend.name == 'cupy'`` (erfc from ``cupyx.scipy.special``, the
    loss mean outside NumPy's fast path, optimizer scratch keyed by backend) runs and
    gives NumPy's numbers. What it cannot catch: its arrays *are* NumPy arrays, so a
    bare NumPy call on a device array, an implicit device-to-host copy, a NumPy
    function or argument CuPy lacks, a SciPy call on a device array, or CuPy's own
    rounding all pass here, and ``to_numpy``'s ``.get()`` is never reached; only the
    run on a GPU finds those.
    """

    def delegating(name: str, source) -> types.ModuleType:
        module = types.ModuleType(name)
        module.__getattr__ = functools.partial(getattr, source)  # PEP 562 fallback
        return module

    cupy = delegating("cupy", numpy)
    cupy.asnumpy = numpy.asarray
    special = delegating("cupyx.scipy.special", scipy.special)
    sparse = delegating("cupyx.scipy.sparse", scipy.sparse)
    cupyx, cupyx_scipy = types.ModuleType("cupyx"), types.ModuleType("cupyx.scipy")
    cupyx.scipy, cupyx_scipy.special, cupyx_scipy.sparse = cupyx_scipy, special, sparse
    return {"cupy": cupy, "cupyx": cupyx, "cupyx.scipy": cupyx_scipy,
            "cupyx.scipy.special": special, "cupyx.scipy.sparse": sparse}


@pytest.fixture(params=[RUNS_ON])
def device(monkeypatch):
    """The 'cupy' backend for one test: real CuPy on a GPU, else the stand-in, put in
    sys.modules for this test only."""
    if CUPY is None:
        for name, module in standin_modules().items():
            monkeypatch.setitem(sys.modules, name, module)
    with backend.use_backend("cupy") as xp:
        assert xp is (CUPY or sys.modules["cupy"])
        yield xp


# -- helpers ----------------------------------------------------------------------------
def fetch(*arrays) -> list:
    """Arrays of the active backend (checked: nothing fell back to the host) as host
    copies (NumPy's ``to_numpy`` returns the array itself, which a later step changes)."""
    assert all(isinstance(a, backend.xp.ndarray) for a in arrays)
    return [backend.to_numpy(a).copy() for a in arrays]


def on_numpy(compute, *args):
    """``compute(*args)`` on the NumPy backend, the reference of every comparison."""
    with backend.use_backend("numpy"):
        return compute(*args)


def assert_close(got, expected) -> None:
    """Same dtypes and shapes; values to rtol (1e-10 for float64, 1e-5 for float32) of
    each element, or of the array's largest: a GPU sums in another order, and a sum that
    cancels to near 0 (a gradient, a matrix product) keeps only that absolute error."""
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.dtype == e.dtype and g.shape == e.shape
        rtol = RTOL.get(e.dtype, 0)
        scale = float(numpy.abs(e).max()) if e.size else 0.0
        numpy.testing.assert_allclose(g, e, rtol=rtol, atol=rtol * scale)


def value_and_grads(fn, *args) -> list:
    """Y = fn(*args) and the gradients of Σ Y ⊙ V (V standard normal, fixed) for every
    floating array argument, on the host. Arrays are moved to the active backend; other
    arguments (maxout's pieces) are passed as they are."""
    inputs = [tensor(backend.asarray(a), requires_grad=a.dtype.kind == "f")
              if isinstance(a, numpy.ndarray) else a for a in args]
    Y = fn(*inputs)
    V = numpy.random.default_rng(1).standard_normal(Y.shape).astype(Y.dtype)
    (Y * Tensor(backend.asarray(V))).sum().backward()
    leaves = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    return fetch(Y.data, *(t.grad for t in leaves))


# -- activations and losses -----------------------------------------------------------------
def required_inputs(name: str, rng, dtype) -> list:
    """The arguments after x (4, 6) that activation ``name`` ``requires``: prelu's slopes
    α (one per column, in (0.05, 0.5), differentiated), maxout's pieces (3: two units)."""
    made = {"alpha": rng.uniform(0.05, 0.5, 6).astype(dtype), "pieces": 3}
    requires = ACTIVATIONS.meta(name).get("requires", ())
    assert set(requires) <= set(made), f"{name!r} requires {requires}: add it to `made`"
    return [made[r] for r in requires]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", activations.names())
def test_activation_forward_and_backward(device, name, dtype):
    rng = numpy.random.default_rng(0)
    x = rng.uniform(*ACTIVATIONS.meta(name)["domain"], (4, 6)).astype(dtype)
    args = [x, *required_inputs(name, rng, dtype)]
    fn = ACTIVATIONS.resolve(name)
    assert_close(value_and_grads(fn, *args), on_numpy(value_and_grads, fn, *args))


TARGETS = {  # host targets for y_pred (5, 3), by the ``targets`` a loss declares
    "real": lambda rng: rng.uniform(-2, 2, (5, 3)),
    "binary": lambda rng: numpy.where(rng.random((5, 3)) < 0.5,  # 0/1 and soft labels
                                      rng.integers(0, 2, (5, 3)), rng.random((5, 3))),
    "probabilities": lambda rng: rng.dirichlet(numpy.ones(3), 5),
    "class_index": lambda rng: rng.integers(0, 3, 5),
}
LOSS_MODES = [(name, from_logits) for name in losses.names()
              for from_logits in (False, True)
              if not from_logits or "logits_domain" in LOSSES.meta(name)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(("name", "from_logits"), LOSS_MODES,
                         ids=[f"{n}-logits" if lg else n for n, lg in LOSS_MODES])
def test_loss_value_and_gradients(device, name, from_logits, reduction, dtype):
    """The loss and its gradients for y_pred, float y_true and the ``requires`` inputs."""
    meta = LOSSES.meta(name)
    rng = numpy.random.default_rng(0)
    y_true = TARGETS[meta["targets"]](rng)
    y_pred = rng.uniform(*meta["logits_domain" if from_logits else "domain"], (5, 3))
    extra = [rng.uniform(lo, hi, (5, 3)) for lo, hi in meta.get("requires", {}).values()]
    args = [a.astype(dtype) if a.dtype.kind == "f" else a for a in (y_true, y_pred, *extra)]
    options = {"from_logits": True} if from_logits else {}
    fn = functools.partial(LOSSES.resolve(name), reduction=reduction, **options)
    assert_close(value_and_grads(fn, *args), on_numpy(value_and_grads, fn, *args))


# -- a model, its optimizers, the trainer, the loader, files ----------------------------------
OPTIMIZERS = {
    "adam": functools.partial(optim.Adam, lr=0.01),
    "sgd_momentum": functools.partial(optim.SGD, lr=0.1, momentum=0.9),
}


def dropout_mlp(seed: int = 0) -> nn.Sequential:
    """Linear–ReLU–Dropout–Linear (4 → 16 → 3) on the active backend, from ``seed``."""
    lucidnet.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.25), nn.Linear(16, 3))


def train_steps(make_optimizer, X, y, dtype, steps: int = 3) -> list:
    """The first step's logits, loss and gradients, then the parameters after each of
    ``steps`` optimizer steps (the same dropout masks: they are drawn on the host)."""
    with backend.default_dtype(dtype):
        model = dropout_mlp()
        optimizer = make_optimizer(model.parameters())
        X, y = backend.asarray(X, dtype=dtype), backend.asarray(y)
        record = []
        for step in range(steps):
            logits = model(X)
            loss = F.sparse_categorical_crossentropy(y, logits, from_logits=True)
            optimizer.zero_grad()
            loss.backward()
            if step == 0:
                record += fetch(logits.data, loss.data, *(p.grad for p in model.parameters()))
            optimizer.step()
            record += fetch(*(p.data for p in model.parameters()))
        return record


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_mlp_forward_backward_and_steps(device, optimizer, dtype):
    X, y = blobs(n=32)
    args = (OPTIMIZERS[optimizer], X, y, dtype)
    assert_close(train_steps(*args), on_numpy(train_steps, *args))


def fit(X, y) -> tuple:
    """Trainer.fit for 2 shuffled epochs (Adam, accuracy, a validation split) from seed
    0: the history and the final parameters."""
    model = mlp([4, 8, 3], nn.Softmax())
    trainer = trainer_for(model, metrics=["accuracy"])
    history = trainer.fit(backend.asarray(X), backend.asarray(y), batch_size=16, epochs=2,
                          validation_split=0.25, verbose=0)
    return history.history, fetch(*(p.data for p in model.parameters()))


def test_trainer_fit_gives_the_same_history(device):
    X, y = blobs()
    history, weights = fit(X, y)
    history_ref, weights_ref = on_numpy(fit, X, y)
    assert list(history) == list(history_ref)
    assert list(history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    for key, values in history.items():
        numpy.testing.assert_allclose(values, history_ref[key], rtol=RTOL[weights[0].dtype])
    assert_close(weights, weights_ref)


def shuffled_batches(X_csr, y) -> list:
    """Every batch of one shuffled epoch of (CSR X, y on the backend), on the host; each
    CSR batch is on the backend's device (``cupyx.scipy.sparse`` under CuPy)."""
    loader = DataLoader((X_csr, backend.asarray(y)), batch_size=4, shuffle=True, seed=0)
    return [(*fetch(xb.toarray()), *fetch(yb.data)) for xb, yb in loader]


def test_loader_gathers_csr_rows_with_host_indices(device):
    """CSR rows are gathered with the host permutation, then moved to the device; the
    dense array with its copy on the device: the batches are NumPy's, element for element."""
    X = scipy.sparse.random(10, 5, density=0.5, format="csr", random_state=0)
    y = numpy.arange(10)
    got, expected = shuffled_batches(X, y), on_numpy(shuffled_batches, X, y)
    assert len(got) == len(expected) == 3
    for batch, batch_ref in zip(got, expected):
        for a, a_ref in zip(batch, batch_ref):
            numpy.testing.assert_array_equal(a, a_ref)


def test_save_load_round_trip(device, tmp_path):
    """A model and its Adam state saved under CuPy load back bit for bit onto the
    device, and under NumPy too; the loaded pair's next step is the original's."""
    X, y = (backend.asarray(a) for a in blobs(n=16))
    model = dropout_mlp().eval()  # eval: the next step draws no dropout mask

    def step(model, optimizer):
        loss = F.sparse_categorical_crossentropy(y, model(X), from_logits=True)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return fetch(*(p.data for p in model.parameters()))

    optimizer = optim.Adam(model.parameters(), lr=0.01)
    step(model, optimizer)
    path = tmp_path / "mlp.safetensors"
    lucidnet.save(model, path, optimizer=optimizer)
    restored = optim.Adam(lr=0.01)
    loaded = lucidnet.load(path, optimizer=restored).eval()
    saved = model.state_dict()
    for state in (loaded.state_dict(), on_numpy(lambda: lucidnet.load(path).state_dict())):
        assert list(state) == list(saved)
        for name, value in state.items():
            numpy.testing.assert_array_equal(value, saved[name], strict=True)
    for a, b in zip(step(loaded, restored), step(model, optimizer)):
        numpy.testing.assert_array_equal(a, b, strict=True)


# -- the doors users take: Keras fit, the PyTorch-style loop, sparse input, large layers --------
def keras_fit(X, y) -> tuple:
    """The course's Keras snippet (Dense–relu, softmax, compile('adam'), fit with a
    validation split): the history and the final weights."""
    from lucidnet import keras

    lucidnet.manual_seed(0)
    model = keras.Sequential([keras.layers.Dense(8, activation="relu", input_shape=(4,)),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(backend.asarray(X), backend.asarray(y), batch_size=16, epochs=2,
                        validation_split=0.25, verbose=0)
    probabilities = model.predict(backend.asarray(X[:5]), verbose=0)
    assert isinstance(probabilities, numpy.ndarray)  # Keras's predict returns NumPy arrays
    return history.history, [*fetch(*(p.data for p in model.parameters())), probabilities]


def test_keras_fit_gives_the_same_history(device):
    X, y = blobs()
    history, arrays = keras_fit(X, y)
    history_ref, arrays_ref = on_numpy(keras_fit, X, y)
    assert list(history) == list(history_ref)
    for key, values in history.items():
        numpy.testing.assert_allclose(values, history_ref[key], rtol=RTOL[arrays[0].dtype])
    assert_close(arrays, arrays_ref)


def loop_epochs(X, y, sizes, epochs: int = 2) -> list:
    """The PyTorch-style loop (DataLoader, nn.CrossEntropyLoss, optim.Adam) from seed 0,
    in float64: each step's loss, then the final parameters. (In float32 a GPU's matrix
    products, summed in another order, differ in the last bits, and Adam's m/√v scales
    such differences up for entries whose gradients are near 0.)"""
    with backend.default_dtype("float64"):
        return _loop_epochs(X, y, sizes, epochs)


def _loop_epochs(X, y, sizes, epochs):
    model = mlp(sizes)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    X = backend.asarray(X, dtype=backend.get_default_dtype())
    loader = DataLoader((X, backend.asarray(y)), batch_size=16, shuffle=True, seed=0)
    losses_seen = []
    for _ in range(epochs):
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses_seen.append(float(loss.item()))
    return losses_seen, fetch(*(p.data for p in model.parameters()))


@pytest.mark.parametrize("sizes", [[4, 8, 3], [4, 300, 200, 3]], ids=["small", "large"])
def test_pytorch_style_loop(device, sizes):
    """On the CPU small layers share the optimizer's flat buffer and large ones (over
    16,384 entries on average) are stepped one by one; on the GPU every group shares one.
    The numbers are the same either way."""
    X, y = blobs(n=64)
    losses_seen, weights = loop_epochs(X, y, sizes)
    losses_ref, weights_ref = on_numpy(loop_epochs, X, y, sizes)
    numpy.testing.assert_allclose(losses_seen, losses_ref, rtol=RTOL[weights[0].dtype])
    assert_close(weights, weights_ref)


def fit_csr(X_csr, y) -> tuple:
    """Trainer.fit on SciPy CSR input (the sparse first layer) for 2 shuffled epochs."""
    model = mlp([X_csr.shape[1], 8, 3], nn.Softmax())
    trainer = trainer_for(model, metrics=["accuracy"])
    history = trainer.fit(X_csr, backend.asarray(y), batch_size=8, epochs=2, verbose=0)
    return history.history, fetch(*(p.data for p in model.parameters()))


def test_trainer_fit_on_sparse_input(device):
    X = scipy.sparse.random(40, 30, density=0.2, format="csr", random_state=0, dtype=numpy.float32)
    y = numpy.random.default_rng(0).integers(0, 3, 40)
    history, weights = fit_csr(X, y)
    history_ref, weights_ref = on_numpy(fit_csr, X, y)
    for key, values in history.items():
        numpy.testing.assert_allclose(values, history_ref[key], rtol=1e-5)
    assert_close(weights, weights_ref)
