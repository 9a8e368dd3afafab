#!/usr/bin/env bash
# Training and inference benchmark: vision against PyTorch (CPU wheel) on the same models,
# batch sizes and steps, and ONNX Runtime on ResNet-20 inference, in interleaved rounds
# (vision, PyTorch, ONNX Runtime, vision, …) so that noise from other tenants hits every side
# alike; medians and same-run ratios at the end. Then the cold start of `vision infer` on one
# image against python + torch doing the same (hyperfine for time, GNU time for peak RSS).
#
# Usage: benchmarks/train/run.sh [vision]
#   ROUNDS=3        rounds of every workload on every side (at least 3 for a median)
#   THREADS=2       compute threads on every side
#   ISAS="native avx2"  instruction sets to run: on an AVX-512 machine the second pass caps
#                   vision's and PyTorch's oneDNN at AVX2 (ONEDNN_MAX_CPU_ISA=AVX2, and
#                   ATEN_CPU_CAPABILITY=avx2 for PyTorch's own kernels); ONNX Runtime cannot be
#                   capped, so its figures stay those of the full CPU (said next to them).
#   COLD_START=0    skip the cold-start measurement
# PyTorch comes from $TORCH_PYTHON (default: the venv at .venv-torch, made on first use with
# PyTorch's CPU wheel from download.pytorch.org, and onnx and onnxruntime from PyPI); without
# them, vision's figures are printed alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
vision=${1:-.build/release/vision}
threads=${THREADS:-2}
rounds=${ROUNDS:-3}
python=${TORCH_PYTHON:-.venv-torch/bin/python}
[ -x "$vision" ] || { echo "no $vision: build it with make build" >&2; exit 1; }
has_torch() { [ -x "$python" ] && "$python" -c 'import torch' 2>/dev/null; }
if ! has_torch && [ -z "${TORCH_PYTHON:-}" ] && [ "${NO_TORCH_INSTALL:-}" != 1 ]; then
    # PyTorch's CPU build (the PyPI wheel is the CUDA one) without its dependencies, which come
    # from PyPI with the rest; PyPI's torch if the CPU index cannot be reached. A venv that
    # ends up without torch is removed, so that the next run tries again.
    rm -rf .venv-torch
    python3 -m venv .venv-torch \
        && .venv-torch/bin/pip install -q numpy pillow onnx onnxscript onnxruntime filelock typing-extensions sympy networkx jinja2 fsspec setuptools \
        && { .venv-torch/bin/pip install -q --no-deps torch --index-url https://download.pytorch.org/whl/cpu \
             || .venv-torch/bin/pip install -q torch; } || true
    has_torch || rm -rf .venv-torch
fi

avx512=no
grep -qw avx512f /proc/cpuinfo && avx512=yes
if [ -z "${ISAS:-}" ]; then
    ISAS=native
    [ "$avx512" = yes ] && ISAS="native avx2"
fi
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores, AVX-512: $avx512; threads $threads, $rounds rounds"

run_isa() {
    local isa=$1 results
    local -a cap=(env)
    [ "$isa" = avx2 ] && cap=(env ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2)
    results=$(mktemp)
    {
        "${cap[@]}" "$vision" bench peak --threads "$threads" --json | sed 's/^/{"side":"peak","r":/; s/$/}/'
        for round in $(seq 1 "$rounds"); do
            for workload in "train --model lenet --batch 64 --input 1,28,28 --classes 10 --steps 10" \
                            "train --model resnet20 --batch 128 --input 3,32,32 --classes 10 --steps 3" \
                            "train --model defectnet --batch 32 --input 1,128,128 --classes 2 --steps 3" \
                            "infer --model resnet20 --batch 1 --input 3,32,32 --classes 10 --steps 25" \
                            "infer --model resnet20 --batch 64 --input 3,32,32 --classes 10 --steps 5"; do
                kind=${workload%% *}
                # shellcheck disable=SC2086
                "${cap[@]}" "$vision" bench $workload --threads "$threads" --json | sed "s/^/{\"kind\":\"$kind\",\"side\":\"vision\",\"r\":/; s/\$/}/"
            done
            if has_torch; then
                # A failing baseline leaves vision's figures standing alone, as without torch.
                { "${cap[@]}" MALLOC_MMAP_THRESHOLD_=1000000000 MALLOC_TRIM_THRESHOLD_=1000000000 "$python" benchmarks/train/pytorch_baseline.py --threads "$threads" \
                    | sed 's/^/{"side":"torch","r":/; s/$/}/'; } || true
                { "$python" benchmarks/train/onnxruntime_baseline.py --threads "$threads" 2>/dev/null | sed 's/^/{"side":"ort","r":/; s/$/}/'; } || true
            fi
        done
    } > "$results"
    python3 - "$results" "$isa" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
capped = sys.argv[2] == "avx2"
figures = {}  # (side, kind, model, batch) -> [images/s]
latency = {}
gflops = {}
peak = None
versions = []
vision_isa = "?"
for row in rows:
    r, side = row["r"], row["side"]
    if side == "peak":
        peak = r["gflops"]
        continue
    if side == "vision":
        key = (side, row["kind"], r["model"], r["batch"])
        vision_isa = r.get("isa", vision_isa)
        if r.get("gflops"):
            gflops.setdefault(key, []).append(r["gflops"])
    elif "model" in r:
        key = (side, r["kind"], r["model"], r["batch"])
    else:
        note = ("PyTorch %s" % r["torch"]) if "torch" in r else ("ONNX Runtime %s" % r["onnxruntime"]) if "onnxruntime" in r else "skipped: %s" % r.get("skipped")
        if note not in versions:
            versions.append(note)
        continue
    figures.setdefault(key, []).append(r["images_per_second"])
    latency.setdefault(key, []).append(r["latency_ms"])
med = lambda xs: statistics.median(xs)
print()
print("== %s: vision's oneDNN ISA %s; practical fp32 peak (sgemm 2048³) %s GFLOP/s; %s" % (
    "AVX2 cap" if capped else "native", vision_isa, peak, ", ".join(versions) or "no baselines"))
print("%-24s %13s %13s %9s %11s %13s %9s" % ("workload", "vision img/s", "torch img/s", "ratio", "vision ms", "baseline ms", "% peak"))
for key in [k for k in figures if k[0] == "vision"]:
    _, kind, model, batch = key
    ours = figures[key]
    name = "%s %s b%d" % (kind, model, batch)
    share = ("%8.0f%%" % (100 * med(gflops[key]) / peak)) if key in gflops and peak else "%9s" % "-"
    spread = "%.0f–%.0f" % (min(ours), max(ours)) if len(ours) > 1 else ""
    for side, label in (("torch", "PyTorch"), ("ort", "ONNX Runtime")):
        theirs = figures.get((side, kind, model, batch))
        if side == "ort" and not theirs:
            continue
        if theirs:
            ratio = med(ours) / med(theirs)
            print("%-24s %13.0f %13.0f %8.2fx %11.2f %13.2f %s  (%s; vision %s, %s %.0f–%.0f)%s" % (
                name if side == "torch" else "", med(ours), med(theirs), ratio, med(latency[key]),
                med(latency[(side, kind, model, batch)]), share if side == "torch" else "%9s" % "", label, spread, label,
                min(theirs), max(theirs), "  [ONNX Runtime uncapped: full CPU]" if side == "ort" and capped else ""))
        else:
            print("%-24s %13.0f %13s %9s %11.2f %13s %s  (vision %s)" % (name, med(ours), "-", "-", med(latency[key]), "-", share, spread))
PY
    rm -f "$results"
}

for isa in $ISAS; do
    if [ "$isa" = avx2 ] && [ "$avx512" != yes ]; then continue; fi
    run_isa "$isa"
done

[ "${COLD_START:-1}" = 0 ] && exit 0
echo
benchmarks/train/cold-start.sh "$vision"
