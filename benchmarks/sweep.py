"""A 16-trial sweep, serial against 2 local worker processes against Dask with 2 workers.

Each run is ``lucidnet sweep`` in a fresh subprocess, as a user starts it; its wall time
is the subprocess's, its CPU time the subprocess's and every worker's (user + system,
from ``getrusage(RUSAGE_CHILDREN)``: workers are reaped when the sweep closes them).
Speedup and engine overhead are against the serial run with one BLAS thread (the
first engine given, if that one is not): overhead = (CPU of the run − CPU of the serial
run) / CPU of the run. The order
of the engines rotates between repeats; the load average is recorded before each run.
Every run with one BLAS thread per trial must give the same trials bit for bit as the
serial run with one BLAS thread (checked on sweep.json); the plain serial run (all
BLAS threads) is the speed reference.

    python benchmarks/sweep.py [--repeats 3] [--epochs 50] [--engines ...] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import machine  # benchmarks/run.py: CPU, versions, load, commit

ENGINES = {"serial": ["--jobs", "1"], "serial 1 BLAS": ["--jobs", "1", "--blas-threads", "1"],
           "joblib x2": ["--jobs", "2", "--blas-threads", "1"],
           "dask x2": ["--engine", "dask", "--jobs", "2", "--blas-threads", "1"]}


def sweep_config(epochs: int) -> dict:
    """16 trials: 2 activations × 2 learning rates × 2 widths × 2 seeds, on digits."""
    return {"train": {"dataset": "digits", "epochs": epochs, "batch_size": 32},
            "space": {"activation": ["relu", "tanh"], "lr": [0.001, 0.01],
                      "hidden": [[64, 64], [128, 128]]},
            "seeds": [0, 1]}


def run_once(config: Path, out: Path, flags: list) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "lucidnet", "sweep", str(config), "--quiet",
                           "--out", str(out), *flags], capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    trials = json.loads((out / "sweep.json").read_text())["trials"]
    return {"wall_s": wall, "cpu_s": cpu, "load_1min_before": load,
            "histories": [(t["params"], t["seed"], t["history"]) for t in trials]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), choices=list(ENGINES))
    parser.add_argument("--out", default="benchmarks/results/sweep.json")
    args = parser.parse_args()
    runs = {name: [] for name in args.engines}
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "sweep16.json"
        config.write_text(json.dumps(sweep_config(args.epochs)))
        names = list(args.engines)
        for r in range(args.repeats):
            for name in names[r % len(names):] + names[:r % len(names)]:
                run = run_once(config, Path(tmp) / name.replace(" ", ""), ENGINES[name])
                runs[name].append(run)
                print(f"repeat {r}: {name:<14} wall {run['wall_s']:6.1f} s  cpu "
                      f"{run['cpu_s']:6.1f} s  load {run['load_1min_before']:.2f}", flush=True)
    one_blas = [run for name, rs in runs.items() if name != "serial" for run in rs]
    identical = all(run["histories"] == one_blas[0]["histories"] for run in one_blas)
    reference = runs["serial 1 BLAS" if "serial 1 BLAS" in runs else args.engines[0]]
    serial_wall = statistics.median(r["wall_s"] for r in reference)
    serial_cpu = statistics.median(r["cpu_s"] for r in reference)
    summary = {}
    for name, rs in runs.items():
        wall = statistics.median(r["wall_s"] for r in rs)
        cpu = statistics.median(r["cpu_s"] for r in rs)
        summary[name] = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                         "speedup": round(serial_wall / wall, 2),
                         "overhead_cpu": round((cpu - serial_cpu) / cpu, 3),
                         "load": [round(r["load_1min_before"], 2) for r in rs]}
    print(f"\n16 trials, {args.epochs} epochs each, {os.cpu_count()} cores; medians of "
          f"{args.repeats}; every 1-BLAS-thread run identical to serial: {identical}")
    print(f"{'engine':<15}{'wall s':>8}{'cpu s':>8}{'speedup':>9}{'overhead':>10}  load")
    for name, s in summary.items():
        print(f"{name:<15}{s['wall_s']:>8.1f}{s['cpu_s']:>8.1f}{s['speedup']:>9.2f}"
              f"{s['overhead_cpu']:>10.1%}  {s['load']}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"machine": machine(), "epochs": args.epochs, "repeats": args.repeats,
                                          "cores": os.cpu_count(), "identical": identical,
                                          "summary": summary}, indent=2) + "\n")


if __name__ == "__main__":
    main()
