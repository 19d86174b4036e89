#!/usr/bin/env python3
"""What PIL decodes from the JPEGs of Pillow's Tests/images, as hashes, for sluice's JPEG
conformance tests (data/transform/vision/jpeg_conformance_test.go).

    python3 scripts/conformance/jpeg_expected.py CORPUS_DIR > data/transform/vision/testdata/jpeg_conformance.json
    python3 scripts/conformance/jpeg_expected.py --scaled CORPUS_DIR   # the live test's input

CORPUS_DIR holds Pillow's test images (../shared/corpora/pillow-images, or the vendored
testdata/conformance/images). For each *.jpg: the mode PIL opens it in, the size, and the
SHA-256 of np.asarray(Image.open(f).convert("RGB")) (what Ray Data's read_images returns)
and of .convert("L"); or the error PIL raises. With --scaled, also the RGB hash of each
DCT-scaled decode (Image.draft, libjpeg's scale_denom 2, 4 and 8) under "scaled".
Needs Pillow and numpy at the versions scripts/install-python-deps.sh pins.
"""
import hashlib
import json
import os
import sys

import numpy as np
import PIL
from PIL import Image


def digest(im):
    a = np.ascontiguousarray(np.asarray(im))
    return hashlib.sha256(a.tobytes()).hexdigest()


def entry(path, scaled):
    try:
        with Image.open(path) as im:
            im.load()
            out = {"mode": im.mode, "width": im.size[0], "height": im.size[1],
                   "rgb": digest(im.convert("RGB")), "l": digest(im.convert("L"))}
    except Exception as e:  # what PIL refuses, sluice must refuse or decode without a crash
        return {"error": "%s: %s" % (type(e).__name__, e)}
    if scaled:
        out["scaled"] = {}
        for d in (2, 4, 8):
            with Image.open(path) as im:
                w, h = im.size
                if w < d or h < d:
                    continue  # draft cannot ask for less than a pixel
                im.draft(None, (w // d, h // d))
                if im.size != ((w + d - 1) // d, (h + d - 1) // d):
                    continue  # too small for this scale
                im.load()
                out["scaled"][str(d)] = digest(im.convert("RGB"))
    return out


def main(argv):
    scaled = "--scaled" in argv
    args = [a for a in argv if a != "--scaled"]
    if len(args) != 1:
        sys.exit(__doc__)
    root = args[0]
    files = sorted(f for f in os.listdir(root) if f.lower().endswith((".jpg", ".jpeg")))
    doc = {"pillow": PIL.__version__, "numpy": np.__version__,
           "files": {f: entry(os.path.join(root, f), scaled) for f in files}}
    json.dump(doc, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
