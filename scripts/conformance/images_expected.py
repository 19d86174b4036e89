#!/usr/bin/env python3
"""Writes what PIL decodes from every file of the image conformance corpus.

For each file under testdata/conformance/images/ (Pillow's Tests/images) this records, as
Ray Data's read_images would return it:

  rgb     np.asarray(Image.open(f).convert("RGB")), the default mode
  native  np.asarray(Image.open(f)) with PIL's mode name (Ray's mode=None)
  rgb_transposed  the RGB array after ImageOps.exif_transpose, when the file has an
          orientation other than 1 (what sluice's orientation option must give)

each as its shape, dtype, SHA-256 of the C-ordered little-endian bytes and mean, or the
error PIL raised ("PIL refuses"). The Go conformance test
(go test ./data/transform/vision -run TestConformance) compares its own decodes with this
file, so it needs no Python.

  python3 scripts/conformance/images_expected.py          # rewrite the JSON
  python3 scripts/conformance/images_expected.py --check  # live: PIL now == committed JSON
"""
import hashlib
import json
import os
import sys
import warnings

import numpy as np
import PIL
from PIL import Image, ImageOps, features

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "testdata", "conformance", "images")
OUT = os.path.join(ROOT, "expected.json")

# Twice PIL's default limit is where PIL raises DecompressionBombError; sluice's decoder
# uses the same limit (vision.DefaultMaxPixels).
Image.MAX_IMAGE_PIXELS = 89478485


def summary(a):
    a = np.ascontiguousarray(a)
    if a.dtype.byteorder == ">" or (a.dtype.byteorder == "=" and sys.byteorder == "big"):
        a = a.astype(a.dtype.newbyteorder("<"))
    return {
        "shape": list(a.shape),
        "dtype": str(a.dtype.newbyteorder("=")) if a.dtype.byteorder != "|" else str(a.dtype),
        "sha256": hashlib.sha256(a.tobytes()).hexdigest(),
        "mean": round(float(a.astype(np.float64).mean()), 4) if a.size else 0.0,
    }


def err(e):
    # PIL names the file by the path it was given: keep the messages machine-independent.
    msg = str(e).replace(os.path.join(ROOT, ""), "")
    return f"{type(e).__name__}: {msg}"[:200]


def expect(path):
    rec = {}
    try:
        with Image.open(path) as im:
            rec["format"] = im.format
            rec["mode"] = im.mode
            rec["rgb"] = summary(np.asarray(im.convert("RGB")))
    except Exception as e:
        return {"error": err(e)}
    # Separate opens: reading EXIF first can change what a later load gives.
    with Image.open(path) as im:
        rec["frames"] = getattr(im, "n_frames", 1)
    with Image.open(path) as im:
        try:
            rec["orientation"] = im.getexif().get(0x0112, 1)
        except Exception:
            rec["orientation"] = 1
    try:
        with Image.open(path) as im:
            native = np.asarray(im)
            rec["native"] = summary(native)
            rec["native"]["mode"] = im.mode
    except Exception as e:
        rec["native"] = {"error": err(e)}
    # PIL's TIFF plugin applies the orientation itself when it loads (TiffImagePlugin
    # load_end calls exif_transpose): its rgb array is already transposed.
    if rec.get("orientation", 1) not in (1, None) and rec["format"] != "TIFF":
        try:
            with Image.open(path) as im:
                rec["rgb_transposed"] = summary(np.asarray(ImageOps.exif_transpose(im).convert("RGB")))
        except Exception as e:
            rec["rgb_transposed"] = {"error": err(e)}
    return rec


def build():
    files = {}
    for dirpath, _, names in os.walk(ROOT):
        for name in sorted(names):
            if name in ("LICENSE", "README.md", "expected.json", "results.txt"):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, ROOT).replace(os.sep, "/")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                files[rel] = expect(path)
    return {
        "generator": "scripts/conformance/images_expected.py",
        "pillow": PIL.__version__,
        "numpy": np.__version__,
        "libwebp": features.version("webp"),
        "libtiff": features.version("libtiff"),
        "libjpeg": features.version("jpg"),
        "zlib": features.version("zlib"),
        "files": dict(sorted(files.items())),
    }


def main():
    # libtiff prints its warnings on the C stderr; keep the output readable.
    devnull = os.open(os.devnull, os.O_WRONLY)
    saved = os.dup(2)
    os.dup2(devnull, 2)
    try:
        got = build()
    finally:
        os.dup2(saved, 2)
    text = json.dumps(got, indent=1, sort_keys=False) + "\n"
    if "--check" in sys.argv[1:]:
        with open(OUT) as f:
            want = json.load(f)
        if want["pillow"] != PIL.__version__:
            # Other Pillow builds bundle other libjpeg/libwebp/libtiff versions.
            print(f"images_expected: skipped: the expectations are Pillow {want['pillow']}'s, this is Pillow {PIL.__version__} (scripts/install-python-deps.sh pins it)")
            return
        diff = [k for k in sorted(set(want["files"]) | set(got["files"])) if want["files"].get(k) != got["files"].get(k)]
        for k in diff:
            print(f"images_expected: {k}: committed {want['files'].get(k)} but PIL {PIL.__version__} gives {got['files'].get(k)}")
        if diff:
            sys.exit(1)
        print(f"images_expected: PIL {PIL.__version__} gives the committed expectations for all {len(got['files'])} files")
        return
    with open(OUT, "w") as f:
        f.write(text)
    n = sum(1 for v in got["files"].values() if "error" not in v)
    print(f"images_expected: wrote {OUT}: {len(got['files'])} files, {n} that PIL reads")


if __name__ == "__main__":
    main()
