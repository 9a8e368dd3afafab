#!/usr/bin/env python3
"""Inference speed of an exported model in ONNX Runtime against `vision bench infer`, same
machine, same thread count (not a test requirement; run it on an idle machine).

For each model: a model file at the plugin's default input (one epoch on random images), its
ONNX export run by ONNX Runtime (intra-op threads = --threads) at batch 1 (median latency over
200 runs) and batch 64 (images per second over 10 runs), and `vision bench infer` at the same
batches. Prints a table; ratios are vision ÷ ONNX Runtime (latency: lower is better; throughput:
higher is better).

  /tmp/onnxvenv/bin/python benchmarks/interop/latency-onnx.py .build/release/vision [models] [threads]
"""
import json, os, statistics, subprocess, sys, tempfile, time
import numpy as np
import onnxruntime
from PIL import Image

vision = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/vision")
models = (sys.argv[2] if len(sys.argv) > 2 else "lenet,defectnet,resnet20,mobilenetv2,resnet18").split(",")
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
rng = np.random.default_rng(0)

def run(*args):
    return subprocess.run([vision, *args], check=True, capture_output=True, text=True).stdout

catalogue = {m["name"]: m for m in json.loads(run("models", "--json"))}
print(f"threads {threads}; ONNX Runtime {onnxruntime.__version__}")
print(f"{'model':12s} {'input':10s} {'b1 vision ms':>12s} {'b1 ORT ms':>10s} {'ratio':>6s} {'b64 vision img/s':>17s} {'b64 ORT img/s':>14s} {'ratio':>6s}")
for name in models:
    pre = catalogue[name]["preprocessing"]
    h, w, c = pre["input_size"]["height"], pre["input_size"]["width"], pre["channels"]
    with tempfile.TemporaryDirectory() as tmp:
        for k in ("a", "b"):
            os.makedirs(os.path.join(tmp, "data", k))
            for i in range(8):
                pixels = rng.integers(0, 256, size=(h, w, c) if c == 3 else (h, w), dtype=np.uint8)
                Image.fromarray(pixels).save(os.path.join(tmp, "data", k, f"{i}.png"))
        run("train", os.path.join(tmp, "data"), "--model", name, "--epochs", "1", "--batch-size", "4", "--image-size", f"{w}x{h}",
            "--channels", str(c), "--val-fraction", "0.25", "--test-fraction", "0.25", "--train-fraction", "0.5", "--output", os.path.join(tmp, "run"))
        onnx_path = os.path.join(tmp, "model.onnx")
        run("export", os.path.join(tmp, "run", "best.vision"), "--output", onnx_path)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
        one = rng.standard_normal((1, c, h, w)).astype(np.float32)
        batch = rng.standard_normal((64, c, h, w)).astype(np.float32)
        for _ in range(20):
            session.run(None, {"input": one})
        latencies = []
        for _ in range(200):
            start = time.perf_counter()
            session.run(None, {"input": one})
            latencies.append((time.perf_counter() - start) * 1000)
        session.run(None, {"input": batch})
        start = time.perf_counter()
        for _ in range(10):
            session.run(None, {"input": batch})
        ort_throughput = 640 / (time.perf_counter() - start)
        b1 = json.loads(run("bench", "infer", "--model", name, "--batch-size", "1", "--steps", "200", "--threads", str(threads), "--json"))
        b64 = json.loads(run("bench", "infer", "--model", name, "--batch-size", "64", "--steps", "10", "--threads", str(threads), "--json"))
        ort_latency = statistics.median(latencies)
        print(f"{name:12s} {h}x{w}x{c:<4d} {b1['latency_ms']:12.2f} {ort_latency:10.2f} {b1['latency_ms'] / ort_latency:6.2f} "
              f"{b64['images_per_second']:17.0f} {ort_throughput:14.0f} {b64['images_per_second'] / ort_throughput:6.2f}", flush=True)
