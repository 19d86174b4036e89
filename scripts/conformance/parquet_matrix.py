#!/usr/bin/env python3
"""Writes the Parquet writer matrix: files from pyarrow, DuckDB and Polars for sluice to read.

    python3 scripts/conformance/parquet_matrix.py OUT_DIR

pyarrow writes one table with a column of every Arrow type it can store in Parquet, each with
nulls, under every codec, format versions 1.0 and 2.6, data pages v1 and v2, dictionary
encoding on and off, the DELTA_* and BYTE_STREAM_SPLIT encodings, and tiny pages and row
groups. DuckDB and Polars write their own tables of their types. data/read's
TestParquetWriterMatrix runs this, then parquet_expected.py over OUT_DIR for pyarrow's reading
of each file, and checks sluice against it; then writes each back with sluice and checks what
pyarrow reads of that.

A writer whose package is missing is skipped with a line on stderr ("skip duckdb: ..."); exit
status 2 when pyarrow itself is missing.
"""

import datetime
import decimal
import os
import sys

try:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
except ImportError as e:
    print(f"parquet_matrix.py: {e}", file=sys.stderr)
    sys.exit(2)

ROWS = 300


def nulls_every(n, k):
    """A mask with every k-th row null (a different phase per column keeps rows varied)."""
    return np.array([i % k == 0 for i in range(n)])


def pyarrow_table(n=ROWS):
    rng = np.random.default_rng(7)
    cols = {}

    def add(name, arr):
        cols[name] = arr

    def masked(values, typ, k):
        return pa.array(values, type=typ, mask=nulls_every(n, k))

    ints = rng.integers(-(2**31), 2**31, n)
    add("i8", masked(rng.integers(-128, 128, n), pa.int8(), 3))
    add("i16", masked(rng.integers(-(2**15), 2**15, n), pa.int16(), 4))
    add("i32", masked(ints.astype(np.int32), pa.int32(), 5))
    add("i64", masked(rng.integers(-(2**62), 2**62, n), pa.int64(), 6))
    add("u8", masked(rng.integers(0, 256, n), pa.uint8(), 7))
    add("u16", masked(rng.integers(0, 2**16, n), pa.uint16(), 3))
    add("u32", masked(rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32), pa.uint32(), 4))
    add("u64", masked(rng.integers(0, 2**63, n, dtype=np.uint64) * 2 + 1, pa.uint64(), 5))
    add("f16", masked(rng.standard_normal(n).astype(np.float16), pa.float16(), 6))
    f32 = rng.standard_normal(n).astype(np.float32)
    f32[1] = np.nan
    f32[2] = -0.0
    add("f32", masked(f32, pa.float32(), 7))
    f64 = rng.standard_normal(n)
    f64[1], f64[2], f64[4] = np.inf, -np.inf, np.nan
    add("f64", masked(f64, pa.float64(), 3))
    add("bool", masked(rng.integers(0, 2, n).astype(bool), pa.bool_(), 4))
    words = [f"w{i % 17}-{'é' * (i % 3)}" for i in range(n)]
    add("str", masked(words, pa.string(), 5))
    add("large_str", masked(words, pa.large_string(), 6))
    add("bin", masked([w.encode() * (i % 4) for i, w in enumerate(words)], pa.binary(), 7))
    add("large_bin", masked([w.encode() for w in words], pa.large_binary(), 3))
    add("fixed_bin", masked([i.to_bytes(4, "little") for i in range(n)], pa.binary(4), 4))
    add("dec9", masked([decimal.Decimal(int(v)).scaleb(-2) for v in rng.integers(-(10**8), 10**8, n)], pa.decimal128(9, 2), 5))
    add("dec18", masked([decimal.Decimal(int(v)).scaleb(-4) for v in rng.integers(-(10**17), 10**17, n)], pa.decimal128(18, 4), 6))
    add("dec38", masked([decimal.Decimal(int(v) * 10**20 + 7).scaleb(-10) for v in rng.integers(-(10**17), 10**17, n)], pa.decimal128(38, 10), 7))
    add("dec76", masked([decimal.Decimal(int(v) * 10**50 + 3).scaleb(-20) for v in rng.integers(-(10**17), 10**17, n)], pa.decimal256(76, 20), 3))
    days = rng.integers(-100_000, 100_000, n)
    add("date32", masked(days.astype(np.int32), pa.date32(), 4))
    add("date64", pa.array(days.astype(np.int64) * 86_400_000, type=pa.date64(), mask=nulls_every(n, 5)))
    add("time32_s", masked((rng.integers(0, 86_400, n)).astype(np.int32), pa.time32("s"), 6))
    add("time32_ms", masked((rng.integers(0, 86_400_000, n)).astype(np.int32), pa.time32("ms"), 7))
    add("time64_us", masked(rng.integers(0, 86_400 * 10**6, n), pa.time64("us"), 3))
    # Format version 1.0 stores nanoseconds as microseconds: whole microseconds cast safely.
    add("time64_ns", masked(rng.integers(0, 86_400 * 10**6, n) * 1000, pa.time64("ns"), 4))
    ts = rng.integers(-(2**40), 2**40, n)
    add("ts_s", masked(ts, pa.timestamp("s"), 5))
    add("ts_ms", masked(ts, pa.timestamp("ms"), 6))
    add("ts_us", masked(ts, pa.timestamp("us"), 7))
    add("ts_ns", masked(ts * 1000, pa.timestamp("ns"), 3))
    add("ts_us_utc", masked(ts, pa.timestamp("us", tz="UTC"), 4))
    add("ts_ms_tz", masked(ts, pa.timestamp("ms", tz="Europe/Paris"), 5))
    add("dur_us", masked(ts, pa.duration("us"), 6))
    lists = [list(range(i % 5)) if i % 7 else [] for i in range(n)]
    add("list_i32", masked(lists, pa.list_(pa.int32()), 5))
    add("large_list_str", masked([[str(x) for x in l] for l in lists], pa.large_list(pa.string()), 6))
    add("fixed_list_f32", masked([[float(i), -float(i), 0.5] for i in range(n)], pa.list_(pa.float32(), 3), 7))
    add("list_nullable_elems", pa.array([[None if (i + j) % 3 == 0 else j for j in range(i % 4)] for i in range(n)],
                                        type=pa.list_(pa.int64()), mask=nulls_every(n, 8)))
    add("struct", pa.StructArray.from_arrays(
        [pa.array(ints.astype(np.int32), mask=nulls_every(n, 3)), pa.array(words, mask=nulls_every(n, 4))],
        names=["a", "b"], mask=pa.array(nulls_every(n, 5))))
    add("map", masked([[(w, i) for w in words[i:i + i % 3]] for i in range(n)], pa.map_(pa.string(), pa.int32()), 6))
    add("list_struct", masked([[{"x": j, "y": str(j)} for j in range(i % 3)] for i in range(n)],
                              pa.list_(pa.struct([("x", pa.int16()), ("y", pa.string())])), 7))
    add("list_list", masked([[list(range(j)) for j in range(i % 3)] for i in range(n)], pa.list_(pa.list_(pa.int8())), 4))
    add("dict_str", pa.array(words, mask=nulls_every(n, 3)).dictionary_encode())
    add("null", pa.nulls(n))
    return pa.table(cols)


def write_pyarrow(out):
    table = pyarrow_table()
    flat = table.select([c for c in table.column_names if c not in ("null",)])
    plain = dict(use_dictionary=False)
    variants = {}
    for codec in ("none", "snappy", "gzip", "brotli", "zstd", "lz4"):
        for version in ("1.0", "2.6"):
            for page in ("1.0", "2.0"):
                variants[f"pyarrow_{codec}_v{version}_page{page}"] = dict(compression=codec, version=version, data_page_version=page)
    variants["pyarrow_nodict"] = dict(compression="snappy", **plain)
    variants["pyarrow_tiny_pages"] = dict(compression="snappy", data_page_size=64, write_batch_size=16, row_group_size=37,
                                          dictionary_pagesize_limit=128)
    variants["pyarrow_tiny_pages_v2"] = dict(compression="zstd", data_page_size=64, write_batch_size=16, row_group_size=37,
                                             data_page_version="2.0")
    variants["pyarrow_int96"] = dict(compression="snappy", use_deprecated_int96_timestamps=True)
    variants["pyarrow_no_arrow_schema"] = dict(compression="snappy", store_schema=False)
    for name, kw in variants.items():
        pq.write_table(table, os.path.join(out, name + ".parquet"), **kw)
    # Encodings that apply to some types only: one file each, over the columns they take.
    ints = table.select(["i32", "i64", "u32", "u64", "date32", "ts_us", "time64_ns", "dec18"])
    pq.write_table(ints, os.path.join(out, "pyarrow_delta_binary_packed.parquet"), use_dictionary=False,
                   column_encoding={c: "DELTA_BINARY_PACKED" for c in ints.column_names if c != "dec18"})
    strs = table.select(["str", "large_str", "bin", "large_bin"])
    for enc in ("DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY"):
        pq.write_table(strs, os.path.join(out, f"pyarrow_{enc.lower()}.parquet"), use_dictionary=False,
                       column_encoding={c: enc for c in strs.column_names})
    pq.write_table(table.select(["fixed_bin", "dec38"]), os.path.join(out, "pyarrow_delta_byte_array_flba.parquet"),
                   use_dictionary=False, column_encoding={"fixed_bin": "DELTA_BYTE_ARRAY", "dec38": "DELTA_BYTE_ARRAY"})
    bss = table.select(["f16", "f32", "f64", "i32", "i64", "fixed_bin", "dec9"])
    pq.write_table(bss, os.path.join(out, "pyarrow_byte_stream_split.parquet"), use_dictionary=False,
                   column_encoding={c: "BYTE_STREAM_SPLIT" for c in bss.column_names}, compression="zstd")
    # Columns without nulls, required in the Parquet schema.
    req = pa.table({"id": pa.array(np.arange(ROWS)), "x": pa.array(np.linspace(0, 1, ROWS)),
                    "s": pa.array([str(i) for i in range(ROWS)])},
                   schema=pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("x", pa.float64(), nullable=False),
                                     pa.field("s", pa.string(), nullable=False)]))
    pq.write_table(req, os.path.join(out, "pyarrow_required.parquet"))
    del flat


def write_duckdb(out):
    import duckdb

    con = duckdb.connect()
    select = f"""
        SELECT (i % 100)::TINYINT AS i8, i::SMALLINT AS i16, i::INTEGER AS i32, (i * 1000000007)::BIGINT AS i64,
               (i % 200)::UTINYINT AS u8, (i * 7)::UINTEGER AS u32, (i * 1000003)::UBIGINT AS u64,
               (i / 7)::FLOAT AS f32, (i / 3)::DOUBLE AS f64, i % 2 = 0 AS b,
               'row ' || i AS s, ('row ' || i)::BLOB AS bl,
               (i / 100)::DECIMAL(9, 2) AS d9, (i * 12345.678)::DECIMAL(18, 3) AS d18,
               (i * 1e20)::DECIMAL(38, 4) AS d38,
               DATE '2024-01-01' + i::INTEGER AS dt, TIMESTAMP '2024-01-01 00:00:00' + to_minutes(i::BIGINT) AS ts,
               TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i::BIGINT) AS tstz,
               TIME '00:00:00' + to_seconds(i::BIGINT) AS tm,
               [i, i + 1, NULL] AS lst, {{'a': i, 'b': 'x' || i}} AS st,
               CASE WHEN i IS NULL THEN NULL ELSE MAP {{'k' || i: i}} END AS mp
        FROM (SELECT CASE WHEN i % 5 = 0 THEN NULL ELSE i END AS i FROM range({ROWS}) t(i))
    """
    for codec in ("uncompressed", "snappy", "gzip", "zstd", "lz4", "brotli"):
        con.execute(f"COPY ({select}) TO '{os.path.join(out, f'duckdb_{codec}.parquet')}' (FORMAT parquet, COMPRESSION {codec}, ROW_GROUP_SIZE 100)")
    con.execute(f"COPY ({select}) TO '{os.path.join(out, 'duckdb_v2.parquet')}' (FORMAT parquet, PARQUET_VERSION v2)")


def write_polars(out):
    import polars as pl

    n = ROWS
    df = pl.DataFrame({
        "i8": pl.Series([i % 100 for i in range(n)], dtype=pl.Int8),
        "i32": pl.Series(list(range(n)), dtype=pl.Int32),
        "i64": pl.Series([i * 10**12 for i in range(n)], dtype=pl.Int64),
        "u16": pl.Series([i for i in range(n)], dtype=pl.UInt16),
        "u64": pl.Series([i * 2**40 for i in range(n)], dtype=pl.UInt64),
        "f32": pl.Series([i / 3 for i in range(n)], dtype=pl.Float32),
        "f64": pl.Series([i / 7 for i in range(n)], dtype=pl.Float64),
        "b": pl.Series([i % 3 == 0 for i in range(n)]),
        "s": pl.Series([f"polars {i}" for i in range(n)]),
        "cat": pl.Series([f"c{i % 4}" for i in range(n)], dtype=pl.Categorical),
        "bin": pl.Series([bytes([i % 256]) * (i % 5) for i in range(n)], dtype=pl.Binary),
        "d": pl.Series([datetime.date(2020, 1, 1) + datetime.timedelta(days=i) for i in range(n)]),
        "dt_us": pl.Series([datetime.datetime(2020, 1, 1) + datetime.timedelta(seconds=i) for i in range(n)]),
        "dt_ms_tz": pl.Series([datetime.datetime(2020, 1, 1) + datetime.timedelta(seconds=i) for i in range(n)]).dt.cast_time_unit("ms").dt.replace_time_zone("UTC"),
        "dur": pl.Series([datetime.timedelta(milliseconds=i) for i in range(n)]),
        "tm": pl.Series([datetime.time(i % 24, i % 60) for i in range(n)]),
        "dec": pl.Series([decimal.Decimal(i).scaleb(-2) for i in range(n)], dtype=pl.Decimal(10, 2)),
        "lst": pl.Series([list(range(i % 4)) for i in range(n)]),
        "arr": pl.Series([[float(i), 1.0] for i in range(n)], dtype=pl.Array(pl.Float64, 2)),
        "st": pl.Series([{"x": i, "y": str(i)} for i in range(n)]),
    })
    # Nulls in every column: every 4th row, a different phase per column.
    df = df.with_columns([pl.when(pl.int_range(pl.len()) % 4 == k % 4).then(None).otherwise(pl.col(c)).alias(c)
                          for k, c in enumerate(df.columns)])
    for codec in ("uncompressed", "snappy", "gzip", "brotli", "zstd", "lz4"):
        df.write_parquet(os.path.join(out, f"polars_{codec}.parquet"), compression=codec, row_group_size=128)
    df.write_parquet(os.path.join(out, "polars_small_pages.parquet"), data_page_size=256, statistics=True)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(1)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    write_pyarrow(out)
    for name, fn in (("duckdb", write_duckdb), ("polars", write_polars)):
        try:
            fn(out)
        except ImportError as e:
            print(f"skip {name}: {e}", file=sys.stderr)


if __name__ == "__main__":
    main()
