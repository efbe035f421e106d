#!/usr/bin/env python
"""Training speed of lucidnet beside PyTorch and scikit-learn, measured in one run.

    python benchmarks/run.py [--workload reuters mnist tiny] [--epochs N] [--repeats R] [--quick]
        [--threads T|auto] [--load K] [--frameworks ...] [--omp-wait-policy PASSIVE|ACTIVE|default]
        [--out F]
    python benchmarks/run.py --profile [--workload mnist tiny] [--threads T]

Every (framework, repeat) is one fresh subprocess, and the order of the frameworks
rotates from one repeat to the next, so load from other processes on the machine falls
on every framework alike. A subprocess loads the workload's synthetic data (generated
once per run, fixed seed), trains a small model on 64 samples to warm up the
framework (lazy libraries and kernels: its resident-set growth is reported as 'init'),
then trains ``--epochs`` epochs timing each one, and reports:

- seconds per epoch: the median of epochs 2..N (epoch 1 pays first-touch costs), wall
  clock, and CPU seconds of the process (all threads) beside it;
- samples per second: N_samples / (seconds per epoch);
- peak memory: the high-water mark of the resident set during training minus the
  resident set before the model was built (data loaded, framework warm), read from
  /proc/self/status after resetting the mark (``clear_refs``); for the NumPy
  frameworks also the tracemalloc peak of one extra epoch (the first repeat only);
- the GEMM fraction: the time of an epoch of only the matrix products of the same
  shapes (NumPy float32, into preallocated outputs) over the framework's epoch.

Threads: OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS are set to
``--threads`` in every subprocess, threadpoolctl limits the BLAS pools, and PyTorch
runs ``torch.set_num_threads``. ``--threads auto`` sets nothing: every framework runs
with its own default (lucidnet's optimizers choose the BLAS threads by measuring their
first steps, :mod:`lucidnet.threads`; each lucidnet run records its choice).
OMP_WAIT_POLICY is left unset unless told otherwise. The CPU model (/proc/cpuinfo), the
BLAS libraries and their threads (threadpoolctl) and the load average are recorded
beside every figure.

``--load K`` runs every (framework, repeat) twice, quiet and beside K busy processes
(one pure-Python spinning loop each), and reports each framework's loaded epoch over its
quiet one. The busy processes are started and stopped by the benchmark around each
loaded run, end by themselves after ``--load-seconds`` and when the benchmark dies
(they watch their parent), so none is ever left running.

The ratio of the targets is lucidnet / PyTorch eager with fused Adam, computed per
repeat from neighbouring runs, then the median over repeats.

``--device gpu`` runs the GPU frameworks instead: lucidnet on the CuPy backend
(``fit`` and the PyTorch-style loop) and PyTorch on CUDA (default and fused Adam, the
reference of the ratios there); the clock waits for the device at each epoch's ends.
It needs CuPy with a GPU, and PyTorch built with CUDA for the PyTorch rows.

For lucidnet the first repeat also runs one epoch with every Function's forward and
backward, and the optimizer's update, wrapped to check that a float32 model produces
no float64 array on the hot path, then asserts the dtypes of the parameters, the
gradients and the optimizer state, and counts subnormal floats in that state.

``--profile`` instead runs, on the named workloads, a per-phase timer around the same
training loop in lucidnet and in PyTorch (batch, forward, loss, zero_grad, backward,
step, reading the loss), cProfile of lucidnet's ``Trainer.fit`` by function, and the
Adam update alone (see ``profile_epoch.py``). ``--report FILE`` prints the tables of a
saved run again.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# -- workloads ----------------------------------------------------------------------
WORKLOADS = {
    # a Reuters-like bag of words: 8,982 newswires, a 10,000-word vocabulary, 46 topics
    "reuters": {"n": 8982, "d": 10000, "classes": 46, "hidden": (64, 64), "batch": 512,
                "kind": "multi-hot", "epochs": 5},
    # MNIST-shaped: pixels standardized as usual, (x − mean)/std, here uniform ones
    "mnist": {"n": 60000, "d": 784, "classes": 10, "hidden": (256, 256), "batch": 128,
              "kind": "pixels", "epochs": 5},
    # an epoch takes 5-25 ms: 400 of them, so that each timed run lasts seconds (with
    # 30, a run took 0.2 s and repeats of one framework spread ±50 % on a shared machine)
    "tiny": {"n": 2000, "d": 64, "classes": 10, "hidden": (32,), "batch": 32,
             "kind": "gaussian", "epochs": 400},
    # where a GPU matters: wide layers, large batches (about 2.3 TFLOP an epoch; --device gpu)
    "large": {"n": 60000, "d": 784, "classes": 10, "hidden": (2048, 2048), "batch": 1024,
              "kind": "pixels", "epochs": 5},
}
DEFAULT_WORKLOADS = {"cpu": ["reuters", "mnist", "tiny"], "gpu": list(WORKLOADS)}

# name: (what it is, whether it takes the CSR input)
FRAMEWORKS = {
    "lucid_fit": ("lucidnet Trainer.fit (fused logits loss)", False),
    "lucid_fit_softmax": ("lucidnet Trainer.fit on nn.Sequential ending in nn.Softmax, "
                          "'sparse_categorical_crossentropy' (the Keras door's model and loss)",
                          False),
    "lucid_keras": ("lucidnet's Keras door: the course's Sequential of Dense(…, activation=…), "
                    "compile('adam', 'sparse_categorical_crossentropy'), fit", False),
    "lucid_cli": ("the model `lucidnet train` builds (Keras Sequential, he_normal, softmax "
                  "output, Keras Adam, metrics=['accuracy']), fit", False),
    "lucid_loop": ("lucidnet PyTorch-style loop (DataLoader, nn.CrossEntropyLoss, optim.Adam)",
                   False),
    "torch": ("PyTorch eager, Adam default (single-tensor for-loop on CPU)", False),
    "torch_fused": ("PyTorch eager, Adam(fused=True)", False),
    "sklearn": ("scikit-learn MLPClassifier(solver='adam'), partial_fit per epoch", False),
    "numpy_mlp": ("a hand-written NumPy MLP: one flat parameter buffer, fused Adam, no "
                  "autograd (what NumPy itself allows)", False),
    "gemm_numpy": ("only the matrix products, NumPy float32 (the GEMM floor)", False),
    "gemm_torch": ("only the matrix products, torch.mm (PyTorch's BLAS)", False),
    "lucid_fit_csr": ("lucidnet Trainer.fit, SciPy CSR input", True),
    "lucid_loop_csr": ("lucidnet loop, SciPy CSR input", True),
    "torch_coo": ("PyTorch eager, sparse COO input (F.linear), Adam(fused=True)", True),
    "sklearn_csr": ("scikit-learn MLPClassifier, SciPy CSR input", True),
    "gemm_csr": ("only the products, SciPy CSR first layer + NumPy (the sparse floor)", True),
    "lucid_fit_gpu": ("lucidnet Trainer.fit on the CuPy backend (the GPU)", False),
    "lucid_loop_gpu": ("lucidnet PyTorch-style loop on the CuPy backend (the GPU)", False),
    "torch_cuda": ("PyTorch eager on CUDA, Adam default", False),
    "torch_cuda_fused": ("PyTorch eager on CUDA, Adam(fused=True)", False),
}
GPU = ("lucid_fit_gpu", "lucid_loop_gpu", "torch_cuda", "torch_cuda_fused")
REFERENCES = {"cpu": "torch_fused", "gpu": "torch_cuda_fused"}
LUCID = ("lucid_fit", "lucid_fit_softmax", "lucid_keras", "lucid_cli", "lucid_loop", "lucid_fit_csr",
         "lucid_loop_csr")
NUMPY_BASED = LUCID + ("numpy_mlp", "sklearn", "sklearn_csr")
# (workload, lucidnet variants, target of lucidnet / torch_fused)
TARGETS = [
    ("reuters", ("lucid_fit", "lucid_loop"), 1.0, "reuters dense"),
    ("mnist", ("lucid_fit", "lucid_loop"), 1.0, "mnist"),
    ("tiny", ("lucid_fit", "lucid_loop"), 0.3, "tiny"),
    ("reuters", ("lucid_keras", "lucid_cli"), 0.85, "reuters dense, Keras door"),
    ("mnist", ("lucid_keras", "lucid_cli"), 0.85, "mnist, Keras door"),
    ("tiny", ("lucid_keras", "lucid_cli"), 0.3, "tiny, Keras door"),
    ("reuters", ("lucid_fit_csr", "lucid_loop_csr"), 0.6, "reuters sparse (vs torch dense)"),
]
# the GPU's: lucidnet on CuPy / PyTorch on CUDA with fused Adam
GPU_TARGETS = [("large", ("lucid_fit_gpu", "lucid_loop_gpu"), 1.5, "large (784-2048-2048-10)")]
DOOR_TARGET = 1.05
"""The Keras door's and the CLI's time over the Trainer door's with the same model and loss
(lucid_fit_softmax), per repeat; beside it, over lucid_fit (logits, the fused loss)."""
MEMORY_TARGET = 1.2
MEMORY_FLOOR = 4 * 2**20  # below this peak Δ of the reference, a memory ratio is noise


def frameworks_for(workload: str, device: str = "cpu") -> list[str]:
    sparse = WORKLOADS[workload]["kind"] == "multi-hot"
    return [f for f, (_, csr) in FRAMEWORKS.items()
            if (sparse or not csr) and (f in GPU) == (device == "gpu")]


def layer_sizes(spec: dict) -> list[int]:
    return [spec["d"], *spec["hidden"], spec["classes"]]


# -- data ---------------------------------------------------------------------------
def make_data(spec: dict, path: str, seed: int = 0) -> dict:
    """Synthetic data of fixed seed, saved as .npy files under ``path``; returns facts.

    Labels come from a random linear teacher, y = argmax(X T), so that the loss falls
    and the frameworks' final losses can be compared.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    n, d, C = spec["n"], spec["d"], spec["classes"]
    facts = {}
    if spec["kind"] == "multi-hot":
        import scipy.sparse as sp

        # word ranks Zipf-like: p(rank r) ∝ 1/(r + 20); ~165 draws per text give ~150
        # distinct words (duplicates merge into one 1, as a multi-hot encoding does)
        p = 1.0 / (np.arange(d) + 20.0)
        p /= p.sum()
        draws = rng.integers(110, 221, size=n)
        rows = np.repeat(np.arange(n), draws)
        cols = rng.choice(d, size=rows.size, p=p)
        X = sp.csr_matrix((np.ones(rows.size, np.float32), (rows, cols)), shape=(n, d))
        X.sum_duplicates()
        X.data[:] = 1.0
        X.sort_indices()
        np.save(os.path.join(path, "indptr.npy"), X.indptr)
        np.save(os.path.join(path, "indices.npy"), X.indices)
        np.save(os.path.join(path, "values.npy"), X.data)
        T = rng.standard_normal((d, C)).astype(np.float32)
        scores = X @ T - np.asarray(X.mean(axis=0)) @ T  # centred: no class takes all
        facts["ones_per_row"] = round(X.nnz / n, 1)
    else:
        if spec["kind"] == "pixels":
            # standardized pixels: (u − 1/2)·√12 has mean 0 and variance 1. Raw [0, 1)
            # inputs (all positive) kill ~90 % of the first layer's ReLUs within three
            # epochs of Adam, and their momentum then decays into subnormal floats
            X = (rng.random((n, d), dtype=np.float32) - np.float32(0.5)) * np.float32(12**0.5)
        else:
            X = rng.standard_normal((n, d), dtype=np.float32)
        np.save(os.path.join(path, "X.npy"), X)
        T = rng.standard_normal((d, C)).astype(np.float32)
        scores = X @ T
    y = np.asarray(scores.argmax(axis=1)).reshape(-1).astype(np.int64)
    np.save(os.path.join(path, "y.npy"), y)
    counts = np.bincount(y, minlength=C)
    facts["class_counts_min_max"] = [int(counts.min()), int(counts.max())]
    return facts


def load_data(path: str, spec: dict, sparse: bool):
    import numpy as np

    y = np.load(os.path.join(path, "y.npy"))
    if spec["kind"] == "multi-hot":
        import scipy.sparse as sp

        parts = [np.load(os.path.join(path, f"{k}.npy")) for k in ("values", "indices", "indptr")]
        X = sp.csr_matrix(tuple(parts), shape=(spec["n"], spec["d"]))
        return (X if sparse else X.toarray()), y
    return np.load(os.path.join(path, "X.npy")), y


# -- memory -------------------------------------------------------------------------
def _status(key: str) -> int:
    """A field of /proc/self/status in bytes (VmRSS, VmHWM)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def reset_peak() -> bool:
    """Reset the resident-set high-water mark (Linux ≥ 4.0); False where refused."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


# -- threads ------------------------------------------------------------------------
def set_threads(threads) -> dict:
    """Limit every BLAS and OpenMP pool of this process to ``threads`` (None: leave them
    as the frameworks set them); what is in use."""
    info = {"threads": threads or "auto"}
    try:
        import threadpoolctl

        if threads is not None:
            threadpoolctl.threadpool_limits(threads, user_api="blas")
        info["pools"] = sorted({" ".join(filter(None, (
            p["internal_api"], p.get("version"), p.get("architecture"),
            f"({p['num_threads']} threads)"))) for p in threadpoolctl.threadpool_info()})
        if os.environ.get("OPENBLAS_CORETYPE"):  # kernels forced, not chosen for the CPU
            info["pools"].append(f"OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']}")
    except ImportError:
        info["pools"] = ["threadpoolctl not installed: OMP/OPENBLAS/MKL_NUM_THREADS only"]
    return info


BUSY = """
import os, sys, time
parent, end = os.getppid(), time.monotonic() + float(sys.argv[1])
x = 0
while time.monotonic() < end and os.getppid() == parent:
    for _ in range(100_000):
        x += 1
"""
"""A busy process: spins until its deadline, or until its parent (the benchmark) dies."""


@contextlib.contextmanager
def busy(k: int, seconds: float):
    """K busy processes beside the block, at most ``seconds`` each; they are killed and
    reaped when the block ends, however it ends. Yields the list of them."""
    procs = []
    try:
        for _ in range(k):
            procs.append(subprocess.Popen([sys.executable, "-c", BUSY, str(seconds)]))
        time.sleep(0.2 if k else 0)  # let them start spinning
        yield procs
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


class EpochClock:
    """Wall-clock and CPU seconds (all threads of the process) of each epoch; ``sync``
    (a GPU's synchronize) runs before the clock is read, so that an epoch ends when its
    last kernel does."""

    def __init__(self, sync=None):
        self.times, self.cpu = [], []
        self.sync = sync or (lambda: None)

    def start(self):
        self.sync()
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def stop(self):
        self.sync()
        self.times.append(time.perf_counter() - self._wall)
        self.cpu.append(time.process_time() - self._cpu)


def device_sync(device: str):
    """The synchronize of a GPU runner's device ('cupy' or 'cuda'), None on the CPU."""
    if device == "cupy":
        import cupy

        return cupy.cuda.Device().synchronize
    if device == "cuda":
        import torch

        return torch.cuda.synchronize
    return None


# -- lucidnet -----------------------------------------------------------------------
def lucid_model(spec: dict):
    from lucidnet import nn

    sizes = layer_sizes(spec)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def lucid_loss():
    """The fused softmax cross-entropy on logits, for the Trainer."""
    import functools

    from lucidnet import functional as F

    return functools.partial(F.sparse_categorical_crossentropy, from_logits=True)


class LucidRunner:
    """A lucidnet model with Adam and an epoch clock on ``backend`` ('numpy', or 'cupy'
    for the GPU): the subclass's ``build`` and ``_train`` run inside that backend."""

    def __init__(self, spec, X, y, seed=0, backend="numpy"):
        import lucidnet
        from lucidnet import optim

        self.backend = backend
        self.clock = EpochClock(device_sync(backend))
        with lucidnet.backend.use_backend(backend):
            lucidnet.manual_seed(seed)
            self.model = self.make_model(spec)
            self.optimizer = optim.Adam(self.model.parameters(), lr=1e-3)
            self.build(spec, X, y, seed)

    def make_model(self, spec):
        return lucid_model(spec)

    def train(self, epochs: int, initial_epoch: int = 0) -> list[float]:
        import lucidnet

        with lucidnet.backend.use_backend(self.backend):
            return self._train(epochs, initial_epoch)


def epoch_timer(clock):
    """A callback that starts ``clock`` at each epoch's beginning and stops it at its end."""
    from lucidnet.training import Callback

    class EpochTimer(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            clock.start()

        def on_epoch_end(self, epoch, logs=None):
            clock.stop()

    return EpochTimer()


class LucidFit(LucidRunner):
    """Trainer.fit(epochs=N) once; a callback times each epoch."""

    def build(self, spec, X, y, seed):
        from lucidnet.training import Trainer

        self.trainer = Trainer(self.model, lucid_loss(), self.optimizer, seed=seed)
        self.X, self.y, self.batch = X, y, spec["batch"]
        self.timer = epoch_timer(self.clock)

    def _train(self, epochs: int, initial_epoch: int) -> list[float]:
        history = self.trainer.fit(self.X, self.y, batch_size=self.batch,
                                   epochs=initial_epoch + epochs, initial_epoch=initial_epoch,
                                   verbose=0, callbacks=[self.timer])
        return [float(v) for v in history.history["loss"]]


class LucidFitSoftmax(LucidFit):
    """Trainer.fit on the Keras door's model and loss: a softmax output layer and the
    cross-entropy of probabilities."""

    def make_model(self, spec):
        from lucidnet import nn

        return nn.Sequential(*lucid_model(spec), nn.Softmax())

    def build(self, spec, X, y, seed):
        from lucidnet.training import Trainer

        self.trainer = Trainer(self.model, "sparse_categorical_crossentropy", self.optimizer,
                               seed=seed)
        self.X, self.y, self.batch = X, y, spec["batch"]
        self.timer = epoch_timer(self.clock)


class LucidKeras(LucidFit):
    """The course's Keras code on lucidnet::

        model = keras.Sequential([keras.Input((d,)), Dense(h, activation='relu'), …,
                                  Dense(C, activation='softmax')])
        model.compile('adam', 'sparse_categorical_crossentropy');  model.fit(X, y, …)
    """

    def make_model(self, spec):
        from lucidnet import keras

        sizes = layer_sizes(spec)
        model = keras.Sequential([keras.Input((sizes[0],))])
        for units in sizes[1:-1]:
            model.add(keras.layers.Dense(units, activation="relu"))
        model.add(keras.layers.Dense(sizes[-1], activation="softmax"))
        return model

    def build(self, spec, X, y, seed):
        self.model.compile("adam", "sparse_categorical_crossentropy")
        self.optimizer, self.trainer = self.model.optimizer, self.model
        self.X, self.y, self.batch = X, y, spec["batch"]
        self.timer = epoch_timer(self.clock)


class LucidCLI(LucidKeras):
    """The model ``lucidnet train`` builds and compiles (``cli._build_model`` with the
    command's defaults: he_normal, Keras Adam at 1e-3, metrics=['accuracy'])."""

    def make_model(self, spec):
        import argparse

        import numpy as np

        from lucidnet import cli

        sizes = layer_sizes(spec)
        # the CLI scales raw features inside the model (a Normalization first); the
        # benchmark's data are standardized already: mean 0, variance 1
        data = argparse.Namespace(name="benchmark", task="multiclass",
                                  x_train=np.empty((1, sizes[0]), np.float32),
                                  y_train=np.arange(sizes[-1]), output_units=sizes[-1],
                                  scaling=(np.zeros(sizes[0], np.float32),
                                           np.ones(sizes[0], np.float32)))
        args = cli._parser().parse_args(
            ["train", "--hidden", *map(str, sizes[1:-1])])
        return cli._build_model(data, args)

    def build(self, spec, X, y, seed):  # compiled by the CLI's own code
        self.optimizer, self.trainer = self.model.optimizer, self.model
        self.X, self.y, self.batch = X, y, spec["batch"]
        self.timer = epoch_timer(self.clock)


class LucidLoop(LucidRunner):
    """The PyTorch-style loop on lucidnet: DataLoader, nn, optim, nn.CrossEntropyLoss."""

    def build(self, spec, X, y, seed):
        from lucidnet import nn
        from lucidnet.training import DataLoader

        self.criterion = nn.CrossEntropyLoss()
        self.loader = DataLoader((X, y), batch_size=spec["batch"], shuffle=True, seed=seed)

    def _train(self, epochs: int, initial_epoch: int) -> list[float]:
        model, optimizer, criterion = self.model, self.optimizer, self.criterion
        losses = []
        for epoch in range(initial_epoch, initial_epoch + epochs):
            self.clock.start()
            self.loader.set_epoch(epoch)
            total, seen = 0.0, 0
            for xb, yb in self.loader:
                loss = criterion(model(xb), yb)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                n = yb.shape[0]
                total += float(loss.data) * n
                seen += n
            self.clock.stop()
            losses.append(total / seen)
        return losses


def lucid_float32_check(runner) -> dict:
    """One more epoch with every Function's forward/backward and the optimizer's update
    wrapped: any floating array that is not float32 is recorded with its operation.
    Then the dtypes of parameters, gradients and optimizer state are asserted."""
    import numpy as np

    from lucidnet.autograd import Function
    from lucidnet.optim.optimizer import Optimizer

    found = []

    def bad(array):
        return hasattr(array, "dtype") and array.dtype.kind == "f" and array.dtype != np.float32

    def note(where, arrays):
        for a in arrays if isinstance(arrays, tuple) else (arrays,):
            if bad(a):
                found.append(f"{where}: {a.dtype} {getattr(a, 'shape', '')}")

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    saved = []

    def wrap(cls, name, make):
        if name in vars(cls):
            saved.append((cls, name, vars(cls)[name]))
            setattr(cls, name, make(vars(cls)[name], cls.__name__))

    def forward(f, who):
        def wrapped(self, *arrays):
            out = f(self, *arrays)
            note(f"{who}.forward", out)
            return out
        return wrapped

    def backward(f, who):
        def wrapped(self, dY):
            note(f"{who}.backward dY", dY)
            out = f(self, dY)
            note(f"{who}.backward", out)
            return out
        return wrapped

    def update(f, who):
        def wrapped(self, theta, g, state, group):
            note(f"{who}.update g", g)
            f(self, theta, g, state, group)
            note(f"{who}.update theta", theta)
            for k, v in state.items():
                note(f"{who}.update state[{k!r}]", v)
        return wrapped

    for cls in subclasses(Function):
        wrap(cls, "forward", forward)
        wrap(cls, "backward", backward)
    for cls in subclasses(Optimizer):
        wrap(cls, "update", update)
    try:
        runner.train(1, initial_epoch=1000)
    finally:
        for cls, name, original in reversed(saved):
            setattr(cls, name, original)
    params = list(runner.model.parameters())
    dtypes = {
        "parameters": sorted({str(p.data.dtype) for p in params}),
        "gradients": sorted({str(p.grad.dtype) for p in params if p.grad is not None}),
        "optimizer_state": sorted({str(v.dtype) for s in runner.optimizer.state.values()
                                   for v in s.values() if hasattr(v, "dtype")}),
    }
    tiny = np.finfo(np.float32).tiny
    counts = {}  # state name -> [subnormal entries, entries]
    for s in runner.optimizer.state.values():
        for k, v in s.items():
            if hasattr(v, "dtype") and v.dtype.kind == "f":
                c = counts.setdefault(k, [0, 0])
                c[0] += int(((v != 0) & (np.abs(v) < tiny)).sum())
                c[1] += v.size
    ok = not found and all(v == ["float32"] for v in dtypes.values())
    assert ok, f"float64 on lucidnet's hot path: {found[:10]} {dtypes}"
    return {"float32_only": ok, "dtypes": dtypes, "wrapped_functions": len(saved),
            "subnormal_fraction": {k: round(a / max(b, 1), 4) for k, (a, b) in counts.items()}}


# -- PyTorch ------------------------------------------------------------------------
def torch_model(spec):
    import torch

    sizes = layer_sizes(spec)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def csr_rows_to_torch_coo(X, rows):
    """Rows of a SciPy CSR matrix as a coalesced torch sparse COO tensor."""
    import numpy as np
    import torch

    batch = X[rows]
    counts = np.diff(batch.indptr)
    row = np.repeat(np.arange(batch.shape[0]), counts)
    index = torch.from_numpy(np.vstack([row, batch.indices]).astype(np.int64))
    return torch.sparse_coo_tensor(index, torch.from_numpy(batch.data), size=batch.shape,
                                   is_coalesced=True)


class TorchLoop:
    """The idiomatic fast PyTorch loop: tensors indexed by a random permutation."""

    def __init__(self, spec, X, y, seed=0, fused=False, sparse=False, device="cpu"):
        import torch

        torch.manual_seed(seed)
        self.model = torch_model(spec).to(device)
        kwargs = {"fused": True} if fused else {}
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3, **kwargs)
        self.criterion = torch.nn.CrossEntropyLoss()
        self.sparse, self.device = sparse, device
        self.X = X if sparse else torch.from_numpy(X).to(device)
        self.y = torch.from_numpy(y).to(device)
        self.batch, self.seed = spec["batch"], seed
        self.clock = EpochClock(device_sync(device))

    def train(self, epochs: int, initial_epoch: int = 0) -> list[float]:
        import torch

        model, optimizer, criterion = self.model, self.optimizer, self.criterion
        n, losses = self.y.shape[0], []
        for epoch in range(initial_epoch, initial_epoch + epochs):
            self.clock.start()
            order = torch.randperm(n, generator=torch.Generator().manual_seed(self.seed + epoch))
            order = order.to(self.device)
            total = 0.0
            for start in range(0, n, self.batch):
                idx = order[start:start + self.batch]
                xb = csr_rows_to_torch_coo(self.X, idx.numpy()) if self.sparse else self.X[idx]
                yb = self.y[idx]
                loss = criterion(model(xb), yb)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += loss.item() * yb.shape[0]
            self.clock.stop()
            losses.append(total / n)
        return losses


# -- a hand-written NumPy MLP ----------------------------------------------------------
class NumpyMLP:
    """The careful NumPy program the issue measured against PyTorch: ReLU MLP, softmax
    cross-entropy, Adam, written out by hand. Parameters and gradients are views of one
    flat buffer each (products write their gradients in place), Adam is 12 vector
    operations on the buffers, the batch is one gather. PyTorch's initialization."""

    def __init__(self, spec, X, y, seed=0):
        import numpy as np

        sizes = layer_sizes(spec)
        shapes = [s for a, b in zip(sizes, sizes[1:]) for s in ((a, b), (b,))]
        counts = [int(np.prod(s)) for s in shapes]
        ends = np.cumsum(counts)
        self.theta, self.grad = (np.empty(ends[-1], np.float32) for _ in range(2))
        self.m, self.v, self.tmp = (np.zeros(ends[-1], np.float32) for _ in range(3))

        def views(buffer):
            return [buffer[e - c:e].reshape(s) for e, c, s in zip(ends, counts, shapes)]

        rng = np.random.default_rng(seed)
        for (a, _), W, b in zip(shapes[::2], views(self.theta)[::2], views(self.theta)[1::2]):
            bound = 1 / np.sqrt(a)  # PyTorch's Linear: U(−1/√fan_in, 1/√fan_in)
            W[...], b[...] = rng.uniform(-bound, bound, W.shape), rng.uniform(-bound, bound, b.shape)
        self.W, self.b = views(self.theta)[::2], views(self.theta)[1::2]
        self.dW, self.db = views(self.grad)[::2], views(self.grad)[1::2]
        self.X, self.y, self.batch, self.seed, self.t = X, y, spec["batch"], seed, 0
        self.clock = EpochClock()

    def step(self, xb, yb) -> float:
        import numpy as np

        acts = [xb]
        for k, (W, b) in enumerate(zip(self.W, self.b)):
            h = acts[-1] @ W
            h += b
            if k < len(self.W) - 1:
                np.maximum(h, 0, out=h)
            acts.append(h)
        n, rows = xb.shape[0], np.arange(xb.shape[0])
        p = acts.pop()
        p -= p.max(axis=1, keepdims=True)
        np.exp(p, out=p)
        p /= p.sum(axis=1, keepdims=True)
        loss = -float(np.log(p[rows, yb]).mean())
        p[rows, yb] -= 1  # dL/do = (softmax(o) − onehot(y)) / n
        p *= np.float32(1 / n)
        d = p
        for k in range(len(self.W) - 1, -1, -1):
            a = acts[k]
            np.matmul(a.T, d, out=self.dW[k])
            d.sum(axis=0, out=self.db[k])
            if k:
                d = d @ self.W[k].T
                d *= a > 0
        self.t += 1
        c = (1 - 0.999**self.t) ** 0.5
        m, v, a, g = self.m, self.v, self.tmp, self.grad
        np.subtract(g, m, out=a)
        a *= 0.1
        m += a
        v *= 0.999
        np.multiply(g, g, out=a)
        a *= 0.001
        v += a
        np.sqrt(v, out=a)
        a += 1e-8 * c
        np.divide(m, a, out=a)
        a *= 1e-3 * c / (1 - 0.9**self.t)
        self.theta -= a
        return loss

    def train(self, epochs: int, initial_epoch: int = 0) -> list[float]:
        import numpy as np

        n, losses = self.y.shape[0], []
        for epoch in range(initial_epoch, initial_epoch + epochs):
            self.clock.start()
            order = np.random.default_rng((self.seed, epoch)).permutation(n)
            total = 0.0
            for start in range(0, n, self.batch):
                idx = order[start:start + self.batch]
                total += self.step(self.X.take(idx, axis=0), self.y.take(idx)) * idx.size
            self.clock.stop()
            losses.append(total / n)
        return losses


# -- scikit-learn -------------------------------------------------------------------
class SklearnMLP:
    def __init__(self, spec, X, y, seed=0):
        import numpy as np
        from sklearn.neural_network import MLPClassifier

        self.model = MLPClassifier(hidden_layer_sizes=spec["hidden"], activation="relu",
                                   solver="adam", alpha=0.0, batch_size=spec["batch"],
                                   learning_rate_init=1e-3, shuffle=True, random_state=seed)
        self.X, self.y, self.classes = X, y, np.arange(spec["classes"])
        self.clock = EpochClock()

    def train(self, epochs: int, initial_epoch: int = 0) -> list[float]:
        losses = []
        for _ in range(epochs):
            self.clock.start()
            self.model.partial_fit(self.X, self.y, classes=self.classes)
            self.clock.stop()
            losses.append(float(self.model.loss_))
        return losses


# -- GEMM floors --------------------------------------------------------------------
class GemmFloor:
    """An epoch of only the matrix products of the MLP's training step, per batch:
    forward Xₗ Wₗ for every layer, backward dW = Xₗᵀ dY for every layer and
    dX = dY Wₗᵀ for every layer but the first. Outputs are preallocated."""

    def __init__(self, spec, X, y, seed=0, lib="numpy"):
        import numpy as np

        self.spec, self.lib, self.X = spec, lib, X
        rng = np.random.default_rng(seed)
        sizes = layer_sizes(spec)
        self.sizes = sizes
        self.W = [rng.standard_normal((a, b), dtype=np.float32) for a, b in zip(sizes, sizes[1:])]
        B = spec["batch"]
        self.A = [rng.standard_normal((B, a), dtype=np.float32) for a in sizes]
        self.clock = EpochClock()

    def train(self, epochs: int, initial_epoch: int = 0) -> list[float]:
        import numpy as np

        spec, W, A = self.spec, self.W, self.A
        if self.lib == "torch":
            import torch

            W = [torch.from_numpy(w) for w in W]
            A = [torch.from_numpy(a) for a in A]
            mm = lambda a, b, out: torch.mm(a, b, out=out)  # noqa: E731
            empty = lambda shape: torch.empty(shape)  # noqa: E731
        else:
            mm = lambda a, b, out: np.matmul(a, b, out=out)  # noqa: E731
            empty = lambda shape: np.empty(shape, np.float32)  # noqa: E731
        sizes, layers = self.sizes, len(W)
        full = spec["batch"]
        out_fwd = [empty((full, b)) for b in sizes[1:]]
        out_dx = [empty((full, a)) for a in sizes[:-1]]
        out_dw = [empty((a, b)) for a, b in zip(sizes, sizes[1:])]
        n = self.X.shape[0]
        for _ in range(epochs):
            self.clock.start()
            for start in range(0, n, full):
                b = min(full, n - start)
                for k in range(layers):
                    mm(A[k][:b], W[k], out_fwd[k][:b])
                    mm(A[k][:b].T, A[k + 1][:b], out_dw[k])
                    if k > 0:
                        mm(A[k + 1][:b], W[k].T, out_dx[k][:b])
            self.clock.stop()
        return []


class SparseGemmFloor(GemmFloor):
    """The sparse floor: the CSR rows are gathered outside the clock; the products of
    the first layer are SciPy's (X W and Xᵀ dY), the others NumPy's."""

    def train(self, epochs: int, initial_epoch: int = 0) -> list[float]:
        import numpy as np

        W, A, sizes, full = self.W, self.A, self.sizes, self.spec["batch"]
        n = self.X.shape[0]
        rows = np.random.default_rng(0).permutation(n)
        batches = [self.X[rows[s:s + full]] for s in range(0, n, full)]
        out_fwd = [np.empty((full, b), np.float32) for b in sizes[1:]]
        out_dx = [np.empty((full, a), np.float32) for a in sizes[:-1]]
        out_dw = [np.empty((a, b), np.float32) for a, b in zip(sizes, sizes[1:])]
        for _ in range(epochs):
            self.clock.start()
            for xb in batches:
                b = xb.shape[0]
                xb @ W[0]
                xb.T @ A[1][:b]
                for k in range(1, len(W)):
                    np.matmul(A[k][:b], W[k], out=out_fwd[k][:b])
                    np.matmul(A[k][:b].T, A[k + 1][:b], out=out_dw[k])
                    np.matmul(A[k + 1][:b], W[k].T, out=out_dx[k][:b])
            self.clock.stop()
        return []


# -- one run in a fresh process -----------------------------------------------------
def make_runner(framework, spec, X, y):
    if framework in ("lucid_fit", "lucid_fit_csr"):
        return LucidFit(spec, X, y)
    if framework == "lucid_fit_softmax":
        return LucidFitSoftmax(spec, X, y)
    if framework == "lucid_keras":
        return LucidKeras(spec, X, y)
    if framework == "lucid_cli":
        return LucidCLI(spec, X, y)
    if framework in ("lucid_loop", "lucid_loop_csr"):
        return LucidLoop(spec, X, y)
    if framework == "lucid_fit_gpu":
        return LucidFit(spec, X, y, backend="cupy")
    if framework == "lucid_loop_gpu":
        return LucidLoop(spec, X, y, backend="cupy")
    if framework in ("torch_cuda", "torch_cuda_fused"):
        return TorchLoop(spec, X, y, fused=framework == "torch_cuda_fused", device="cuda")
    if framework == "torch":
        return TorchLoop(spec, X, y)
    if framework == "torch_fused":
        return TorchLoop(spec, X, y, fused=True)
    if framework == "torch_coo":
        return TorchLoop(spec, X, y, fused=True, sparse=True)
    if framework in ("sklearn", "sklearn_csr"):
        return SklearnMLP(spec, X, y)
    if framework == "numpy_mlp":
        return NumpyMLP(spec, X, y)
    if framework == "gemm_numpy":
        return GemmFloor(spec, X, y)
    if framework == "gemm_torch":
        return GemmFloor(spec, X, y, lib="torch")
    if framework == "gemm_csr":
        return SparseGemmFloor(spec, X, y)
    raise ValueError(f"unknown framework {framework!r}")


def worker(args) -> dict:
    spec = json.loads(args.spec)
    framework = args.worker
    result = {"framework": framework}
    threads = None if args.threads == "auto" else int(args.threads)
    if framework.startswith(("torch", "gemm_torch")):
        import torch

        if threads is not None:
            torch.set_num_threads(threads)
        result["torch_threads"] = torch.get_num_threads()
    import numpy  # noqa: F401  (the pools exist before threads are set)

    if framework.startswith("lucid"):
        import lucidnet  # noqa: F401
    if framework.startswith("sklearn"):
        import sklearn.neural_network  # noqa: F401
    result["threads"] = set_threads(threads)
    X, y = load_data(args.data, spec, FRAMEWORKS[framework][1])
    result["load_average"] = os.getloadavg()[0]
    # warm up the framework's code paths (lazy libraries, kernels) on a small model and
    # a few batches, so that the memory measured below is the training's, not the
    # framework's one-time start-up (reported apart as 'init')
    before = _status("VmRSS")
    small = dict(spec, hidden=(8,), batch=32)
    make_runner(framework, small, X[:64], y[:64]).train(1)
    gc.collect()
    peak_ok = reset_peak()
    base = _status("VmRSS")
    result["init_rss"] = base - before
    runner = make_runner(framework, spec, X, y)
    losses = runner.train(args.epochs)
    result["peak_rss_delta"] = (_status("VmHWM") if peak_ok else 0) - base
    result["peak_rss_reset"] = peak_ok
    result["epoch_times"] = list(runner.clock.times)
    result["epoch_cpu"] = list(runner.clock.cpu)
    result["losses"] = losses
    result["load_average_end"] = os.getloadavg()[0]
    if framework.startswith("lucid"):  # what lucidnet's optimizer chose, and why
        result["thread_choice"] = repr(runner.optimizer.thread_choice)
        result["threads"]["after"] = set_threads(None)["pools"]
    if args.checks and framework in NUMPY_BASED:
        import tracemalloc

        tracemalloc.start()
        tracemalloc.reset_peak()
        runner.train(1, initial_epoch=500)
        result["tracemalloc_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    if args.checks and framework in LUCID:
        result["float32_check"] = lucid_float32_check(runner)
    if framework.startswith("sklearn"):
        result["sklearn_dtypes"] = sorted({str(c.dtype) for c in runner.model.coefs_})
    return result


# -- the parent: interleaved runs and the tables ------------------------------------
def run_child(framework, workload, spec, data, epochs, threads, checks,
              wait_policy="default") -> dict:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        if threads == "auto":
            env.pop(var, None)
        else:
            env[var] = str(threads)
    if wait_policy != "default":
        env["OMP_WAIT_POLICY"] = wait_policy
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", framework,
           "--spec", json.dumps(spec), "--data", data, "--epochs", str(epochs),
           "--threads", str(threads)] + (["--checks"] if checks else [])
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{framework} on {workload} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall"] = time.perf_counter() - t0
    return result


def epoch_seconds(times: list[float]) -> float:
    """The median of epochs 2..N (all of them when N = 1)."""
    return statistics.median(times[1:] or times)


def summarize(workload, spec, runs: dict, reference: str = REFERENCES["cpu"]) -> dict:
    """Per framework: medians over repeats, and ratios to ``reference`` per repeat."""
    rows = {}
    ref = [epoch_seconds(r["epoch_times"]) for r in runs.get(reference, [])]
    gemm = [epoch_seconds(r["epoch_times"]) for r in runs.get("gemm_numpy", [])]
    gemm_csr = [epoch_seconds(r["epoch_times"]) for r in runs.get("gemm_csr", [])]
    ref_mem = [r["peak_rss_delta"] for r in runs.get(reference, [])]
    ref_cpu = [epoch_seconds(r["epoch_cpu"]) for r in runs.get(reference, [])]
    for fw, results in runs.items():
        secs = [epoch_seconds(r["epoch_times"]) for r in results]
        row = {"seconds": statistics.median(secs), "per_repeat": secs,
               "samples_per_s": spec["n"] / statistics.median(secs),
               "peak_rss_mb": statistics.median(r["peak_rss_delta"] for r in results) / 2**20,
               "init_rss_mb": statistics.median(r["init_rss"] for r in results) / 2**20,
               "load_average": statistics.median(r["load_average"] for r in results),
               "final_loss": results[0]["losses"][-1] if results[0]["losses"] else None}
        cpu = [epoch_seconds(r["epoch_cpu"]) for r in results]
        row["cpu_seconds"] = statistics.median(cpu)
        if ref:
            ratios = [s / r for s, r in zip(secs, ref)]
            row["ratio"] = statistics.median(ratios)
            row["ratio_range"] = [min(ratios), max(ratios)]
            cpu_ratios = [c / r for c, r in zip(cpu, ref_cpu)]
            row["cpu_ratio"] = statistics.median(cpu_ratios)
            row["cpu_ratio_range"] = [min(cpu_ratios), max(cpu_ratios)]
        for door, key in (("lucid_fit_softmax", "door_ratio"), ("lucid_fit", "fit_ratio")):
            for clock, suffix, mine in (("epoch_times", "", secs), ("epoch_cpu", "_cpu", cpu)):
                trainer_door = [epoch_seconds(r[clock]) for r in runs.get(door, [])]
                if fw in ("lucid_keras", "lucid_cli") and trainer_door:
                    doors = [s / t for s, t in zip(mine, trainer_door)]
                    row[key + suffix] = statistics.median(doors)
                    row[key + suffix + "_range"] = [min(doors), max(doors)]
        if ref_mem and min(ref_mem) >= MEMORY_FLOOR:
            mem = [r["peak_rss_delta"] / m for r, m in zip(results, ref_mem)]
            row["memory_ratio"] = statistics.median(mem)
        floor = gemm_csr if FRAMEWORKS[fw][1] else gemm
        if floor and not fw.startswith("gemm"):
            row["gemm_fraction"] = statistics.median(f / s for f, s in zip(floor, secs))
        for r in results:
            if "tracemalloc_peak" in r:
                row["tracemalloc_mb"] = r["tracemalloc_peak"] / 2**20
            if "float32_check" in r:
                row["float32_check"] = r["float32_check"]
            if "sklearn_dtypes" in r:
                row["sklearn_dtypes"] = r["sklearn_dtypes"]
        rows[fw] = row
    return rows


def machine() -> dict:
    import numpy

    info = {"date": datetime.date.today().isoformat(), "python": platform.python_version(),
            "numpy": numpy.__version__, "platform": platform.platform(),
            "cores": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next(line.split(":", 1)[1].strip() for line in f
                               if line.startswith("model name"))
    except (OSError, StopIteration):
        info["cpu"] = platform.processor()
    for mod in ("torch", "sklearn", "scipy"):
        try:
            info[mod] = __import__(mod).__version__
        except ImportError:
            info[mod] = None
    try:
        import keras  # noqa: F401

        info["keras"] = keras.__version__
    except ImportError:
        info["keras"] = None
    try:
        info["load_average"] = os.getloadavg()
    except OSError:
        pass
    # the BLAS and OpenMP libraries loaded (NumPy's, SciPy's, PyTorch's): kernels, threads
    info["blas"] = set_threads(None)["pools"]
    try:  # the library measured: commit, and whether src/ differs from it
        git = ["git", "-C", os.path.dirname(HERE)]
        info["commit"] = subprocess.run(git + ["rev-parse", "--short", "HEAD"], text=True,
                                        capture_output=True).stdout.strip()
        info["src_modified"] = bool(subprocess.run(
            git + ["status", "--porcelain", "--", "src"], text=True,
            capture_output=True).stdout.strip())
    except OSError:
        pass
    return info


def check_gpu(frameworks) -> str:
    """The GPU's name, or SystemExit naming what the GPU frameworks asked for lack."""
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() == 0:
            raise RuntimeError("CuPy sees no GPU")
        name = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
    except (ImportError, RuntimeError) as err:  # no CuPy; no driver (CUDARuntimeError)
        raise SystemExit(f"--device gpu: lucidnet's GPU backend needs CuPy and a GPU: {err}")
    if any(f.startswith("torch") for f in frameworks):
        import torch

        if not torch.cuda.is_available():
            raise SystemExit(f"--device gpu: PyTorch {torch.__version__} has no CUDA device; "
                             "run --frameworks lucid_fit_gpu lucid_loop_gpu alone")
    return name


def fmt(x, digits=3):
    return "—" if x is None else f"{x:.{digits}g}"


def table(workload, spec, rows, epochs, repeats, reference=REFERENCES["cpu"]) -> str:
    lines = [f"### {workload}: {spec['n']:,} × {spec['d']:,}, "
             f"{'-'.join(map(str, layer_sizes(spec)))} ReLU, batch {spec['batch']}, "
             f"{epochs} epochs × {repeats} repeats", "",
             f"| framework | s/epoch | samples/s | ratio to {reference} (range) | CPU s/epoch | "
             "CPU ratio | peak RSS Δ MB | mem ratio | init MB | tracemalloc MB | "
             "GEMM fraction | final loss | load |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for fw, row in rows.items():
        ratio = "—" if "ratio" not in row else (
            f"{row['ratio']:.2f} ({row['ratio_range'][0]:.2f}–{row['ratio_range'][1]:.2f})")
        lines.append(
            f"| {fw} | {row['seconds']:.4f} | {row['samples_per_s']:,.0f} | {ratio} | "
            f"{row['cpu_seconds']:.4f} | {fmt(row.get('cpu_ratio'), 2)} | "
            f"{row['peak_rss_mb']:.1f} | {fmt(row.get('memory_ratio'), 2)} | "
            f"{row['init_rss_mb']:.0f} | {fmt(row.get('tracemalloc_mb'), 3)} | "
            f"{fmt(row.get('gemm_fraction'), 2)} | {fmt(row.get('final_loss'), 4)} | "
            f"{row['load_average']:.1f} |")
    return "\n".join(lines)


def _cpu_cell(row: dict, key: str) -> str:
    """The CPU-time twin of a ratio (process CPU seconds, all threads), with its range."""
    if key not in row:
        return "—"
    low, high = row.get(key + "_range", (row[key], row[key]))
    return f"{row[key]:.2f} ({low:.2f}–{high:.2f})"


def targets_table(summaries: dict, targets=TARGETS) -> str:
    lines = ["| target | lucidnet variant | ratio (range over repeats) | target | met | "
             "CPU ratio (range) |",
             "|---|---|---|---|---|---|"]
    for workload, variants, target, label in targets:
        rows = summaries.get(workload)
        if not rows:
            continue
        for v in variants:
            if v in rows and "ratio" in rows[v]:
                r = rows[v]
                lines.append(f"| {label} | {v} | {r['ratio']:.2f} ({r['ratio_range'][0]:.2f}"
                             f"–{r['ratio_range'][1]:.2f}) | ≤ {target} | "
                             f"{'yes' if r['ratio'] <= target else 'no'} | "
                             f"{_cpu_cell(r, 'cpu_ratio')} |")
    for workload, rows in summaries.items():
        for v in ("lucid_keras", "lucid_cli"):
            for key, door in (("door_ratio", "lucid_fit_softmax"), ("fit_ratio", "lucid_fit")):
                if v in rows and key in rows[v]:
                    r, low, high = rows[v][key], *rows[v][key + "_range"]
                    met = "yes" if r <= DOOR_TARGET else "no"
                    lines.append(f"| {v} over {door}, {workload} | {v} | {r:.2f} ({low:.2f}–"
                                 f"{high:.2f}) | ≤ {DOOR_TARGET} | {met} | "
                                 f"{_cpu_cell(rows[v], key + '_cpu')} |")
        for v in LUCID:
            if v in rows and "memory_ratio" in rows[v]:
                m = rows[v]["memory_ratio"]
                lines.append(f"| peak memory, {workload} | {v} | {m:.2f} | ≤ {MEMORY_TARGET} | "
                             f"{'yes' if m <= MEMORY_TARGET else 'no'} | — |")
    return "\n".join(lines)


def threads_arg(value: str):
    """--threads: a whole number ≥ 1, or 'auto'."""
    if value == "auto":
        return value
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1 or 'auto', got {value!r}")
    return int(value)


LOAD_TARGET = 1.5
"""lucidnet's epoch beside one busy process over its quiet epoch, through every door."""
LOAD_DOORS = ("lucid_keras", "lucid_fit", "lucid_loop")


def load_table(quiet: dict, loaded: dict, k: int) -> str:
    """Per framework: the loaded epoch over the quiet one (per repeat, median), wall and
    CPU, with the load averages seen; the target for lucidnet's doors when K = 1."""
    lines = [f"| framework | quiet s/epoch | beside {k} busy s/epoch | loaded / quiet (range) | "
             "quiet CPU s | loaded CPU s | load quiet / loaded | threads (lucidnet's choice) "
             "| target | met |", "|---|---|---|---|---|---|---|---|---|---|"]
    for fw, runs in loaded.items():
        pairs = [(epoch_seconds(q["epoch_times"]), epoch_seconds(b["epoch_times"]))
                 for q, b in zip(quiet[fw], runs)]
        ratios = [b / q for q, b in pairs]
        ratio = statistics.median(ratios)
        cpu = [statistics.median(epoch_seconds(r["epoch_cpu"]) for r in side)
               for side in (quiet[fw], runs)]
        load = [statistics.median(r["load_average"] for r in side) for side in (quiet[fw], runs)]
        choice = runs[-1].get("thread_choice", "").removeprefix("ThreadChoice")
        target = LOAD_TARGET if k == 1 and fw in LOAD_DOORS else None
        met = "—" if target is None else ("yes" if ratio <= target else "no")
        lines.append(
            f"| {fw} | {statistics.median(q for q, _ in pairs):.4f} | "
            f"{statistics.median(b for _, b in pairs):.4f} | {ratio:.2f} ({min(ratios):.2f}–"
            f"{max(ratios):.2f}) | {cpu[0]:.4f} | {cpu[1]:.4f} | {load[0]:.1f} / {load[1]:.1f} | "
            f"{choice or runs[-1].get('torch_threads', '')} | "
            f"{'—' if target is None else f'≤ {target}'} | {met} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workload", nargs="+", choices=list(WORKLOADS),
                        help="default: reuters mnist tiny on the CPU, and large on the GPU too")
    parser.add_argument("--epochs", type=int,
                        help="epochs per run (default: reuters 5, mnist 5, tiny 400, large 5)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per framework (default 3)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: a fifth of the samples, 3 epochs, 1 repeat")
    parser.add_argument("--frameworks", nargs="+", choices=list(FRAMEWORKS),
                        help="a subset (default: all that apply to the workload)")
    parser.add_argument("--device", choices=["cpu", "gpu"], default="cpu",
                        help="cpu (default) or gpu: lucidnet on CuPy, PyTorch on CUDA")
    parser.add_argument("--threads", type=threads_arg, default=2,
                        help="BLAS/OpenMP/torch threads in every framework (default 2), or "
                             "'auto': each framework's own default (lucidnet chooses)")
    parser.add_argument("--load", type=int, default=0, metavar="K",
                        help="also run each framework beside K busy processes, and report "
                             "loaded / quiet")
    parser.add_argument("--load-seconds", type=float, default=900,
                        help="the longest a busy process lives (default 900)")
    parser.add_argument("--omp-wait-policy", default="default",
                        choices=["PASSIVE", "ACTIVE", "default"],
                        help="OMP_WAIT_POLICY of the runs (default: unset). PASSIVE saves "
                             "PyTorch on an oversubscribed machine and costs it 7× on tiny "
                             "on a quiet one")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "latest.json"),
                        help="JSON of every run (merged by workload)")
    parser.add_argument("--profile", action="store_true",
                        help="per-phase timing and cProfile of lucidnet instead")
    parser.add_argument("--report", metavar="JSON",
                        help="print the tables of a saved --out file, run nothing")
    # internal: one run in a fresh process
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--checks", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        print(json.dumps(worker(args)))
        return
    if args.quick:
        args.repeats = 1
    args.workload = args.workload or DEFAULT_WORKLOADS[args.device]
    if args.report:
        with open(args.report) as f:
            saved = json.load(f)
        for workload, entry in saved.items():
            meta = entry["meta"]
            print(f"\n{meta['date']}, {meta['cpu']}, {meta['threads']} threads, "
                  f"OMP_WAIT_POLICY={meta.get('omp_wait_policy')}, data {entry['facts']}")
            print("\n" + table(workload, entry["spec"], entry["summary"], entry["epochs"],
                                meta["repeats"], REFERENCES[meta.get("device", "cpu")]))
            if "loaded" in entry:
                k = entry["loaded"]["busy"]
                print(f"\nbeside {k} busy process(es):\n\n"
                      + load_table(entry["runs"], entry["loaded"]["runs"], k))
        gpu = any(e["meta"].get("device") == "gpu" for e in saved.values())
        print("\n" + targets_table({w: e["summary"] for w, e in saved.items()},
                                    GPU_TARGETS if gpu else TARGETS))
        return
    if args.profile:
        sys.path.insert(0, HERE)
        import profile_epoch

        profile_epoch.main(args)
        return
    meta = machine()
    meta.update({"epochs": args.epochs, "repeats": args.repeats, "quick": args.quick,
                 "threads": args.threads, "omp_wait_policy": args.omp_wait_policy,
                 "load": args.load,
                 "device": args.device})
    reference = REFERENCES[args.device]
    if args.device == "gpu":
        meta["gpu"] = check_gpu(args.frameworks or GPU)
    print(f"# {meta['date']} {meta['cpu']}, {meta['cores']} cores, lucidnet at "
          f"{meta.get('commit')}{' + changes in src/' if meta.get('src_modified') else ''}, "
          f"Python {meta['python']}, "
          f"NumPy {meta['numpy']}, PyTorch {meta['torch']}, scikit-learn {meta['sklearn']}, "
          f"SciPy {meta['scipy']}; Keras: {meta['keras'] or 'not installed (skipped)'}; "
          f"{args.threads} threads, OMP_WAIT_POLICY={args.omp_wait_policy}; "
          f"BLAS {meta['blas']}; load average {meta.get('load_average')}; "
          f"{f'{args.load} busy processes beside each run, and none; ' if args.load else ''}"
          f"{'GPU ' + meta['gpu'] + '; ' if args.device == 'gpu' else ''}"
          f"{args.epochs or 'per-workload'} epochs × {args.repeats} repeats"
          f"{' (quick)' if args.quick else ''}", flush=True)
    summaries, everything = {}, {}
    for workload in args.workload:
        spec = dict(WORKLOADS[workload])
        epochs = args.epochs or spec["epochs"]
        if args.quick:
            spec["n"] = max(spec["n"] // 5, 4 * spec["batch"])
            epochs = min(epochs, 3)
        names = [f for f in frameworks_for(workload, args.device)
                 if not args.frameworks or f in args.frameworks]
        with tempfile.TemporaryDirectory(prefix=f"lucidnet-bench-{workload}-") as data:
            facts = make_data(spec, data)
            runs = {f: [] for f in names}
            loaded = {f: [] for f in names} if args.load else {}
            for r in range(args.repeats):
                order = names[r % len(names):] + names[:r % len(names)]
                for fw in order:
                    for k in (0, args.load) if args.load else (0,):
                        with busy(k, args.load_seconds) as procs:
                            res = run_child(fw, workload, spec, data, epochs, args.threads,
                                            checks=(r == 0 and not k),
                                            wait_policy=args.omp_wait_policy)
                            res["busy_held"] = all(p.poll() is None for p in procs)
                        (loaded if k else runs)[fw].append(res)
                        secs, mem = epoch_seconds(res["epoch_times"]), res["peak_rss_delta"] / 2**20
                        print(f"  {workload} r{r} {fw:15s} {secs:.4f} s/epoch  peak Δ {mem:7.1f} "
                              f"MB  ({res['wall']:.1f} s){f', {k} busy' if k else ''}"
                              f"{'' if res['busy_held'] else ' (a busy process ended early)'}",
                              file=sys.stderr, flush=True)
        rows = summarize(workload, spec, runs, reference)
        summaries[workload] = rows
        threads = next(iter(runs.values()))[0]["threads"]
        everything[workload] = {"spec": spec, "facts": facts, "meta": meta, "epochs": epochs,
                                "summary": rows,
                                "threads": threads, "runs": runs}
        if loaded:
            everything[workload]["loaded"] = {"busy": args.load, "runs": loaded,
                                              "summary": summarize(workload, spec, loaded,
                                                                   reference)}
            print(f"\n#### {workload} beside {args.load} busy process(es)\n\n"
                  + load_table(runs, loaded, args.load), flush=True)
        print("\n" + table(workload, spec, rows, epochs, args.repeats, reference), flush=True)
        print(f"\ndata: {facts}; pools: {threads.get('pools')}")
        for fw, row in rows.items():
            if "float32_check" in row:
                print(f"{fw}: float32 check {row['float32_check']}")
            if "sklearn_dtypes" in row:
                print(f"{fw}: scikit-learn coefficient dtypes {row['sklearn_dtypes']}")
    print("\n## Targets (lucidnet / PyTorch eager with fused Adam, median over repeats)\n")
    print(targets_table(summaries, GPU_TARGETS if args.device == "gpu" else TARGETS))
    if args.out:
        os.makedirs(os.path.dirname(args.out), exist_ok=True)
        saved = {}
        if os.path.exists(args.out):
            with open(args.out) as f:
                saved = json.load(f)
        saved.update(everything)
        with open(args.out, "w") as f:
            json.dump(saved, f, indent=1, default=str)
        print(f"\nresults: {os.path.relpath(args.out)}")


if __name__ == "__main__":
    main()
