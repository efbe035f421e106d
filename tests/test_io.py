"""lucidnet.io: save → load is bit-exact, refuses what it cannot build, survives SIGKILL."""

import json
import os
import signal
import struct
import subprocess
import sys
import textwrap
import time
from collections import OrderedDict

import numpy as np
import pytest
import safetensors.numpy

import lucidnet
from lucidnet import backend, io, nn
from lucidnet.autograd import Tensor
from lucidnet.errors import FormatError
from lucidnet.nn.module import LAYERS, Module, Parameter

try:
    import resource
except ImportError:  # Windows
    resource = None


def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


# -- small registered modules (the real layers are tested too, once they exist) -------
@LAYERS.register("_IoDense")
class _IoDense(Module):
    def __init__(self, in_features: int, out_features: int, bias: bool = True):
        super().__init__()
        self.in_features, self.out_features, self.use_bias = in_features, out_features, bias
        values = backend.rng().uniform(-1, 1, size=(out_features, in_features))
        self.weight = Parameter(backend.asarray(values, dtype=backend.get_default_dtype()))
        dtype = backend.get_default_dtype()
        b = backend.asarray(backend.rng().uniform(-1, 1, out_features), dtype=dtype)
        self.register_parameter("bias", Parameter(b) if bias else None)

    def forward(self, x):
        y = _as_tensor(x) @ self.weight.T
        return y + self.bias if self.bias is not None else y

    def get_config(self):
        return {"in_features": self.in_features, "out_features": self.out_features,
                "bias": self.use_bias}


@LAYERS.register("_IoStack")
class _IoStack(Module):
    def __init__(self, *modules):
        super().__init__()
        for i, m in enumerate(modules):
            setattr(self, str(i), m)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x


@LAYERS.register("_IoNorm")
class _IoNorm(Module):
    """Learned scale plus buffers: a float running mean and an int64 counter."""

    def __init__(self, num_features: int):
        super().__init__()
        self.num_features = num_features
        self.weight = Parameter(backend.xp.ones(num_features, dtype=backend.get_default_dtype()))
        dtype = backend.get_default_dtype()
        self.register_buffer("running_mean", backend.xp.zeros(num_features, dtype))
        self.register_buffer("num_batches_tracked", backend.xp.zeros((), dtype=np.int64))

    def forward(self, x):
        return (_as_tensor(x) - self.running_mean) * self.weight

    def get_config(self):
        return {"num_features": self.num_features}


@LAYERS.register("_IoMLP")
class _IoMLP(Module):
    """Builds its own children from its config (no children passed in)."""

    def __init__(self, sizes: list, slope: float = 0.1):
        super().__init__()
        self.sizes, self.slope = list(sizes), slope
        self.hidden = _IoDense(sizes[0], sizes[1])
        self.act = nn.LeakyReLU(slope)
        self.out = _IoDense(sizes[1], sizes[2], bias=False)

    def forward(self, x):
        return self.out(self.act(self.hidden(x)))

    def get_config(self):
        return {"sizes": self.sizes, "slope": self.slope}


class _Unregistered(Module):
    pass


class _Momentum:
    """A minimal optimizer with the protocol lucidnet.optim follows (state of every kind)."""

    def __init__(self, params=None, lr=0.1, betas=(0.9, 0.99)):
        self.defaults = {"lr": lr, "betas": betas}
        self.param_groups, self.state = [], {}
        if params is not None:
            self.bind(params)

    def bind(self, params):
        self.param_groups = [{"params": list(params), **self.defaults}]

    def step(self):
        for i, p in enumerate(self.param_groups[0]["params"]):
            s = self.state.setdefault(i, {"step": np.int64(0), "buf": np.zeros_like(p.data)})
            s["buf"] = self.param_groups[0]["betas"][0] * s["buf"] + p.grad
            s["step"] += 1
            p.data -= self.param_groups[0]["lr"] * s["buf"]

    def state_dict(self):
        groups = [{**{k: v for k, v in g.items() if k != "params"},
                   "params": list(range(len(g["params"])))} for g in self.param_groups]
        return {"state": {i: dict(s) for i, s in self.state.items()}, "param_groups": groups,
                "extra": {"__tuple__": "a dict that looks like a tag", "nan": float("nan")}}

    def load_state_dict(self, state):
        params = self.param_groups[0]["params"]
        if len(state["param_groups"][0]["params"]) != len(params):
            raise ValueError("wrong number of parameters")
        self.state = {i: dict(s) for i, s in state["state"].items()}
        self.param_groups[0].update({k: v for k, v in state["param_groups"][0].items()
                                     if k != "params"})


def stack(seed=0):
    lucidnet.manual_seed(seed)
    return _IoStack(_IoDense(4, 5), nn.LeakyReLU(0.2), _IoNorm(5), nn.PReLU(5),
                    _IoDense(5, 3, bias=False), nn.Softmax(dim=-1))


def trained(model, steps=3):
    """The model after ``steps`` momentum steps on a fixed batch, and its optimizer."""
    opt = _Momentum(model.parameters())
    x = np.linspace(-1, 1, 8 * 4).reshape(8, 4).astype(backend.get_default_dtype())
    for _ in range(steps):
        model.zero_grad()
        (model(x) ** 2).sum().backward()
        opt.step()
    return opt


def x_batch(dtype=np.float32):
    return np.random.default_rng(1).normal(size=(6, 4)).astype(dtype)


def same_state(a: Module, b: Module):
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for name in sa:
        assert sa[name].dtype == sb[name].dtype, name
        assert sa[name].tobytes() == sb[name].tobytes(), name


# -- round trips ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_save_load_is_bit_exact_and_keeps_dtype(tmp_path, dtype):
    with backend.default_dtype(dtype):
        model = stack()
        trained(model)
        norm = model._modules["2"]
        norm.running_mean[...] = np.arange(5)
        norm.num_batches_tracked[...] = 7
    path = tmp_path / "m.safetensors"
    io.save(model, path, metadata={"epoch": 3, "note": "ok"})
    loaded = io.load(path)  # under the default float32, a float64 model stays float64
    assert type(loaded) is _IoStack and repr(loaded) == repr(model)
    same_state(model, loaded)
    norm = loaded._modules["2"]
    assert norm.running_mean.dtype == np.dtype(dtype)
    assert norm.num_batches_tracked.dtype == np.int64 and int(norm.num_batches_tracked) == 7
    x = x_batch(dtype)
    assert model(x).data.tobytes() == loaded(x).data.tobytes()
    assert loaded(x).data.dtype == np.dtype(dtype)
    assert io.load_state(path).metadata == {"epoch": 3, "note": "ok"}


def test_constructor_built_children_and_real_activation_layers(tmp_path):
    model = _IoStack(_IoMLP([4, 6, 3], slope=0.3), nn.Maxout(3, 2, 3), nn.GELU("tanh"),
                     nn.Activation("tanh"), nn.SiLU(beta=1.5))
    io.save(model, tmp_path / "m.safetensors")
    loaded = io.load(tmp_path / "m.safetensors")
    assert repr(loaded) == repr(model)
    same_state(model, loaded)
    assert loaded._modules["0"].act.negative_slope == 0.3
    assert model(x_batch()).data.tobytes() == loaded(x_batch()).data.tobytes()


def test_real_layers_round_trip(tmp_path):
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(),
                          nn.Dropout(0.5), nn.Linear(8, 3))
    model.train()
    model(x_batch())  # moves BatchNorm's running statistics
    io.save(model, tmp_path / "m.safetensors")
    loaded = io.load(tmp_path / "m.safetensors")
    same_state(model, loaded)
    model.eval()
    loaded.eval()
    assert model(x_batch()).data.tobytes() == loaded(x_batch()).data.tobytes()


def test_keras_sequential_round_trip(tmp_path):
    from lucidnet import keras
    model = keras.Sequential([keras.layers.Dense(5, activation="relu", input_shape=(4,)),
                              keras.layers.Dense(2)])
    io.save(model, tmp_path / "k.safetensors")
    names = [c["class_name"] for c in io.load_state(tmp_path / "k.safetensors")
             .architecture["children"]]
    assert names == ["keras.Dense", "keras.Dense"]
    loaded = io.load(tmp_path / "k.safetensors")
    same_state(model, loaded)
    assert model(x_batch()).data.tobytes() == loaded(x_batch()).data.tobytes()


def test_weights_only_files_and_foreign_safetensors(tmp_path):
    model = stack()
    io.save_weights(model, tmp_path / "w.safetensors")
    other = stack(seed=5)
    other.load_state_dict(io.load_weights(tmp_path / "w.safetensors"))
    same_state(model, other)
    with pytest.raises(FormatError, match="weights only"):
        io.load(tmp_path / "w.safetensors")
    # Any safetensors file: its tensors in file order, its metadata as strings.
    arrays = {"a": np.arange(6, dtype=np.int16).reshape(2, 3), "b": np.array(2.5),
              "c": np.zeros((0, 3), np.float16), "d": np.array([True, False])}
    (tmp_path / "f.safetensors").write_bytes(safetensors.numpy.save(arrays, {"format": "np"}))
    state = io.load_state(tmp_path / "f.safetensors")
    assert state.architecture is None and state.metadata == {"format": "np"}
    for name, array in arrays.items():
        assert state.weights[name].dtype == array.dtype
        assert np.array_equal(state.weights[name], array)
    # ... and lucidnet's files read with the reference library.
    reference = safetensors.numpy.load_file(tmp_path / "w.safetensors")
    for name, array in model.state_dict().items():
        assert reference[name].tobytes() == array.tobytes()


def test_optimizer_state_round_trips_exactly(tmp_path):
    model = stack()
    opt = trained(model)
    io.save(model, tmp_path / "m.safetensors", optimizer=opt)
    saved = opt.state_dict()
    state = io.load_state(tmp_path / "m.safetensors").optimizer
    assert state["param_groups"][0]["betas"] == (0.9, 0.99)  # tuples stay tuples
    assert set(state["state"]) == set(saved["state"])  # integer keys stay integers
    for i, s in saved["state"].items():
        assert type(state["state"][i]["step"]) is np.int64 and state["state"][i]["step"] == 3
        assert state["state"][i]["buf"].tobytes() == s["buf"].tobytes()
    assert state["extra"]["__tuple__"] == "a dict that looks like a tag"
    assert np.isnan(state["extra"]["nan"])
    # load(path, optimizer=unbound) binds it to the loaded model and continues the same run.
    fresh = _Momentum()
    loaded = io.load(tmp_path / "m.safetensors", optimizer=fresh)
    assert all(a is b for a, b in zip(fresh.param_groups[0]["params"], loaded.parameters(),
                                       strict=True))
    for m, o in ((model, opt), (loaded, fresh)):  # one more step: the same for both
        m.zero_grad()
        (m(x_batch()) ** 2).sum().backward()
        o.step()
    same_state(model, loaded)


def test_optimizer_mismatches(tmp_path):
    model = stack()
    io.save(model, tmp_path / "plain.safetensors")
    with pytest.raises(FormatError, match="no optimizer state"):
        io.load(tmp_path / "plain.safetensors", optimizer=_Momentum())
    io.save(model, tmp_path / "m.safetensors", optimizer=trained(model))
    with pytest.raises(ValueError, match="already has parameters"):
        io.load(tmp_path / "m.safetensors", optimizer=_Momentum(stack().parameters()))

    class Other(_Momentum):
        pass

    with pytest.raises(FormatError, match="'_Momentum' optimizer, not of Other"):
        io.load(tmp_path / "m.safetensors", optimizer=Other())


def test_real_optimizer_state_round_trip(tmp_path):
    from lucidnet import optim
    model = stack()
    opt = optim.Adam(model.parameters(), lr=0.01)
    for _ in range(2):
        model.zero_grad()
        (model(x_batch()) ** 2).sum().backward()
        opt.step()
    io.save(model, tmp_path / "m.safetensors", optimizer=opt)
    opt2 = optim.Adam(lr=0.01)  # unbound: load binds it to the rebuilt model
    loaded = io.load(tmp_path / "m.safetensors", optimizer=opt2)
    for m, o in ((model, opt), (loaded, opt2)):
        m.zero_grad()
        (m(x_batch()) ** 2).sum().backward()
        o.step()
    same_state(model, loaded)


# -- what save refuses ----------------------------------------------------------------
def test_save_refuses_what_could_not_be_loaded(tmp_path):
    path = tmp_path / "m.safetensors"
    with pytest.raises(ValueError, match=r"_Unregistered is not registered.*save_weights"):
        io.save(_IoStack(_Unregistered()), path)
    bad = _IoDense(2, 2)
    bad.get_config = lambda: {"in_features": 2, "out_features": 2, "units": 2}
    with pytest.raises(ValueError, match=r"\['units'\], which its constructor does not accept"):
        io.save(bad, path)
    bad.get_config = lambda: {"out_features": 2}
    with pytest.raises(ValueError, match=r"lacks .* \['in_features'\]"):
        io.save(bad, path)
    bad.get_config = lambda: {"in_features": 2, "out_features": object()}
    with pytest.raises(TypeError, match="not JSON-serializable"):
        io.save(bad, path)
    half = _IoDense(2, 2)
    half.weight.data = half.weight.data.astype(np.float16)
    with pytest.raises(TypeError, match="float16 model"):
        io.save(half, path)
    with pytest.raises(TypeError, match="metadata and optimizer state"):
        io.save(_IoDense(2, 2), path, metadata={"x": object()})
    with pytest.raises(ValueError, match="optimizer/"):
        io.save_weights({"optimizer/x": np.zeros(1)}, path)
    with pytest.raises(TypeError, match="complex"):
        io.save_weights({"z": np.zeros(1, np.complex64)}, path)
    assert not list(tmp_path.iterdir())  # nothing written, no temporary left behind


# -- what load refuses ----------------------------------------------------------------
def _rewrite(path, edit):
    """Rewrite the lucidnet document of ``path`` with ``edit(document)``."""
    tensors = io.load_state(path)
    raw = safetensors.numpy.load_file(path)
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        document = json.loads(json.loads(f.read(n))["__metadata__"]["lucidnet"])
    edit(document)
    path.write_bytes(safetensors.numpy.save(raw, {"lucidnet": json.dumps(document)}))
    return tensors


@pytest.mark.parametrize("name", ["os.system", "builtins.eval", "subprocess.Popen",
                                  "lucidnet.io.model.save", "__import__", "Module",
                                  "xml.dom.minidom.parseString", "antigravity", ""])
def test_unregistered_class_names_are_refused_and_nothing_is_imported(tmp_path, name):
    path = tmp_path / "m.safetensors"
    io.save(stack(), path)
    _rewrite(path, lambda d: d["architecture"]["children"][1].update(class_name=name))
    modules = set(sys.modules)
    with pytest.raises(FormatError, match=r"layer '1' names class .* not a registered"):
        io.load(path)
    assert set(sys.modules) == modules


@pytest.mark.parametrize("edit, message", [
    (lambda a: a["children"][0]["config"].update(units=3), r"\['units'\] its constructor"),
    (lambda a: a["children"][0]["config"].pop("in_features"), r"lacks \['in_features'\]"),
    (lambda a: a["children"][0]["config"].update(in_features=7),
     r"is float32\[5, 4\] in the file, float32\[5, 7\] in the model"),
    (lambda a: a["children"][0]["config"].update(in_features=-1), "cannot build layer '0'"),
    (lambda a: a["children"][0]["config"].update(in_features="4"), "cannot build layer '0'"),
    (lambda a: a["children"][1].update(class_name="ReLU"), r"\['negative_slope'\] its constructor"),
    (lambda a: a["children"][4]["config"].update(bias=True), r"\['4.bias'\] the file lacks"),
    (lambda a: a["children"][0].update(name="first"), r"children \['first'"),
    (lambda a: a.update(class_name="_IoMLP", config={"sizes": [4, 5, 3]}),
     "differs from the one it records"),
    (lambda a: a["children"][0].update(children=[{"name": "x", "class_name": "ReLU",
                                                  "config": {}, "children": []}]),
     "differs from the one it records"),
    (lambda a: a["children"][0].update(name="a.b"), "without '.'"),
    (lambda a: a["children"].append(dict(a["children"][0])), "child named '0'"),
])
def test_inconsistent_architectures_are_refused(tmp_path, edit, message):
    path = tmp_path / "m.safetensors"
    io.save(stack(), path)
    _rewrite(path, lambda d: edit(d["architecture"]))
    with pytest.raises(FormatError, match=message) as err:
        io.load(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize("edit, message", [
    (lambda d: d.update(version=2), "format version 2; this lucidnet reads version 1; upgrade"),
    (lambda d: d.update(format="other"), "not a lucidnet document"),
    (lambda d: d.update(dtype="float16"), "'dtype' must be float32 or float64"),
    (lambda d: d.update(weights=d["weights"][:-1]), "are not the model tensors"),
    (lambda d: d.update(extra=1), "expected"),
    (lambda d: d["optimizer"]["state"].update(x={"__array__": "0.weight"}),
     "not an optimizer tensor"),
    (lambda d: d["optimizer"]["state"].update(state={}), r"optimizer tensors \['optimizer/"),
    (lambda d: d["optimizer"]["state"].update(x={"__items__": [[[1], 2]]}), "malformed"),
    (lambda d: d.update(optimizer=None), "holds optimizer tensors but no optimizer state"),
])
def test_inconsistent_documents_are_refused(tmp_path, edit, message):
    path = tmp_path / "m.safetensors"
    model = stack()
    io.save(model, path, optimizer=trained(model))
    _rewrite(path, edit)
    with pytest.raises(FormatError, match=message):
        io.load_state(path)


def _max_rss() -> int:
    """The process's peak resident memory in bytes (never decreases; 0 on Windows)."""
    if resource is None:
        return 0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


@pytest.mark.parametrize("in_features", [
    10**11,  # 3.6 TiB: refused by NumPy anywhere
    pytest.param(25 * 10**6, marks=pytest.mark.skipif(  # 1 GB: refused by the cap
        io.architecture._address_space() is None, reason="the memory cap needs Linux")),
])
def test_configs_asking_for_huge_layers_fail_without_allocating(tmp_path, in_features):
    path = tmp_path / "m.safetensors"
    io.save(stack(), path)
    _rewrite(path, lambda d: d["architecture"]["children"][0]["config"].update(
        in_features=in_features))
    before, start = _max_rss(), time.process_time()
    with pytest.raises(FormatError, match=r"cannot build layer '0' .*MemoryError"):
        io.load(path)
    assert time.process_time() - start < 1
    assert _max_rss() - before < 128 * 2**20


def test_memory_cap_lets_legitimate_models_through(tmp_path):
    lucidnet.manual_seed(0)
    model = _IoStack(_IoDense(1024, 2048), _IoDense(2048, 1024))  # 16 MiB of weights
    io.save(model, tmp_path / "big.safetensors")
    same_state(model, io.load(tmp_path / "big.safetensors"))


def test_errors_name_the_file_and_are_format_errors(tmp_path):
    path = tmp_path / "m.safetensors"
    path.write_bytes(b"\x80\x04\x95" + b"\x00" * 20)
    with pytest.raises(FormatError, match=f"{path.name}.*pickle.*never loads pickles"):
        io.load(path)
    assert issubclass(FormatError, ValueError)
    with pytest.raises(FileNotFoundError):
        io.load(tmp_path / "absent.safetensors")


# -- crash safety ---------------------------------------------------------------------
_WRITER = textwrap.dedent("""
    import sys
    import numpy as np
    from lucidnet import io, nn

    path, version = sys.argv[1], int(sys.argv[2])
    model = nn.Maxout(512, 512, 8)  # 8 MiB of weights: a write takes milliseconds
    while True:
        model.weight.data[...] = version
        model.bias.data[...] = -version
        io.save(model, path, metadata={"version": version})
        if version == int(sys.argv[2]):
            print("saved", flush=True)
        version += 1
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_during_save_leaves_the_previous_file_whole(tmp_path):
    path = tmp_path / "model.safetensors"
    rng = np.random.default_rng(0)
    for attempt in range(4):
        writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(attempt * 10**6)],
                                  stdout=subprocess.PIPE, text=True)
        assert writer.stdout.readline() == "saved\n"
        time.sleep(rng.uniform(0, 0.05))
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        writer.stdout.close()
        state = io.load_state(path)
        version = state.metadata["version"]
        assert version >= attempt * 10**6
        assert np.all(state.weights["weight"] == version)
        assert np.all(state.weights["bias"] == -version)
        assert io.load(path).weight.shape == (512, 4096)
    # A killed writer may leave its temporary file; it is never the model's name, and it
    # reads as a whole earlier model or fails as a damaged file.
    for stray in tmp_path.iterdir():
        if stray != path:
            assert stray.name.startswith(".model.safetensors.") and stray.suffix == ".tmp"
            try:
                state = io.load_state(stray)
            except FormatError:
                continue
            assert np.all(state.weights["weight"] == state.metadata["version"])


def test_failed_save_keeps_the_previous_file(tmp_path):
    path = tmp_path / "m.safetensors"
    model = stack()
    io.save(model, path)
    before = path.read_bytes()
    with pytest.raises(TypeError):
        io.save(model, path, optimizer=_Momentum(), metadata={"bad": {1, 2}})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]


def test_state_is_an_ordered_dict_in_state_dict_order(tmp_path):
    model = stack()
    io.save(model, tmp_path / "m.safetensors")
    weights = io.load_weights(tmp_path / "m.safetensors")
    assert isinstance(weights, OrderedDict) and list(weights) == list(model.state_dict())
