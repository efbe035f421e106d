#!/usr/bin/env bash
# The CuPy backend on a real GPU, in one run (the device machine's time is scarce):
# versions, the backend's tests against NumPy, every training door on the GPU, the lab's
# quick sections on the GPU, then benchmarks/run.py --device gpu. Each part has its own
# time limit and the script goes on past a failure; logs and results go to $OUT.
#     OUT=gpu-results bash benchmarks/gpu_check.sh            # from the repository root
set -u
OUT="${OUT:-gpu-results}"; mkdir -p "$OUT"
export PYTHONPATH="$PWD/src" PYTHONUNBUFFERED=1 MPLBACKEND=Agg
part() {  # part NAME SECONDS COMMAND...: run, append to $OUT/NAME.log, note the exit status
    local name=$1 limit=$2; shift 2
    local start=$SECONDS
    timeout "$limit" "$@" >> "$OUT/$name.log" 2>&1
    local rc=$?
    echo "$name ($*): exit $rc in $((SECONDS - start)) s" | cut -c1-160 | tee -a "$OUT/summary.txt"
    tail -n 5 "$OUT/$name.log"
}
{ nvidia-smi -L; python3 -c 'import sys, numpy, scipy, cupy, torch; print(sys.version.split()[0],
  "numpy", numpy.__version__, "scipy", scipy.__version__, "cupy", cupy.__version__,
  "torch", torch.__version__, "cuda", torch.version.cuda)'; nproc; uptime; } > "$OUT/summary.txt" 2>&1
cat "$OUT/summary.txt"
part tests "${TESTS_S:-240}" python3 -m pytest -q -p no:cacheprovider -n 4 tests/test_cupy_backend.py
part lab "${LAB_S:-120}" python3 - <<'PY'
import traceback

from lucidnet import backend, lab
with backend.use_backend("cupy"):
    for key in lab.SECTIONS:
        try:
            result = lab.SECTIONS[key][1](quick=True)
            print(f"{key}: ran, held={result.held}")
        except Exception:  # noqa: BLE001 - the run goes on; the log names the failure
            print(f"{key}: FAILED\n" + "".join(traceback.format_exc().splitlines(True)[-12:]))
PY
# one workload at a time, each merged into gpu.json as it ends (a limit that cuts one
# keeps the others); BENCH_ARGS="--quick" for a smoke run
for workload in ${WORKLOADS:-large mnist tiny reuters}; do
    part bench "${BENCH_S:-150}" python3 benchmarks/run.py --device gpu \
        --workload "$workload" ${BENCH_ARGS:---repeats 3} --out "$OUT/gpu.json"
done
python3 benchmarks/run.py --report "$OUT/gpu.json" > "$OUT/report.md" 2>&1
