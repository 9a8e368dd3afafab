#!/usr/bin/env bash
# Cold start: `vision infer MODEL one.png`, the whole process (including the OpenMP restart
# and oneDNN's kernel generation), against python + torch doing the same (import, load the
# weights, decode and normalise the PNG, one forward pass, print the top class). Time from
# hyperfine (median of 20 runs after 3 warm-ups), peak RSS from GNU time (median of 5 runs).
# Usage: benchmarks/train/cold-start.sh [vision]   (TORCH_PYTHON as in run.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
vision=${1:-.build/release/vision}
python=${TORCH_PYTHON:-.venv-torch/bin/python}
work=${TMPDIR:-/tmp}/vision-cold-start
command -v hyperfine >/dev/null || { echo "installing hyperfine"; apt-get install -y hyperfine >/dev/null; }
[ -x /usr/bin/time ] || { echo "installing time"; apt-get install -y time >/dev/null; }
rm -rf "$work" && mkdir -p "$work"
image=fixtures/images/pngsuite/valid/basn2c08.png  # 32×32 RGB
# A ResNet-20 for 3×32×32 inputs (one epoch on the bundled digits: the weights do not matter here).
"$vision" train fixtures/datasets/digits --model resnet20 --image-size 32 --channels 3 --epochs 1 --output "$work/run" --quiet
model="$work/run/best.vision"

commands=("$vision infer $model $image")
names=("vision infer")
if [ -x "$python" ] && "$python" -c 'import torch, PIL' 2>/dev/null; then
    "$python" benchmarks/train/cold_start_torch.py --save "$work/resnet20.pt"
    commands+=("$python benchmarks/train/cold_start_torch.py $work/resnet20.pt $image")
    names+=("python + torch")
fi
hyperfine -N --warmup 3 --runs 20 --export-json "$work/times.json" "${commands[@]}" > /dev/null
rss() {  # median peak RSS (MiB) of 5 runs of "$@"
    for _ in 1 2 3 4 5; do /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; done | sort -n | sed -n 3p | awk '{ printf "%.1f", $1 / 1024 }'
}
echo "== cold start: one 32×32 PNG through ResNet-20, whole process"
for i in "${!commands[@]}"; do
    # shellcheck disable=SC2086
    mib=$(rss ${commands[$i]})
    python3 - "$work/times.json" "$i" "${names[$i]}" "$mib" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]
print("%-16s median %7.1f ms (%.1f–%.1f), peak RSS %s MiB" % (sys.argv[3], result["median"] * 1000, result["min"] * 1000, result["max"] * 1000, sys.argv[4]))
PY
done
