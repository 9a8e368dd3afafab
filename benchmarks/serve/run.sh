#!/usr/bin/env bash
# Load test of `vision serve`: wrk, 64 connections on 127.0.0.1, a 32×32 PNG body against a
# ResNet-20 (3×32×32) model, for $SECONDS_LOAD seconds (default 60). Reports requests/s, p50/p99
# latency, socket errors and non-2xx answers, the average batch size (from /metrics), and RSS
# after warm-up, at the end, and at its peak; then the ratio of requests/s to
# `vision bench infer --batch 32` on the same architecture in the same run (the network alone).
# RSS is sampled every second under load: after the first full batches it must stay level.
# Usage: benchmarks/serve/run.sh [path/to/release/vision]
set -euo pipefail
cd "$(dirname "$0")/../.."
vision=${1:-.build/release/vision}
duration=${SECONDS_LOAD:-60}
connections=${CONNECTIONS:-64}
port=${PORT:-18181}
work=${TMPDIR:-/tmp}/vision-serve-bench
[ -x "$vision" ] || { echo "no $vision: build it with make build" >&2; exit 1; }
command -v wrk >/dev/null || { echo "installing wrk"; apt-get install -y wrk >/dev/null; }
rm -rf "$work" && mkdir -p "$work"

# A ResNet-20 for 3×32×32 inputs (one epoch on the bundled digits: the weights do not matter here).
"$vision" train fixtures/datasets/digits --model resnet20 --image-size 32 --channels 3 --epochs 1 --output "$work/run" --quiet
model="$work/run/best.vision"
body=fixtures/images/pngsuite/valid/basn2c08.png  # 32×32 RGB PNG

baseline=$("$vision" bench infer --model resnet20 --batch 32 --input 3,32,32 --json)

"$vision" serve "$model=resnet20" --port "$port" --max-batch 32 > "$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "localhost:$port/readyz" >/dev/null && break; sleep 0.1; done
rss() { awk -v key="$1" '$1 == key":" { print int($2 / 1024) }' "/proc/$server/status"; }
rss_start=$(rss VmRSS)

cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "image/png"
local f = io.open("$body", "rb"); wrk.body = f:read("*all"); f:close()
LUA
# RSS once a second under load: it must level off, not grow.
( while kill -0 $server 2>/dev/null; do rss VmRSS; sleep 1; done ) > "$work/rss.txt" 2>/dev/null &
sampler=$!
wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$work/post.lua" "http://127.0.0.1:$port/v1/models/resnet20/predict" > "$work/wrk.txt"
kill $sampler 2>/dev/null || true
rss_10s=$(sed -n 10p "$work/rss.txt")
rss_end=$(rss VmRSS)
rss_peak=$(rss VmHWM)
metrics=$(curl -s "localhost:$port/metrics")
kill -TERM $server && wait $server || true

python3 - "$work/wrk.txt" "$baseline" "$rss_start" "$rss_end" "$rss_peak" "$connections" "$duration" "$rss_10s" <<'PY' "$metrics"
import json, re, sys
wrk = open(sys.argv[1]).read()
baseline = json.loads(sys.argv[2])
rss_start, rss_end, rss_peak, connections, duration, rss_10s = sys.argv[3:9]
metrics = sys.argv[9]
def number(pattern, default=0.0):
    m = re.search(pattern, wrk)
    return float(m.group(1)) if m else default
def ms(text):
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]
rps = number(r"Requests/sec:\s+([\d.]+)")
p50 = ms(re.search(r"50%\s+(\S+)", wrk).group(1))
p99 = ms(re.search(r"99%\s+(\S+)", wrk).group(1))
errors = re.search(r"Socket errors: (.*)", wrk)
non2xx = number(r"Non-2xx or 3xx responses: (\d+)")
size_sum = float(re.search(r'vision_batch_size_sum\{model="resnet20"\} ([\d.e+]+)', metrics).group(1))
size_count = float(re.search(r'vision_batch_size_count\{model="resnet20"\} ([\d.e+]+)', metrics).group(1))
network = baseline.get("images_per_second") or baseline.get("imagesPerSecond") or 0
print(f"vision serve, ResNet-20 3x32x32, wrk {connections} connections for {duration} s, 32x32 PNG bodies")
print(f"  requests/s {rps:.0f}   p50 {p50:.1f} ms   p99 {p99:.1f} ms   socket errors: {errors.group(1) if errors else 'none'}   non-2xx: {non2xx:.0f}")
print(f"  average batch {size_sum / max(size_count, 1):.1f} images over {size_count:.0f} network runs")
print(f"  RSS after warm-up {rss_start} MiB, after 10 s of load {rss_10s} MiB, at the end {rss_end} MiB, peak {rss_peak} MiB")
if network:
    print(f"  vision bench infer --batch 32 (network only): {network:.0f} img/s; served/network = {rps / network:.2f}")
PY
