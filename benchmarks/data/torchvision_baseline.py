#!/usr/bin/env python3
"""torchvision's data pipeline on an ImageFolder tree, the baseline for `vision bench data`.

ImageFolder + Compose([Resize(S), RandomHorizontalFlip(), ToTensor(), Normalize(ImageNet)]) with a
DataLoader of W workers and batch N. One warm-up epoch, then epochs until --seconds have passed.
Prints images/s, or JSON {"images_per_second": ...} with --json.

Usage: benchmarks/data/torchvision_baseline.py DIR [--size 64] [--batch 64] [--workers 2] [--seconds 3] [--json]
Exits 0 with "skipped: ..." when torch or torchvision is not installed.
"""
import argparse
import json
import sys
import time


def import_torchvision():
    """torchvision from pip can be a CUDA build whose C ops fail to load next to CPU torch; its
    import then dies registering fake kernels for torchvision::nms. Defining the op schemas first
    lets the pure-Python datasets and transforms import (no C++ op is used here)."""
    import torch

    try:
        import torchvision  # noqa: F401
        return None
    except Exception as first:  # noqa: BLE001
        try:
            lib = torch.library.Library("torchvision", "DEF")
            lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
            lib.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
            import torchvision  # noqa: F401
            return f"torchvision C ops unavailable ({first}); using its pure-Python parts"
        except Exception as second:  # noqa: BLE001
            raise ImportError(f"{first}; {second}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("directory")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    try:
        import torch
        note = import_torchvision()
        from torchvision import datasets, transforms
    except ImportError as error:
        message = f"skipped: torch/torchvision not installed ({error})"
        print(json.dumps({"skipped": message}) if args.json else message)
        return 0
    if note:
        print(note, file=sys.stderr)
    torch.set_num_threads(1)
    pipeline = transforms.Compose([
        transforms.Resize(args.size),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    ])
    dataset = datasets.ImageFolder(args.directory, transform=pipeline)
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=args.batch, shuffle=True, num_workers=args.workers,
        persistent_workers=args.workers > 0)
    for _ in loader:  # warm-up: workers started, files cached
        pass
    images, start = 0, time.perf_counter()
    while True:
        for images_batch, _ in loader:
            images += images_batch.shape[0]
        elapsed = time.perf_counter() - start
        if elapsed >= args.seconds:
            break
    rate = images / elapsed
    if args.json:
        print(json.dumps({"images_per_second": round(rate), "images": images, "seconds": elapsed}))
    else:
        print(f"{rate:.0f} images/s  ({len(dataset)} files, size {args.size}, batch {args.batch}, {args.workers} workers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
