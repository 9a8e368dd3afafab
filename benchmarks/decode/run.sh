#!/usr/bin/env bash
# Decode benchmark: vision against libjpeg-turbo / libpng called from C, same files, same run.
# Usage: benchmarks/decode/run.sh [path/to/release/vision]   (make bench-decode builds it first)
set -euo pipefail
cd "$(dirname "$0")/../.."
vision=${1:-.build/release/vision}
data=${BENCH_DATA:-bench-data/decode}
seconds=${BENCH_SECONDS:-3}

scripts/install-system-packages.sh libjpeg-turbo-progs netpbm python3-numpy >/dev/null
[ -d "$data/jpeg" ] || python3 benchmarks/make-images.py "$data" --count 200
mkdir -p .build/bench
cc -O2 benchmarks/decode/baseline.c -o .build/bench/decode-baseline $(pkg-config --cflags --libs libpng libjpeg)

mkdir -p .build/bench/decode-files
cp "$data"/jpeg/*/*.jpg "$data"/png/*/*.png .build/bench/decode-files/ 2>/dev/null || true
c=$(.build/bench/decode-baseline "$seconds" .build/bench/decode-files/*)
v=$("$vision" bench decode .build/bench/decode-files --size 64 --seconds "$seconds" --json)
python3 - "$c" "$v" <<'PY'
import json, sys
c, v = json.loads(sys.argv[1]), json.loads(sys.argv[2])
rows = [("JPEG full decode", v["jpeg_full_images_per_second"], c["jpeg_full_images_per_second"]),
        ("PNG full decode", v["png_full_images_per_second"], c["png_full_images_per_second"])]
print("%-34s %12s %12s %8s" % ("256x256, one thread", "vision img/s", "C img/s", "ratio"))
for name, ours, theirs in rows:
    print("%-34s %12.0f %12.0f %7.2fx" % (name, ours, theirs, ours / theirs))
scaled, full = v["jpeg_scaled_64_images_per_second"], v["jpeg_full_images_per_second"]
print("%-34s %12.0f %12.0f %7.2fx" % ("JPEG DCT-scaled to 64 (C: 1/4)", scaled, c["jpeg_scaled_4_images_per_second"], scaled / c["jpeg_scaled_4_images_per_second"]))
print("vision scaled-to-64 vs its own full decode: %.2fx" % (scaled / full))
PY
