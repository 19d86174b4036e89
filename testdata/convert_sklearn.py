"""Convert scikit-learn's bundled CSVs into plain CSVs with a header row.

Source: Debian's python3-sklearn package (1.2.1), files
sklearn/datasets/data/iris.csv and sklearn/datasets/data/breast_cancer.csv. Their first line
is "<rows>,<features>,<class names...>", followed by rows of features and an integer target.
Run: `apt-get download python3-sklearn && dpkg-deb -x python3-sklearn_*.deb x` then
`python3 convert_sklearn.py x/usr/lib/python3/dist-packages/sklearn/datasets/data`.
"""
import csv
import os
import sys

IRIS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
# Feature names as scikit-learn's load_breast_cancer() gives them, with spaces as underscores.
_BASE = ["radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity",
         "concave_points", "symmetry", "fractal_dimension"]
CANCER = [f"mean_{b}" for b in _BASE] + [f"{b}_error" for b in _BASE] + [f"worst_{b}" for b in _BASE]


def convert(src, dst, names, label):
    with open(src) as f:
        rows = list(csv.reader(f))
    n, k, classes = int(rows[0][0]), int(rows[0][1]), rows[0][2:]
    assert len(names) == k and len(rows) - 1 == n
    with open(dst, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(names + [label])
        for r in rows[1:]:
            t = int(r[k])
            w.writerow(r[:k] + ([classes[t]] if label == "species" else [t]))


if __name__ == "__main__":
    d = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    convert(os.path.join(d, "iris.csv"), os.path.join(here, "iris.csv"), IRIS, "species")
    convert(os.path.join(d, "breast_cancer.csv"), os.path.join(here, "breast_cancer.csv"), CANCER, "target")
