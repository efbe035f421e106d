"""Where lucidnet's training epoch spends its time: ``python benchmarks/run.py --profile``.

Three measurements on each workload named by ``--workload`` (default mnist and tiny):

1. A per-phase clock around one training loop written once and run on lucidnet and on
   PyTorch (fused Adam): fetching the batch, the model's forward, the loss, zero_grad,
   backward, the optimizer step, and reading the loss as a float. perf_counter costs
   ~0.1 µs a call, so the phases add up to the epoch.
2. cProfile of one epoch of ``Trainer.fit`` (after a warm-up epoch): self time by
   function, and by category (forward, backward, optimizer, batching, engine and
   callbacks, metrics), a NumPy call counted in the category of the Python function
   that called it. cProfile slows Python-heavy code, so its total exceeds the
   unprofiled epoch; the shares are what to read.
3. The Adam update alone on the model's parameter shapes: lucidnet's ``optim.Adam``,
   the same update in NumPy on one flat buffer (all parameters as one vector, the
   layout DESIGN.md proposes), and PyTorch's for-loop and fused Adam; plus what
   ``Trainer.fit`` costs with ``metrics=['accuracy']``.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

PHASES = ("batch", "forward", "loss", "zero_grad", "backward", "step", "item")


def phase_loop(next_batch, steps, model, criterion, optimizer, item) -> dict:
    """One epoch of ``steps`` batches with a clock between phases; seconds per phase."""
    clock = time.perf_counter
    acc = dict.fromkeys(PHASES, 0.0)
    for _ in range(steps):
        t0 = clock()
        xb, yb = next_batch()
        t1 = clock()
        out = model(xb)
        t2 = clock()
        loss = criterion(out, yb)
        t3 = clock()
        optimizer.zero_grad()
        t4 = clock()
        loss.backward()
        t5 = clock()
        optimizer.step()
        t6 = clock()
        item(loss)
        t7 = clock()
        for name, a, b in zip(PHASES, (t0, t1, t2, t3, t4, t5, t6), (t1, t2, t3, t4, t5, t6, t7)):
            acc[name] += b - a
    return acc


def lucid_phases(spec, X, y, epochs=3) -> dict:
    import lucidnet
    from lucidnet import nn, optim
    from lucidnet.training import DataLoader
    from run import lucid_model

    lucidnet.manual_seed(0)
    model = lucid_model(spec)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader((X, y), batch_size=spec["batch"], shuffle=True, seed=0)
    runs = []
    for epoch in range(epochs):
        loader.set_epoch(epoch)
        it = iter(loader)
        runs.append(phase_loop(lambda: next(it), len(loader), model, nn.CrossEntropyLoss(),
                               optimizer, lambda loss: float(loss.data)))
    return {k: statistics.median(r[k] for r in runs[1:]) for k in PHASES}


def torch_phases(spec, X, y, epochs=3, fused=True) -> dict:
    import torch
    from run import torch_model

    torch.manual_seed(0)
    model = torch_model(spec)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, **({"fused": True} if fused else {}))
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    n, B = len(y), spec["batch"]
    steps = -(-n // B)
    runs = []
    for epoch in range(epochs):
        order = torch.randperm(n, generator=torch.Generator().manual_seed(epoch))
        starts = iter(range(0, n, B))

        def next_batch():
            idx = order[(s := next(starts)):s + B]
            return Xt[idx], yt[idx]

        runs.append(phase_loop(next_batch, steps, model, torch.nn.CrossEntropyLoss(),
                               optimizer, lambda loss: loss.item()))
    return {k: statistics.median(r[k] for r in runs[1:]) for k in PHASES}


# -- cProfile of Trainer.fit ----------------------------------------------------------
def category(key) -> str:
    """The category of a profiled Python function (file, line, name)."""
    path, _, name = key
    path = path.replace("\\", "/")
    if "lucidnet/" not in path:
        return "other"
    mod = path.split("lucidnet/", 1)[1]
    if mod.startswith("optim/"):
        return "optimizer step"
    if mod.startswith("training/data"):
        return "batching"
    if mod.startswith(("training/metrics", "training/ratio_metrics")):
        return "metrics"
    if mod.startswith(("training/callbacks", "training/progress", "training/metric_callbacks")):
        return "callbacks"
    if mod.startswith(("training/engine", "training/outputs", "training/inputs")):
        return "engine (fit loop)"
    if name == "backward" or name in ("_topological_order", "_sum_to_shape", "_accumulate_leaf"):
        return "backward"
    if name in ("zero_grad",):
        return "optimizer step"
    return "forward"


def profile_fit(spec, X, y) -> tuple[dict, list, float, float]:
    """(seconds by category, top functions, profiled epoch, unprofiled epoch)."""
    import lucidnet
    from lucidnet import optim
    from lucidnet.training import Trainer
    from run import lucid_loss, lucid_model

    lucidnet.manual_seed(0)
    model = lucid_model(spec)
    trainer = Trainer(model, lucid_loss(), optim.Adam(model.parameters(), lr=1e-3), seed=0)
    fit = lambda e: trainer.fit(X, y, batch_size=spec["batch"], epochs=e + 1,  # noqa: E731
                                initial_epoch=e, verbose=0)
    fit(0)
    t0 = time.perf_counter()
    fit(1)
    plain = time.perf_counter() - t0
    profiled, tables = [], []
    for e in range(2, 5):  # three profiled epochs; per function the median (load spikes)
        prof = cProfile.Profile()
        t0 = time.perf_counter()
        prof.enable()
        fit(e)
        prof.disable()
        profiled.append(time.perf_counter() - t0)
        tables.append(pstats.Stats(prof).stats)  # key -> (cc, nc, tt, ct, callers)
    stats = {}
    for key in tables[0]:
        runs = [t[key] for t in tables if key in t]
        tt = statistics.median([r[2] for r in runs] + [0.0] * (len(tables) - len(runs)))
        cc, nc, _, ct, callers = runs[0]
        stats[key] = (cc, nc, tt, statistics.median(r[3] for r in runs), callers)
    shares: dict = {}

    def resolve(key, seen=()):
        """Category fractions of a function: its own if lucidnet's, else its callers'
        (weighted by the cumulative time each spent in it)."""
        if key in shares:
            return shares[key]
        path = key[0].replace("\\", "/")
        if "lucidnet/" in path:
            result = {category(key): 1.0}
        else:
            callers = stats[key][4] if key in stats else {}
            weights = {c: v[3] for c, v in callers.items() if c not in seen and c in stats}
            total = sum(weights.values())
            result = {}
            for c, w in weights.items():
                for cat, f in resolve(c, seen + (key,)).items():
                    result[cat] = result.get(cat, 0.0) + f * (w / total if total else 0.0)
            if not result:
                result = {"other": 1.0}
        shares[key] = result
        return result

    by_cat: dict[str, float] = {}
    rows = []
    for key, (cc, nc, tt, ct, callers) in stats.items():
        for cat, f in resolve(key).items():
            by_cat[cat] = by_cat.get(cat, 0.0) + tt * f
        if key[0] == "~" or key[0].startswith("<"):
            label = key[2]
        else:
            label = f"{key[0].split('lucidnet/')[-1].split('site-packages/')[-1]}:{key[1]} {key[2]}"
        rows.append((tt, nc, ct, label))
    rows.sort(reverse=True)
    return by_cat, rows[:25], statistics.median(profiled), plain


def fit_metrics_cost(spec, X, y) -> tuple[float, float]:
    """Seconds of one fit epoch without and with metrics=['accuracy'] (median of 3)."""
    import lucidnet
    from lucidnet import optim
    from lucidnet.training import Trainer
    from run import lucid_loss, lucid_model

    out = []
    for metrics in (None, ["accuracy"]):
        lucidnet.manual_seed(0)
        model = lucid_model(spec)
        trainer = Trainer(model, lucid_loss(), optim.Adam(model.parameters(), lr=1e-3),
                          metrics=metrics, seed=0)
        times = []
        for e in range(4):
            t0 = time.perf_counter()
            trainer.fit(X, y, batch_size=spec["batch"], epochs=e + 1, initial_epoch=e, verbose=0)
            times.append(time.perf_counter() - t0)
        out.append(statistics.median(times[1:]))
    return out[0], out[1]


# -- the Adam update alone --------------------------------------------------------------
def adam_step_costs(spec, steps=200) -> dict:
    """Microseconds per Adam step on the MLP's parameter shapes."""
    import numpy as np
    import torch

    import lucidnet
    from lucidnet import optim
    from run import lucid_model, torch_model

    lucidnet.manual_seed(0)
    model = lucid_model(spec)
    params = list(model.parameters())
    rng = np.random.default_rng(0)
    for p in params:
        p.grad = rng.standard_normal(p.shape, dtype=np.float32) * 1e-3
    opt = optim.Adam(params, lr=1e-3)

    def clock(step, n=steps):
        step()
        t0 = time.perf_counter()
        for _ in range(n):
            step()
        return (time.perf_counter() - t0) / n * 1e6

    res = {"lucidnet optim.Adam (per parameter)": clock(opt.step)}

    # the same update on one flat float32 buffer, in place, two temporaries
    size = sum(p.size for p in params)
    theta, g = np.zeros(size, np.float32), rng.standard_normal(size, dtype=np.float32) * 1e-3
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    t1, t2 = np.empty_like(theta), np.empty_like(theta)
    state = {"t": 0}

    def flat_step(b1=0.9, b2=0.999, lr=1e-3, eps=1e-8):
        state["t"] += 1
        t = state["t"]
        np.subtract(g, m, out=t1)
        np.multiply(t1, 1 - b1, out=t1)
        np.add(m, t1, out=m)                    # m ← m + (1 − β₁)(g − m)
        np.multiply(g, g, out=t1)
        np.multiply(t1, 1 - b2, out=t1)
        np.multiply(v, b2, out=v)
        np.add(v, t1, out=v)                    # v ← β₂ v + (1 − β₂) g²
        np.sqrt(v, out=t2)
        np.multiply(t2, 1 / (1 - b2**t) ** 0.5, out=t2)
        np.add(t2, eps, out=t2)
        np.divide(m, t2, out=t1)
        np.multiply(t1, lr / (1 - b1**t), out=t1)
        np.subtract(theta, t1, out=theta)       # θ ← θ − α̂ m / (√v̂ + ε)

    res["NumPy, one flat buffer, in place"] = clock(flat_step)

    # the same, blocked: every pass on a 32k-entry chunk (128 KB, in L2) before the next
    # chunk; then the chunks shared by a thread pool (NumPy releases the GIL)
    from concurrent.futures import ThreadPoolExecutor

    block = 32768
    chunks = [slice(a, min(a + block, size)) for a in range(0, size, block)]
    tmp = {c.start: (np.empty(c.stop - c.start, np.float32),
                     np.empty(c.stop - c.start, np.float32)) for c in chunks}

    def chunk_step(c, t, b1=0.9, b2=0.999, lr=1e-3, eps=1e-8):
        gc_, mc, vc, th = g[c], m[c], v[c], theta[c]
        u1, u2 = tmp[c.start]
        np.subtract(gc_, mc, out=u1)
        np.multiply(u1, 1 - b1, out=u1)
        np.add(mc, u1, out=mc)
        np.multiply(gc_, gc_, out=u1)
        np.multiply(u1, 1 - b2, out=u1)
        np.multiply(vc, b2, out=vc)
        np.add(vc, u1, out=vc)
        np.sqrt(vc, out=u2)
        np.multiply(u2, 1 / (1 - b2**t) ** 0.5, out=u2)
        np.add(u2, eps, out=u2)
        np.divide(mc, u2, out=u1)
        np.multiply(u1, lr / (1 - b1**t), out=u1)
        np.subtract(th, u1, out=th)

    def blocked_step():
        state["t"] += 1
        for c in chunks:
            chunk_step(c, state["t"])

    res["NumPy, flat buffer, 32k blocks"] = clock(blocked_step)
    threads = int(os.environ.get("OMP_NUM_THREADS", "1"))
    if threads > 1 and len(chunks) > 1:
        with ThreadPoolExecutor(threads) as pool:
            def pooled_step():
                state["t"] += 1
                t = state["t"]
                list(pool.map(lambda c: chunk_step(c, t), chunks))

            res[f"NumPy, flat buffer, 32k blocks on {threads} threads"] = clock(pooled_step)

    torch.manual_seed(0)
    for fused in (False, True):
        tm = torch_model(spec)
        for p in tm.parameters():
            p.grad = torch.randn_like(p) * 1e-3
        topt = torch.optim.Adam(tm.parameters(), lr=1e-3, **({"fused": True} if fused else {}))
        res[f"PyTorch Adam ({'fused' if fused else 'default for-loop'})"] = clock(topt.step)
    res["parameters"] = size
    return res


def fmt_phases(spec, lucid, torch_) -> str:
    steps = -(-spec["n"] // spec["batch"])
    lines = ["| phase | lucidnet s/epoch | µs/step | PyTorch fused s/epoch | µs/step | ratio |",
             "|---|---|---|---|---|---|"]
    for k in PHASES + ("total",):
        a = sum(lucid.values()) if k == "total" else lucid[k]
        b = sum(torch_.values()) if k == "total" else torch_[k]
        lines.append(f"| {k} | {a:.4f} | {a / steps * 1e6:.0f} | {b:.4f} | "
                     f"{b / steps * 1e6:.0f} | {a / b if b else float('nan'):.2f} |")
    return "\n".join(lines)


def main(args) -> None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    if args.omp_wait_policy != "default":
        os.environ["OMP_WAIT_POLICY"] = args.omp_wait_policy
    import tempfile

    import torch

    torch.set_num_threads(args.threads)
    from run import WORKLOADS, load_data, machine, make_data, set_threads

    threads = set_threads(args.threads)
    meta = machine()
    print(f"# profile {meta['date']} {meta['cpu']}, {meta['cores']} cores, "
          f"{args.threads} threads {threads['pools']}, OMP_WAIT_POLICY={args.omp_wait_policy}, "
          f"load {meta.get('load_average')}")
    workloads = args.workload if args.workload != list(WORKLOADS) else ["mnist", "tiny"]
    for workload in workloads:
        spec = dict(WORKLOADS[workload])
        if args.quick:
            spec["n"] = max(spec["n"] // 5, 4 * spec["batch"])
        sparse = spec["kind"] == "multi-hot"
        with tempfile.TemporaryDirectory() as data:
            make_data(spec, data)
            X, y = load_data(data, spec, sparse=False)
            Xs = load_data(data, spec, sparse=True)[0] if sparse else None
        steps = -(-spec["n"] // spec["batch"])
        print(f"\n## {workload}: {spec['n']} × {spec['d']}, batch {spec['batch']}, "
              f"{steps} steps per epoch\n")
        lucid, torch_ = lucid_phases(spec, X, y), torch_phases(spec, X, y)
        print("### Phases of the PyTorch-style loop (median of epochs 2–3)\n")
        print(fmt_phases(spec, lucid, torch_))
        if sparse:
            print("\n### The same, lucidnet on the SciPy CSR input (PyTorch dense)\n")
            print(fmt_phases(spec, lucid_phases(spec, Xs, y), torch_))
            X = Xs  # profile the sparse path below
        by_cat, rows, profiled, plain = profile_fit(spec, X, y)
        total = sum(by_cat.values())
        print(f"\n### cProfile of one Trainer.fit epoch{' (CSR input)' if sparse else ''}: "
              f"{profiled:.3f} s profiled, "
              f"{plain:.3f} s unprofiled\n")
        print("| category | self time s | share |\n|---|---|---|")
        for cat, t in sorted(by_cat.items(), key=lambda kv: -kv[1]):
            print(f"| {cat} | {t:.4f} | {t / total:.0%} |")
        print("\n| self time s | calls | cumulative s | function |\n|---|---|---|---|")
        for tt, nc, ct, label in rows:
            print(f"| {tt:.4f} | {nc} | {ct:.4f} | {label} |")
        without, with_acc = fit_metrics_cost(spec, X, y)
        print(f"\nTrainer.fit epoch: {without:.4f} s without metrics, {with_acc:.4f} s with "
              f"metrics=['accuracy'] (+{(with_acc / without - 1):.0%})")
        costs = adam_step_costs(spec)
        print(f"\n### The Adam update alone ({costs.pop('parameters'):,} parameters)\n")
        print("| implementation | µs/step | s/epoch |\n|---|---|---|")
        for k, us in costs.items():
            print(f"| {k} | {us:.0f} | {us * steps / 1e6:.3f} |")
