#!/usr/bin/env python
"""The float32 products of the workloads with NumPy's OpenBLAS and with well-kept
alternatives that install as wheels, measured in one interleaved run.

    python benchmarks/gemm.py [--workload mnist reuters tiny] [--threads 1 2] [--repeats R]

A training step's products, per layer of the workload's MLP (``run.py``'s WORKLOADS):
the forward X W, the weight's gradient Xᵀ dY, and the input's gradient dY Wᵀ (all but
the first layer), into preallocated outputs. Backends:

    openblas           NumPy's OpenBLAS as this environment runs it (threadpoolctl's
                       'architecture': the kernels it chose for the CPU, or those that
                       OPENBLAS_CORETYPE forces)
    openblas-haswell   the same library with OPENBLAS_CORETYPE=Haswell (AVX2 kernels)
    openblas-skylakex  and with OPENBLAS_CORETYPE=SkylakeX (its AVX-512 kernels)
    blis               BLIS through the ``blis`` wheel (thinc's; ``pip install blis``)
    mkl                Intel's MKL as PyTorch ships it (``torch.mm``; PyTorch's CPU wheels
                       link MKL, ``torch.__config__.show()``)

Each (backend, threads, repeat) is a fresh process with OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS, MKL_NUM_THREADS and BLIS_NUM_THREADS set to the threads; the order
of the backends rotates from one repeat to the next. A process runs the step's products
for about ``--seconds`` and reports µs per step, wall clock and CPU time (all threads);
the table gives medians over repeats and the ratio to openblas at the same threads, per
repeat from neighbouring runs. The CPU model, the BLAS libraries and the load average
are recorded beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run import WORKLOADS, layer_sizes, machine  # noqa: E402

BACKENDS = ("openblas", "openblas-haswell", "openblas-skylakex", "blis", "mkl")
CORETYPES = {"openblas-haswell": "Haswell", "openblas-skylakex": "SkylakeX"}


def products(spec: dict, rng):
    """(A, B, out, transpose A, transpose B) of one training step's products."""
    import numpy as np

    sizes, n = layer_sizes(spec), spec["batch"]
    out = []
    for k, (a, b) in enumerate(zip(sizes, sizes[1:])):
        X = rng.standard_normal((n, a), dtype=np.float32)
        W = rng.standard_normal((a, b), dtype=np.float32)
        dY = rng.standard_normal((n, b), dtype=np.float32)
        out.append((X, W, np.empty((n, b), np.float32), False, False))  # X W
        out.append((X, dY, np.empty((a, b), np.float32), True, False))  # Xᵀ dY
        if k:
            out.append((dY, W, np.empty((n, a), np.float32), False, True))  # dY Wᵀ
    return out


def step_function(backend: str, spec: dict):
    """A function running one step's products with ``backend``; what it runs on."""
    import numpy as np

    rng = np.random.default_rng(0)
    work = products(spec, rng)
    if backend.startswith("openblas"):
        import threadpoolctl

        lib = [p for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
        about = [f"{p['internal_api']} {p['version']} {p.get('architecture')} "
                 f"({p['num_threads']} threads)" for p in lib]

        def step():
            for A, B, C, ta, tb in work:
                np.matmul(A.T if ta else A, B.T if tb else B, out=C)
    elif backend == "blis":
        import blis.py

        about = ["blis (the blis wheel)"]

        def step():
            for A, B, C, ta, tb in work:
                blis.py.gemm(A, B, trans1=ta, trans2=tb, out=C)
    elif backend == "mkl":
        import torch

        work = [tuple(torch.from_numpy(a) if isinstance(a, np.ndarray) else a for a in w)
                for w in work]
        about = [f"torch {torch.__version__} mm ({torch.get_num_threads()} threads)"]

        def step():
            for A, B, C, ta, tb in work:
                torch.mm(A.t() if ta else A, B.t() if tb else B, out=C)
    else:
        raise ValueError(backend)
    return step, about


def worker(backend: str, workload: str, seconds: float) -> dict:
    step, about = step_function(backend, WORKLOADS[workload])
    for _ in range(20):  # warm: threads started, pages touched
        step()
    runs, wall0, cpu0 = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - wall0 < seconds:
        step()
        runs += 1
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {"backend": about, "us_per_step": 1e6 * wall / runs,
            "cpu_us_per_step": 1e6 * cpu / runs, "steps": runs,
            "load_average": os.getloadavg()[0]}


def run_child(backend, workload, threads, seconds) -> dict:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "BLIS_NUM_THREADS"):
        env[var] = str(threads)
    if backend in CORETYPES:
        env["OPENBLAS_CORETYPE"] = CORETYPES[backend]
    proc = subprocess.run([sys.executable, __file__, "--worker", backend, "--workload",
                           workload, "--seconds", str(seconds)],
                          env=env, capture_output=True, text=True)
    if proc.returncode:
        return {"error": proc.stderr.strip().splitlines()[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workload", nargs="+", default=["mnist", "reuters", "tiny"],
                        choices=list(WORKLOADS))
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=1.0, help="per run (default 1)")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "gemm.json"))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.workload[0], args.seconds)))
        return
    meta = machine()
    print(f"# {meta['date']} {meta['cpu']}, {meta['cores']} cores, NumPy {meta['numpy']}, "
          f"PyTorch {meta['torch']}; BLAS {meta['blas']}; load average "
          f"{meta.get('load_average')}; {args.repeats} repeats of {args.seconds} s", flush=True)
    results = {}
    for workload in args.workload:
        print(f"\n### {workload} ({'-'.join(map(str, layer_sizes(WORKLOADS[workload])))}, "
              f"batch {WORKLOADS[workload]['batch']}): µs per step's products\n")
        print("| backend | threads | µs/step (wall) | CPU µs/step | ratio to openblas (range) "
              "| load | what ran |\n|---|---|---|---|---|---|---|")
        for threads in args.threads:
            runs = {b: [] for b in args.backends}
            for r in range(args.repeats):
                order = (args.backends[r % len(args.backends):]
                         + args.backends[:r % len(args.backends)])
                for backend in order:
                    runs[backend].append(run_child(backend, workload, threads, args.seconds))
            base = [x.get("us_per_step") for x in runs.get("openblas", [])]
            for backend, rs in runs.items():
                ok = [x for x in rs if "error" not in x]
                if not ok:
                    print(f"| {backend} | {threads} | — | — | — | — | {rs[0]['error']} |")
                    continue
                wall = statistics.median(x["us_per_step"] for x in ok)
                cpu = statistics.median(x["cpu_us_per_step"] for x in ok)
                ratios = [x["us_per_step"] / b for x, b in zip(rs, base)
                          if "error" not in x and b] if base else []
                ratio = (f"{statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})"
                         if ratios else "—")
                load = statistics.median(x["load_average"] for x in ok)
                print(f"| {backend} | {threads} | {wall:.0f} | {cpu:.0f} | {ratio} | {load:.1f} | "
                      f"{'; '.join(ok[0]['backend'])} |", flush=True)
            results.setdefault(workload, {})[threads] = runs
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"meta": meta, "results": results}, f, indent=1, default=str)
    print(f"\nresults: {os.path.relpath(args.out)}")


if __name__ == "__main__":
    main()
