"""Writes the pyarrow fixtures read by pyarrow_test.go. Run from this directory:

    python3 make_fixtures.py

Made with pyarrow 26.0.1. The files are committed, so the Go tests do not need Python.
"""
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

table = pa.table({
    "id": pa.array([1, 2, 3, 4, 5], pa.int64()),
    "score": pa.array([0.5, None, 2.25, -1.0, 3.0], pa.float64()),
    "ok": pa.array([True, False, None, True, False], pa.bool_()),
    "name": pa.array(["ann", "bob, jr", None, "dé", "eve"], pa.string()),
    "vec": pa.array([[1.0, 2.0], [3.0], None, [], [4.0, 5.0, 6.0]], pa.list_(pa.float32())),
    "small": pa.array([1, 2, 3, 4, 5], pa.int32()),
})

# Two row groups (3 + 2 rows), snappy, as pyarrow writes by default apart from the group size.
pq.write_table(table, "pyarrow.parquet", row_group_size=3, compression="snappy")

# CSV cannot hold lists.
pacsv.write_csv(table.drop_columns(["vec"]), "pyarrow.csv")
