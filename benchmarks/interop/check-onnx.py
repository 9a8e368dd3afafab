#!/usr/bin/env python3
"""Checks `vision export --format onnx` against ONNX Runtime (not a test requirement).

For every built-in model plugin at its default input (and the YAML models): two model files,
one a hair from its initialisation (learning rate 1e-6, but 36 steps so that batch-norm
statistics settle and the outputs are not saturated) and one trained for an epoch at the default rate, on random
images at exactly that input size (so that no resize is involved); each is
exported with --with-preprocessing --with-softmax, checked with onnx.checker, run by ONNX
Runtime on 16 images, and compared with `vision infer` probabilities; also the plain export
(logits) through a softmax. Prints the largest absolute difference per model; exits 1 when
any exceeds 1e-4.

  python3 -m venv /tmp/onnxvenv && /tmp/onnxvenv/bin/pip install onnx onnxruntime numpy pillow
  /tmp/onnxvenv/bin/python benchmarks/interop/check-onnx.py .build/release/vision
"""
import json, os, subprocess, sys, tempfile
import numpy as np
import onnx, onnxruntime
from PIL import Image

vision = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/vision")
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
models = sys.argv[2].split(",") if len(sys.argv) > 2 else None

def run(*args):
    return subprocess.run([vision, *args], check=True, capture_output=True, text=True).stdout

catalogue = json.loads(run("models", "--json", "--plugin-dir", os.path.join(root, "fixtures/models/plugins")))
entries = catalogue if isinstance(catalogue, list) else catalogue.get("models", [])
worst = 0.0
rng = np.random.default_rng(0)
for entry in entries:
    name = entry["name"]
    if models and name not in models:
        continue
    pre = entry.get("preprocessing") or entry.get("default_preprocessing") or {}
    size = pre.get("input_size", {})
    h, w = size.get("height", 32), size.get("width", 32)
    c = pre.get("channels", 3)
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        for k in ("a", "b"):
            os.makedirs(os.path.join(data, k))
            for i in range(12):
                pixels = rng.integers(0, 256, size=(h, w, c) if c == 3 else (h, w), dtype=np.uint8)
                Image.fromarray(pixels).save(os.path.join(data, k, f"{i}.png"))
        # "fresh": weights a hair from initialisation, batch-norm statistics settled over 36 steps
        # (with the initial ones a deep ResNet's outputs saturate and compare nothing).
        for variant, rate, epochs, batch in (("fresh", "0.000001", "3", "2"), ("trained", "0.05", "1", "8")):
            run("train", data, "--model", name, "--plugin-dir", os.path.join(root, "fixtures/models/plugins"), "--epochs", epochs, "--lr", rate,
                "--batch-size", batch, "--image-size", f"{w}x{h}", "--channels", str(c), "--resize", "stretch", "--output", os.path.join(tmp, variant))
            model = os.path.join(tmp, variant, "best.vision")
            images = sorted(os.path.join(data, k, f) for k in ("a", "b") for f in os.listdir(os.path.join(data, k)))[:16]
            lines = run("infer", model, *images, "--format", "jsonl", "--top-k", "2", "--argmax", "--plugin-dir", os.path.join(root, "fixtures/models/plugins"))
            expected = []
            for line in lines.splitlines():
                doc = json.loads(line)
                p = {t["label"]: t["probability"] for t in doc["top"]}
                expected.append([p["a"], p["b"]])
            expected = np.array(expected, dtype=np.float64)
            diffs, logit_diffs = [], []
            for flags, softmax in ((["--with-preprocessing", "--with-softmax"], False), (["--with-preprocessing"], True)):
                out = os.path.join(tmp, "model.onnx")
                run("export", model, "--output", out, "--plugin-dir", os.path.join(root, "fixtures/models/plugins"), *flags)
                proto = onnx.load(out)
                onnx.checker.check_model(proto, full_check=True)
                meta = {p.key: json.loads(p.value) for p in proto.metadata_props}
                assert meta["classes"] == ["a", "b"], meta
                session = onnxruntime.InferenceSession(out, providers=["CPUExecutionProvider"])
                batch = []
                for path in images:
                    x = np.asarray(Image.open(path), dtype=np.float32) / 255
                    batch.append(x.transpose(2, 0, 1) if x.ndim == 3 else x[None])
                result = session.run(None, {"pixels": np.stack(batch)})[0].astype(np.float64)
                if softmax:
                    # The plain export gives logits: compare them with vision's as far as its
                    # probabilities tell (log p up to a per-row constant, where p is not tiny).
                    usable = expected.min(1) > 1e-6
                    if usable.any():
                        ours = np.log(expected[usable])
                        ours -= ours.mean(1, keepdims=True)
                        theirs = result[usable] - result[usable].mean(1, keepdims=True)
                        logit_diffs.append(float(np.abs(ours - theirs).max()))
                    result = np.exp(result - result.max(1, keepdims=True))
                    result /= result.sum(1, keepdims=True)
                diffs.append(float(np.abs(result - expected).max()))
            worst = max(worst, *diffs)
            spread = float(expected.min())
            print(f"{name:14s} {variant:7s} {h}x{w}x{c}  max |ORT - vision| {max(diffs):.2e}  (smallest probability {spread:.3f}; centred logits {max(logit_diffs) if logit_diffs else float('nan'):.1e}; {len(proto.graph.node)} nodes)", flush=True)
print(f"worst {worst:.2e}")
status = 0 if worst <= 1e-4 else 1
# The import check belongs to the same run when torch is in this venv.
import importlib.util
if importlib.util.find_spec("torch") and importlib.util.find_spec("torchvision"):
    status |= subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "check-import.py"), vision]).returncode
sys.exit(status)
