#!/usr/bin/env bash
# Training and inference benchmark: vision against PyTorch (CPU wheel) on the same models,
# batch sizes and steps, measured in the same run, and ONNX Runtime on ResNet-20 inference.
# Usage: benchmarks/train/run.sh [vision]
# PyTorch comes from $TORCH_PYTHON (default: the venv at .venv-torch, made on first use with
# PyTorch's CPU wheel from download.pytorch.org, and onnx and onnxruntime from PyPI); without
# them, vision's figures are printed alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
vision=${1:-.build/release/vision}
threads=${THREADS:-2}
python=${TORCH_PYTHON:-.venv-torch/bin/python}
has_torch() { [ -x "$python" ] && "$python" -c 'import torch' 2>/dev/null; }
if ! has_torch && [ -z "${TORCH_PYTHON:-}" ] && [ "${NO_TORCH_INSTALL:-}" != 1 ]; then
    # PyTorch's CPU build (the PyPI wheel is the CUDA one) without its dependencies, which come
    # from PyPI with the rest; PyPI's torch if the CPU index cannot be reached. A venv that
    # ends up without torch is removed, so that the next run tries again.
    rm -rf .venv-torch
    python3 -m venv .venv-torch \
        && .venv-torch/bin/pip install -q numpy onnx onnxscript onnxruntime filelock typing-extensions sympy networkx jinja2 fsspec setuptools \
        && { .venv-torch/bin/pip install -q --no-deps torch --index-url https://download.pytorch.org/whl/cpu \
             || .venv-torch/bin/pip install -q torch; } || true
    has_torch || rm -rf .venv-torch
fi

results=$(mktemp)
{
    "$vision" bench train --model lenet --batch 64 --input 1,28,28 --classes 10 --steps 10 --threads "$threads" --json | sed 's/^/{"kind":"train","side":"vision","r":/; s/$/}/'
    "$vision" bench train --model resnet20 --batch 128 --input 3,32,32 --classes 10 --steps 3 --threads "$threads" --json | sed 's/^/{"kind":"train","side":"vision","r":/; s/$/}/'
    "$vision" bench train --model defectnet --batch 32 --input 1,128,128 --classes 2 --steps 3 --threads "$threads" --json | sed 's/^/{"kind":"train","side":"vision","r":/; s/$/}/'
    "$vision" bench infer --model resnet20 --batch 1 --input 3,32,32 --classes 10 --steps 25 --threads "$threads" --json | sed 's/^/{"kind":"infer","side":"vision","r":/; s/$/}/'
    "$vision" bench infer --model resnet20 --batch 64 --input 3,32,32 --classes 10 --steps 5 --threads "$threads" --json | sed 's/^/{"kind":"infer","side":"vision","r":/; s/$/}/'
    if has_torch; then
        # A failing baseline leaves vision's figures standing alone, as without torch.
        { MALLOC_MMAP_THRESHOLD_=1000000000 MALLOC_TRIM_THRESHOLD_=1000000000 "$python" benchmarks/train/pytorch_baseline.py --threads "$threads" \
            | sed 's/^/{"side":"torch","r":/; s/$/}/'; } || true
        { "$python" benchmarks/train/onnxruntime_baseline.py --threads "$threads" 2>/dev/null | sed 's/^/{"side":"ort","r":/; s/$/}/'; } || true
    fi
} > "$results"

python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ours = {}
theirs = {}
onnx = {}
for row in rows:
    r = row["r"]
    if row["side"] == "vision":
        ours[(row["kind"], r["model"], r["batch"])] = r
    elif "model" in r:
        (onnx if row["side"] == "ort" else theirs)[(r["kind"], r["model"], r["batch"])] = r
    elif "onnxruntime" in r:
        print("ONNX Runtime", r["onnxruntime"], "threads", r["threads"])
    elif "torch" in r:
        print("PyTorch", r["torch"], "threads", r["threads"])
    elif "skipped" in r:
        print("PyTorch skipped:", r["skipped"])
print("%-28s %14s %14s %8s" % ("workload", "vision img/s", "torch img/s", "ratio"))
for key, r in ours.items():
    t = theirs.get(key)
    name = "%s %s b%d" % key
    extra = "  (%.2f ms/batch" % r["latency_ms"] + (", torch %.2f ms)" % t["latency_ms"] if t else ")")
    if t:
        print("%-28s %14.0f %14.0f %7.2fx%s" % (name, r["images_per_second"], t["images_per_second"], r["images_per_second"] / t["images_per_second"], extra))
    else:
        print("%-28s %14.0f %14s %8s%s" % (name, r["images_per_second"], "-", "-", extra))
    o = onnx.get(key)
    if o:
        print("%-28s %14s %14.0f %7.2fx  (ONNX Runtime, %.2f ms/batch)" % ("", "", o["images_per_second"], r["images_per_second"] / o["images_per_second"], o["latency_ms"]))
PY
rm -f "$results"
