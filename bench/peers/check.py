"""Checks a Parquet output directory the same way for every system (issue 8's honesty
check): prints {"rows": N, "checksum": {column: sum}} as JSON. Tensor columns (any
extension type: arrow.fixed_shape_tensor, Ray's tensor types) are summed over their
elements. Sums are taken in float64; the benchmark's values are multiples of 1/1024, so the
sums are exact and independent of row order.

    python check.py DIR
"""
import glob
import json
import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


def values(arr):
    if isinstance(arr, pa.ExtensionArray):
        arr = arr.storage
    while pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type) or pa.types.is_fixed_size_list(arr.type):
        arr = arr.flatten()
    return arr.to_numpy(zero_copy_only=False)


def main():
    d = sys.argv[1]
    files = sorted(glob.glob(os.path.join(d, "**", "*.parquet"), recursive=True))
    rows, sums = 0, {}
    for f in files:
        t = pq.read_table(f)
        rows += t.num_rows
        for name in t.column_names:
            s = 0.0
            for chunk in t.column(name).chunks:
                s += float(np.sum(values(chunk), dtype=np.float64))
            sums[name] = sums.get(name, 0.0) + s
    print(json.dumps({"rows": rows, "files": len(files), "checksum": sums}))


if __name__ == "__main__":
    main()
