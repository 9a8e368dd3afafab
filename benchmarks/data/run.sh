#!/usr/bin/env bash
# Data-loading benchmark: `vision bench data` against torchvision's ImageFolder + DataLoader on the
# same files in the same run: decode + Resize(64) + RandomHorizontalFlip + ToTensor + Normalize,
# 2 workers, batch 64, 2,000 256×256 JPEGs and PNGs. Prints both rates and the ratios.
# Usage: benchmarks/data/run.sh [path/to/release/vision]
#   PYTHON=/path/to/python (with torch + torchvision; default python3), BENCH_DATA, BENCH_SECONDS,
#   BENCH_WORKERS, BENCH_BATCH, BENCH_SIZE.
set -euo pipefail
cd "$(dirname "$0")/../.."
vision=${1:-.build/release/vision}
python=${PYTHON:-python3}
data=${BENCH_DATA:-bench-data/data}
seconds=${BENCH_SECONDS:-5}
workers=${BENCH_WORKERS:-2}
batch=${BENCH_BATCH:-64}
size=${BENCH_SIZE:-64}

[ -x "$vision" ] || { echo "no $vision: build it with make build" >&2; exit 1; }
[ -d "$data/jpeg" ] || python3 benchmarks/make-images.py "$data" --count 2000

declare -A ours theirs
for format in jpeg png; do
    ours[$format]=$("$vision" bench data "$data/$format" --size "$size" --batch "$batch" --workers "$workers" --seconds "$seconds" --json)
    theirs[$format]=$("$python" benchmarks/data/torchvision_baseline.py "$data/$format" --size "$size" --batch "$batch" --workers "$workers" --seconds "$seconds" --json)
done
python3 - "${ours[jpeg]}" "${theirs[jpeg]}" "${ours[png]}" "${theirs[png]}" "$size" "$workers" "$batch" <<'PY'
import json, sys
oj, tj, op, tp = (json.loads(a) for a in sys.argv[1:5])
size, workers, batch = sys.argv[5:8]
print(f"decode + resize {size} + hflip + normalise, {workers} workers, batch {batch}")
print("%-6s %14s %18s %8s" % ("files", "vision img/s", "torchvision img/s", "ratio"))
for name, ours, theirs in (("JPEG", oj, tj), ("PNG", op, tp)):
    if "skipped" in theirs:
        print("%-6s %14.0f %18s %8s" % (name, ours["images_per_second"], "-", "-"))
        print("  " + theirs["skipped"])
    else:
        o, t = ours["images_per_second"], theirs["images_per_second"]
        print("%-6s %14.0f %18.0f %7.2fx" % (name, o, t, o / t))
PY
