#!/usr/bin/env python3
"""PyTorch side of the training/inference benchmark: the same three models, batch sizes and
step (forward + backward + SGD momentum) as `vision bench train/infer`, on synthetic data,
with warm-up and the median of timed blocks. Prints one JSON object per line.

Usage: python3 pytorch_baseline.py [--threads 2]
Exits 0 with {"skipped": "..."} when torch is not installed (no test needs it).
Run it with MALLOC_MMAP_THRESHOLD_=1000000000 MALLOC_TRIM_THRESHOLD_=1000000000 for PyTorch's
fastest setting here (run.sh does).
"""
import argparse
import json
import statistics
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print(json.dumps({"skipped": "torch is not installed (python3 -m venv v && v/bin/pip install torch)"}))
    sys.exit(0)


class LeNet(nn.Module):
    def __init__(self, c=1, k=10):
        super().__init__()
        self.conv1 = nn.Conv2d(c, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(3136, 128)
        self.fc2 = nn.Linear(128, k)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


class BasicBlock(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.pad = planes // 4 if stride != 1 or cin != planes else 0

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        sc = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad)) if self.pad else x
        return F.relu(out + sc)


class ResNet20(nn.Module):
    def __init__(self, c=3, k=10):
        super().__init__()
        self.conv1 = nn.Conv2d(c, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        layers, cin = [], 16
        for planes, stride in ((16, 1), (32, 2), (64, 2)):
            for i in range(3):
                layers.append(BasicBlock(cin, planes, stride if i == 0 else 1))
                cin = planes
        self.layers = nn.Sequential(*layers)
        self.linear = nn.Linear(64, k)

    def forward(self, x):
        x = self.layers(F.relu(self.bn1(self.conv1(x))))
        return self.linear(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class DefectNet(nn.Module):
    def __init__(self, c=1, k=2):
        super().__init__()
        stages, cin = [], c
        for w in (16, 32, 64, 128):
            stages += [nn.Conv2d(cin, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(), nn.MaxPool2d(2)]
            cin = w
        self.stages = nn.Sequential(*stages)
        self.classifier = nn.Linear(cin, k)

    def forward(self, x):
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(self.stages(x), 1), 1))


MODELS = {"lenet": LeNet, "resnet20": ResNet20, "defectnet": DefectNet}


def timed(step, steps, blocks=5):
    for _ in range(3):
        step()
    per = []
    for _ in range(blocks):
        t = time.perf_counter()
        for _ in range(steps):
            step()
        per.append((time.perf_counter() - t) / steps)
    return statistics.median(per)


def train(name, batch, shape, classes, steps):
    model = MODELS[name](shape[0], classes).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(batch, *shape)
    y = torch.arange(batch) % classes

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()

    t = timed(step, steps)
    return {"kind": "train", "model": name, "batch": batch, "images_per_second": batch / t, "latency_ms": t * 1000}


def infer(name, batch, shape, classes, steps):
    model = MODELS[name](shape[0], classes).eval()
    x = torch.randn(batch, *shape)

    def step():
        with torch.inference_mode():
            model(x)

    t = timed(step, steps)
    return {"kind": "infer", "model": name, "batch": batch, "images_per_second": batch / t, "latency_ms": t * 1000}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(json.dumps({"torch": torch.__version__, "threads": args.threads}))
    print(json.dumps(train("lenet", 64, (1, 28, 28), 10, 10)))
    print(json.dumps(train("resnet20", 128, (3, 32, 32), 10, 3)))
    print(json.dumps(train("defectnet", 32, (1, 128, 128), 2, 3)))
    print(json.dumps(infer("resnet20", 1, (3, 32, 32), 10, 50)))
    print(json.dumps(infer("resnet20", 64, (3, 32, 32), 10, 10)))


if __name__ == "__main__":
    main()
