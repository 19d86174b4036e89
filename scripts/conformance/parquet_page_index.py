#!/usr/bin/env python3
"""Writes a Parquet file with a page index, for sluice's page pruning and late materialization.

    python3 scripts/conformance/parquet_page_index.py OUT_FILE DATA_PAGE_VERSION

30000 random rows with nulls (seeded, so the file is the same each run) in 3 row groups of
10000 rows and data pages of at most 1000 rows (max_rows_per_page), with a page index
(write_page_index=True): k = row // 10 (sorted, no nulls), x uniform in [0, 1) (10% null),
s a letter and two digits (5% null, dictionary-encoded) but "k_rare" in rows 2500-2504, i32
(20% null, dictionary-encoded), b (10% null), ts = row seconds as timestamp[us] (10% null)
l, a list<int64> null every 7th row, and z = row, but null in every third page (all of
rows 0-999, 3000-3999, ...), and sd, strings (5% null) in DELTA_LENGTH_BYTE_ARRAY (data
pages v1) or DELTA_BYTE_ARRAY (v2). With data pages v2, timestamps are INT96. DATA_PAGE_VERSION is "1.0" or "2.0". data's
TestPageIndexPushdownPyarrow and data/read's TestParquetSelect read it.

Exit status 2 when pyarrow or numpy is missing.
"""

import sys

try:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
except ImportError as e:
    print(e, file=sys.stderr)
    sys.exit(2)

out, version = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(7)
n = 30000
row = np.arange(n)


def nulls(p):
    return rng.random(n) < p


k = pa.array(row // 10, pa.int64())
x = pa.array(rng.random(n), pa.float64(), mask=nulls(0.1))
letters = np.array([chr(97 + i) for i in range(26)])
sv = np.char.add(letters[rng.integers(0, 26, n)], rng.integers(10, 100, n).astype(str)).astype(object)
sv[2500:2505] = "k_rare"
s = pa.array(sv, pa.string(), mask=nulls(0.05))
i32 = pa.array(rng.integers(-1000, 1000, n).astype(np.int32), mask=nulls(0.2))
b = pa.array(rng.random(n) < 0.5, mask=nulls(0.1))
ts = pa.array((row * 1_000_000).astype("datetime64[us]"), mask=nulls(0.1))
l = pa.array([[int(i), int(i) + 1] if i % 7 else None for i in row], pa.list_(pa.int64()))
z = pa.array(row, pa.int64(), mask=(row // 1000) % 3 == 0)
sd = pa.array(np.char.add(letters[rng.integers(0, 26, n)], rng.integers(0, 10**6, n).astype(str)).astype(object),
              pa.string(), mask=nulls(0.05))
t = pa.table({"k": k, "x": x, "s": s, "i32": i32, "b": b, "ts": ts, "l": l, "z": z, "sd": sd})
v1 = version == "1.0"
pq.write_table(t, out, row_group_size=10000, write_page_index=True, max_rows_per_page=1000,
               data_page_version=version, use_dictionary=["s", "i32"],
               column_encoding={"sd": "DELTA_LENGTH_BYTE_ARRAY" if v1 else "DELTA_BYTE_ARRAY"},
               use_deprecated_int96_timestamps=not v1)
