#!/usr/bin/env python3
"""PIL baseline for sluice's BenchmarkReadImages224 (bench/images_test.go).

The loop every Ray Data read_images(size=(224, 224)) task runs per file: open, convert to RGB,
resize to 224x224 with Image.BILINEAR, np.asarray. It runs twice over the same files, once as
is and once with Image.draft('RGB', (224, 224)), which lets libjpeg scale down in the DCT
(1/2, 1/4, 1/8) before the resize. The process is pinned to one CPU, so the figures are images
per second on one core; on a machine shared with other work the per-CPU-second figures
(process time) are the ones to compare.

    python3 bench/peers/pil_images.py bench/data/images/imagenet [--repeat 1] [--limit 0]

Prints one JSON object on stdout:
    {"images": N, "pil": images/s, "pil_draft": images/s, "pil_cpu": images/CPU-s,
     "pil_draft_cpu": images/CPU-s, "pillow": "13.0.0", "numpy": "2.4.6"}
Exits with status 2 and a message on stderr when Pillow or numpy is missing or the directory
holds no JPEGs, so the Go benchmark can say why it has no ratio.
"""

import argparse
import json
import os
import sys
import time

try:
    import numpy as np
    import PIL
    from PIL import Image
except ImportError as e:  # the Go side reports this and skips the ratios
    print(f"pil_images.py: {e}", file=sys.stderr)
    sys.exit(2)

SIZE = (224, 224)
EXTENSIONS = (".jpg", ".jpeg")


def load(path, draft):
    with Image.open(path) as img:
        if draft:
            img.draft("RGB", SIZE)
        img = img.convert("RGB").resize(SIZE, Image.BILINEAR)
        arr = np.asarray(img)
    if arr.shape != (224, 224, 3):
        raise ValueError(f"{path}: shape {arr.shape}")
    return arr


def run(paths, draft, repeat):
    """Returns images per wall second and per CPU second, from the fastest of repeat runs."""
    best, best_cpu = None, None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        for p in paths:
            load(p, draft)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        best = elapsed if best is None else min(best, elapsed)
        best_cpu = cpu if best_cpu is None else min(best_cpu, cpu)
    return len(paths) / best, len(paths) / best_cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--repeat", type=int, default=1, help="runs per mode; the fastest counts")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N files (0: all)")
    args = ap.parse_args()
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass  # not Linux: PIL decodes on one thread anyway
    paths = sorted(
        os.path.join(args.dir, f) for f in os.listdir(args.dir) if f.lower().endswith(EXTENSIONS)
    )
    if args.limit > 0:
        paths = paths[: args.limit]
    if not paths:
        print(f"pil_images.py: {args.dir}: no JPEG files", file=sys.stderr)
        sys.exit(2)
    # Warm the page cache so neither mode pays for the first read.
    for p in paths:
        with open(p, "rb") as f:
            f.read()
    pil, pil_cpu = run(paths, False, args.repeat)
    draft, draft_cpu = run(paths, True, args.repeat)
    out = {
        "images": len(paths),
        "pil": pil,
        "pil_draft": draft,
        "pil_cpu": pil_cpu,
        "pil_draft_cpu": draft_cpu,
        "pillow": PIL.__version__,
        "numpy": np.__version__,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
