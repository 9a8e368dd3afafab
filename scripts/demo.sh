#!/usr/bin/env bash
# The main job on the bundled default dataset: train a small CNN on the handwritten digits in
# fixtures/datasets/digits (1,797 8×8 images, 10 classes), then evaluate it on the images it
# never saw.
set -euo pipefail
vision=${1:-.build/release/vision}
cd "$(dirname "$0")/.."
data=fixtures/datasets/digits
run=runs/demo-digits

echo "== 1. What is in the data"
$vision data inspect "$data"
echo
echo "== 2. Train LeNet on it (16×16 input; split 80/10/10, seeded; normalisation from the train split only)"
$vision train "$data" --model lenet --image-size 16 --epochs 15 --lr 0.05 --seed 0 --output "$run" --overwrite
echo
echo "== 3. Evaluate the best model on the test images it never saw"
$vision evaluate "$run/best.vision" "$data" --split test
echo
echo "== 4. Predict a few files with it"
$vision infer "$run/best.vision" "$data/3/0003.png" "$data/7/0007.png" "$data/9/0009.png" --top-k 2
echo
echo "== 5. Where it looked: Grad-CAM heat maps over the same files"
$vision explain "$run/best.vision" "$data/3/0003.png" "$data/7/0007.png" --save-to "$run/heat"
echo
echo "== 6. Export it for ONNX Runtime and friends (normalisation and softmax in the graph)"
$vision export "$run/best.vision" --format onnx --with-preprocessing --with-softmax --output "$run/best.onnx"
echo
echo "The model file is $run/best.vision (safetensors: loads in Python with safetensors.numpy.load_file);"
echo "the per-epoch history is $run/metrics.csv; report.html shows curves, the confusion matrix and the mistakes."
