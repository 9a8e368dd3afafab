#!/usr/bin/env bash
# Scale of the data audit: `vision data inspect` on a generated folder of COUNT small PNGs
# (default 10⁶, 28×28 gray, 10 classes, 1 % planted copies; made once by make-images.py into
# $ROOT, about 4 GB of disk and 8 minutes on 2 cores; never committed). Prints wall time, peak
# RSS (GNU time) and what the audit found.
# Usage: benchmarks/audit/run.sh [vision]   (COUNT, ROOT, THREADS to change the defaults)
set -euo pipefail
cd "$(dirname "$0")/../.."
vision=${1:-.build/release/vision}
count=${COUNT:-1000000}
root=${ROOT:-${TMPDIR:-/tmp}/vision-audit-$count}
threads=${THREADS:-$(nproc)}
[ -x "$vision" ] || { echo "no $vision: build it with make build" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "installing time"; apt-get install -y time >/dev/null; }
if [ ! -f "$root/.complete" ]; then
    echo "making $count images in $root"
    rm -rf "$root"
    python3 benchmarks/audit/make-images.py "$root" "$count"
    touch "$root/.complete"
fi
out=$(mktemp)
/usr/bin/time -f "%e %M" -o "$out.time" "$vision" data inspect "$root" --threads "$threads" --json > "$out"
read -r seconds kilobytes < "$out.time"
python3 - "$out" "$seconds" "$kilobytes" "$count" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
seconds, kilobytes, count = float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print("%d images: %.0f s (%.0f images/s), peak RSS %.0f MiB" % (count, seconds, count / seconds, kilobytes / 1024))
print("exact duplicate groups %d, near-duplicate groups %d (largest %d), leaks %d, unreadable %d" % (
    len(report.get("duplicates", [])), len(report.get("near_duplicate_groups", [])),
    max([len(g["paths"]) for g in report.get("near_duplicate_groups", [])] or [0]), len(report.get("leakage", [])),
    len(report.get("corrupt", []))))
PY
rm -f "$out" "$out.time"
