"""Writes the pyarrow tensor fixtures read by parquet_pages_test.go. Run from this directory:

    python3 make_tensor_pages.py

Made with pyarrow 26.0.1. The files are committed, so the Go tests do not need Python.
"""
import pyarrow as pa
import pyarrow.parquet as pq

N = 50
tensor_type = pa.fixed_shape_tensor(pa.float32(), [2, 3])
t = pa.ExtensionArray.from_storage(
    tensor_type,
    pa.array([[i * 6 + k + 0.25 for k in range(6)] for i in range(N)], pa.list_(pa.float32(), 6)))

# No nulls: every tensor-like column takes the page reader; three row groups.
pq.write_table(pa.table({
    "id": pa.array(range(N), pa.int64()),
    "t": t,
    "d": pa.array([[i, -i] for i in range(N)], pa.list_(pa.float64(), 2)),
    "k": pa.array([[i, i + 1, i + 2] for i in range(N)], pa.list_(pa.int32(), 3)),
}), "pyarrow_tensor.parquet", row_group_size=20, compression="snappy")

# The same with version 2 data pages, zstd and no dictionaries.
pq.write_table(pq.read_table("pyarrow_tensor.parquet"), "pyarrow_tensor_v2.parquet", row_group_size=20,
               compression="zstd", data_page_version="2.0", use_dictionary=False)

# Nulls after the first rows of a row group, and no statistics to warn: the page reader must
# notice them in the levels and hand the row group back to pqarrow.
rows = [[i, -i] for i in range(N)]
rows[33] = None            # a null row in row group 1
elems = [[i, i + 1, i + 2] for i in range(N)]
elems[45] = [1, None, 3]   # a null element in row group 2
pq.write_table(pa.table({
    "id": pa.array(range(N), pa.int64()),
    "d": pa.array(rows, pa.list_(pa.float64(), 2)),
    "k": pa.array(elems, pa.list_(pa.int32(), 3)),
}), "pyarrow_tensor_nulls.parquet", row_group_size=20, compression="snappy", write_statistics=False)
