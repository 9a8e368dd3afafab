#!/usr/bin/env bash
# Data-parallel training on this machine: ResNet-20 training images/s for 1 rank × 2 threads
# (plain `vision train`) against 2 ranks × 1 thread (`mpirun -np 2`), in interleaved rounds so
# that noise from other tenants hits both alike; the share of the 2-rank steps spent waiting on
# allreduce; and what an allreduce costs per message size.
# Usage: benchmarks/distributed/run.sh [vision] [DATA]
#   DATA: a folder of labelled 32×32 images (default: ../shared/datasets/cifar10-small/train).
#   ROUNDS (default 3) and EPOCHS (default 3; the first is warm-up) set the length.
set -euo pipefail
cd "$(dirname "$0")/../.."
vision=${1:-.build/release/vision}
data=${2:-../shared/datasets/cifar10-small/train}
rounds=${ROUNDS:-3}
epochs=${EPOCHS:-3}
[ -d "$data" ] || { echo "no data at $data: pass a folder of labelled 32×32 images" >&2; exit 1; }
command -v mpirun >/dev/null || { echo "mpirun is missing: scripts/install-system-packages.sh installs openmpi-bin" >&2; exit 1; }
mpirun=(mpirun --allow-run-as-root --oversubscribe)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores; $(grep -q avx512f /proc/cpuinfo && echo AVX-512 || echo AVX2)${ONEDNN_MAX_CPU_ISA:+ (oneDNN capped at $ONEDNN_MAX_CPU_ISA)}"
echo "$(mpirun --version | head -1); data: $data; ResNet-20, global batch 128, $epochs epochs per run (epoch 1 not counted), $rounds rounds"

# Training images/s of epochs 2..E (metrics.csv), as one number per run: their median.
throughput() {
    python3 - "$1/metrics.csv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))[1:]
print(statistics.median(float(r["images_per_second"]) for r in rows))
PY
}
common=(train "$data" --model resnet20 --image-size 32 --epochs "$epochs" --batch-size 128 --train-fraction 0.9 --val-fraction 0.05 --test-fraction 0.05)
one=() two=() share=()
for round in $(seq "$rounds"); do
    rm -rf "$work/one" "$work/two"
    "$vision" "${common[@]}" --threads 2 --output "$work/one" > "$work/one.log"
    one+=("$(throughput "$work/one")")
    "${mpirun[@]}" -np 2 "$vision" "${common[@]}" --threads 1 --output "$work/two" > "$work/two.log"
    two+=("$(throughput "$work/two")")
    share+=("$(grep -o '([0-9.]*% of step time' "$work/two.log" | tr -d '(%' | cut -d' ' -f1)")
    grep -h '^allreduce:' "$work/two.log" | sed "s/^/  round $round, 2 ranks: /"
    printf "  round %d: 1 rank × 2 threads %.0f img/s, 2 ranks × 1 thread %.0f img/s\n" "$round" "${one[-1]}" "${two[-1]}"
done
python3 - "${one[*]}" "${two[*]}" "${share[*]}" <<'PY'
import statistics, sys
one, two, share = ([float(x) for x in a.split()] for a in sys.argv[1:4])
m1, m2 = statistics.median(one), statistics.median(two)
print(f"ResNet-20 training, median of {len(one)} rounds: 1 rank × 2 threads {m1:.0f} img/s, 2 ranks × 1 thread {m2:.0f} img/s: ratio {m2 / m1:.2f}×")
print(f"2 ranks: {statistics.median(share):.1f}% of step time waiting on allreduce (median over rounds)")
PY

echo "allreduce between 2 ranks on this machine (median of 30):"
"${mpirun[@]}" -np 2 "$vision" bench allreduce --sizes-mb 0.1,1.08,8.96,44.7 --repeats 30
echo "(1.08 MB: ResNet-20's gradients; 8.96 MB: MobileNetV2's; 44.7 MB: ResNet-18's)"
