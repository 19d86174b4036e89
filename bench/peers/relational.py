"""Peer side of the relational (issue 13: R1-R4) and expression (issue 14: E1) workloads.

Each query is written the way the engine's own documentation writes it, over the Parquet
files that `workloads gen-rel` wrote, and prints one JSON line with the fields of
bench/cmd/workloads: {"system", "workload", "rows", "checksum", "seconds"}. The clock runs
from the first call of the query to its result in this process as Arrow (Ray: the blocks
fetched from the object store); the checksums are taken after it, the same way as the sluice
side (bench/cmd/workloads/relational.go) takes them.

    python relational.py SYSTEM WORKLOAD --in DIR
    SYSTEM: ray, daft, polars, duckdb, pyarrow (E1 only)
    WORKLOAD: r1 (TPC-H Q1), r2 (orders x customers inner join), r3 (sort 10M rows by key),
              r4 (group-by of 512 MiB under a 64 MiB budget), e1 (filter + with_column + select)
"""
import argparse
import datetime
import json
import os
import sys
import tempfile
import time

import numpy as np
import pyarrow as pa

# R4's memory budget, the same as the sluice side's Context.MemoryBudget (spillBudget).
SPILL_BUDGET = 64 << 20
Q1_CUTOFF = datetime.date(1998, 9, 2)
E1_FROM, E1_TO = datetime.date(1994, 1, 1), datetime.date(1995, 1, 1)
Q1_COLUMNS = ["sum_qty", "sum_base_price", "sum_disc_price", "sum_charge", "avg_qty", "avg_price",
              "avg_disc", "count_order"]
THREADS = os.cpu_count()


def files(args, name):
    return os.path.join(args.input, name)


def glob(args, name):
    return os.path.join(args.input, name, "*.parquet")


# ---- checksums (the same as relational.go's) -----------------------------------------------
def ints(t, name):
    return int(np.sum(t.column(name).to_numpy(), dtype=np.int64))


def floats(t, name):
    return float(np.sum(t.column(name).to_numpy(), dtype=np.float64))


def checksum_r1(t):
    out = {}
    rows = t.to_pylist()
    for r in rows:
        for c in Q1_COLUMNS:
            out[f"{r['l_returnflag']}|{r['l_linestatus']}|{c}"] = float(r[c])
    return out


def checksum_r2(t):
    out = {c: float(ints(t, c)) for c in ("o_orderkey", "o_custkey", "c_nationkey")}
    out.update({c: floats(t, c) for c in ("o_totalprice", "c_acctbal")})
    ok = t.column("o_orderkey").to_numpy()
    nk = t.column("c_nationkey").to_numpy()
    out["pair"] = float(np.sum(ok % 1000 * nk, dtype=np.int64))
    return out


def checksum_r3(t):
    out = {"key": float(ints(t, "key")), "p": float(ints(t, "p")), "v": floats(t, "v")}
    keys = t.column("key").to_numpy()
    p = t.column("p").to_numpy().astype(np.uint64)
    pos = np.arange(len(p), dtype=np.uint64)
    with np.errstate(over="ignore"):
        order = int(np.sum(pos * p, dtype=np.uint64))
    out["order"] = float(order & ((1 << 52) - 1))
    out["descents"] = float(np.count_nonzero(keys[1:] < keys[:-1]))
    return out


def checksum_r4(t):
    out = {c: float(ints(t, c)) for c in ("k", "n", "sum_a")}
    out.update({c: floats(t, c) for c in ("sum_x", "mean_y")})
    k = t.column("k").to_numpy()
    n = t.column("n").to_numpy().astype(np.int64)
    out["pair"] = float(np.sum(k % 1000 * n, dtype=np.int64))
    return out


def checksum_e1(t):
    return {"l_orderkey": float(ints(t, "l_orderkey")), "l_quantity": floats(t, "l_quantity"),
            "revenue": floats(t, "revenue")}


CHECKSUMS = {"r1": checksum_r1, "r2": checksum_r2, "r3": checksum_r3, "r4": checksum_r4, "e1": checksum_e1}


# ---- Ray Data 2.60 -------------------------------------------------------------------------
def ray_init(args):
    import ray

    kw = {}
    if args.workload == "r4":
        # The object store is Ray's memory budget; it spills to disk past it. Ray refuses
        # less than 75 MiB (OBJECT_STORE_MINIMUM_MEMORY_BYTES).
        kw["object_store_memory"] = max(SPILL_BUDGET, 75 << 20)
    ray.init(num_cpus=THREADS, include_dashboard=False, logging_level="ERROR", log_to_driver=False, **kw)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    return ray


def ray_collect(ray, ds):
    return pa.concat_tables(ray.get(ds.to_arrow_refs()))


def ray_query(args):
    ray = ray_init(args)
    from ray.data.aggregate import Count, Mean, Sum
    from ray.data.expressions import col, lit

    start = time.perf_counter()
    w = args.workload
    if w == "r1":
        ds = ray.data.read_parquet(files(args, "lineitem"))
        ds = ds.filter(expr=col("l_shipdate") <= lit(Q1_CUTOFF))
        ds = ds.with_column("disc_price", col("l_extendedprice") * (lit(1.0) - col("l_discount")))
        ds = ds.with_column("charge", col("disc_price") * (lit(1.0) + col("l_tax")))
        ds = ds.groupby(["l_returnflag", "l_linestatus"]).aggregate(
            Sum("l_quantity", alias_name="sum_qty"),
            Sum("l_extendedprice", alias_name="sum_base_price"),
            Sum("disc_price", alias_name="sum_disc_price"),
            Sum("charge", alias_name="sum_charge"),
            Mean("l_quantity", alias_name="avg_qty"),
            Mean("l_extendedprice", alias_name="avg_price"),
            Mean("l_discount", alias_name="avg_disc"),
            Count(alias_name="count_order"))
        ds = ds.sort(["l_returnflag", "l_linestatus"])
    elif w == "r2":
        orders = ray.data.read_parquet(files(args, "orders"))
        customers = ray.data.read_parquet(files(args, "customers"))
        ds = orders.join(customers, "inner", num_partitions=THREADS * 4, on=("o_custkey",),
                         right_on=("c_custkey",))
    elif w == "r3":
        ds = ray.data.read_parquet(files(args, "sort")).sort("key")
    elif w == "r4":
        ds = ray.data.read_parquet(files(args, "spill")).groupby("k").aggregate(
            Count(alias_name="n"), Sum("a", alias_name="sum_a"), Sum("x", alias_name="sum_x"),
            Mean("y", alias_name="mean_y"))
    elif w == "e1":
        ds = ray.data.read_parquet(files(args, "lineitem"))
        ds = ds.filter(expr=(col("l_shipdate") >= lit(E1_FROM)) & (col("l_shipdate") < lit(E1_TO))
                       & (col("l_discount") >= lit(0.05)) & (col("l_discount") <= lit(0.07))
                       & (col("l_quantity") < lit(24.0)))
        ds = ds.with_column("revenue", col("l_extendedprice") * col("l_discount"))
        ds = ds.select_columns(["l_orderkey", "l_quantity", "revenue"])
    t = ray_collect(ray, ds)
    return t, time.perf_counter() - start


# ---- Daft ------------------------------------------------------------------------------------
def daft_query(args):
    import daft
    from daft import col, lit

    start = time.perf_counter()
    w = args.workload
    if w == "r1":
        df = daft.read_parquet(glob(args, "lineitem"))
        df = df.where(col("l_shipdate") <= lit(Q1_CUTOFF))
        disc_price = col("l_extendedprice") * (lit(1.0) - col("l_discount"))
        df = df.groupby("l_returnflag", "l_linestatus").agg(
            col("l_quantity").sum().alias("sum_qty"),
            col("l_extendedprice").sum().alias("sum_base_price"),
            disc_price.sum().alias("sum_disc_price"),
            (disc_price * (lit(1.0) + col("l_tax"))).sum().alias("sum_charge"),
            col("l_quantity").mean().alias("avg_qty"),
            col("l_extendedprice").mean().alias("avg_price"),
            col("l_discount").mean().alias("avg_disc"),
            col("l_orderkey").count().alias("count_order"))
        df = df.sort(["l_returnflag", "l_linestatus"])
    elif w == "r2":
        orders = daft.read_parquet(glob(args, "orders"))
        customers = daft.read_parquet(glob(args, "customers"))
        df = orders.join(customers, left_on="o_custkey", right_on="c_custkey", how="inner")
    elif w == "r3":
        df = daft.read_parquet(glob(args, "sort")).sort("key")
    elif w == "r4":
        df = daft.read_parquet(glob(args, "spill")).groupby("k").agg(
            col("k").count().alias("n"), col("a").sum().alias("sum_a"), col("x").sum().alias("sum_x"),
            col("y").mean().alias("mean_y"))
    elif w == "e1":
        df = daft.read_parquet(glob(args, "lineitem"))
        df = df.where((col("l_shipdate") >= lit(E1_FROM)) & (col("l_shipdate") < lit(E1_TO))
                      & col("l_discount").between(0.05, 0.07) & (col("l_quantity") < lit(24.0)))
        df = df.with_column("revenue", col("l_extendedprice") * col("l_discount"))
        df = df.select("l_orderkey", "l_quantity", "revenue")
    t = df.to_arrow()
    return t, time.perf_counter() - start


# ---- Polars ----------------------------------------------------------------------------------
def polars_query(args):
    import polars as pl

    start = time.perf_counter()
    w = args.workload
    engine = "auto"
    c = pl.col
    if w == "r1":
        disc_price = c("l_extendedprice") * (1 - c("l_discount"))
        q = (pl.scan_parquet(glob(args, "lineitem"))
             .filter(c("l_shipdate") <= Q1_CUTOFF)
             .group_by("l_returnflag", "l_linestatus")
             .agg(c("l_quantity").sum().alias("sum_qty"),
                  c("l_extendedprice").sum().alias("sum_base_price"),
                  disc_price.sum().alias("sum_disc_price"),
                  (disc_price * (1 + c("l_tax"))).sum().alias("sum_charge"),
                  c("l_quantity").mean().alias("avg_qty"),
                  c("l_extendedprice").mean().alias("avg_price"),
                  c("l_discount").mean().alias("avg_disc"),
                  pl.len().alias("count_order"))
             .sort("l_returnflag", "l_linestatus"))
    elif w == "r2":
        q = pl.scan_parquet(glob(args, "orders")).join(
            pl.scan_parquet(glob(args, "customers")), left_on="o_custkey", right_on="c_custkey", how="inner")
    elif w == "r3":
        q = pl.scan_parquet(glob(args, "sort")).sort("key")
    elif w == "r4":
        # Polars has no memory limit; its streaming engine is the one meant for inputs larger
        # than memory.
        engine = "streaming"
        q = pl.scan_parquet(glob(args, "spill")).group_by("k").agg(
            pl.len().alias("n"), c("a").sum().alias("sum_a"), c("x").sum().alias("sum_x"),
            c("y").mean().alias("mean_y"))
    elif w == "e1":
        q = (pl.scan_parquet(glob(args, "lineitem"))
             .filter((c("l_shipdate") >= E1_FROM) & (c("l_shipdate") < E1_TO)
                     & c("l_discount").is_between(0.05, 0.07) & (c("l_quantity") < 24.0))
             .with_columns(revenue=c("l_extendedprice") * c("l_discount"))
             .select("l_orderkey", "l_quantity", "revenue"))
    t = q.collect(engine=engine).to_arrow()
    return t, time.perf_counter() - start


# ---- DuckDB ----------------------------------------------------------------------------------
DUCKDB_SQL = {
    "r1": """
        SELECT l_returnflag, l_linestatus,
               sum(l_quantity) AS sum_qty,
               sum(l_extendedprice) AS sum_base_price,
               sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
               sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,
               avg(l_quantity) AS avg_qty,
               avg(l_extendedprice) AS avg_price,
               avg(l_discount) AS avg_disc,
               count(*) AS count_order
        FROM read_parquet('{lineitem}')
        WHERE l_shipdate <= DATE '1998-09-02'
        GROUP BY l_returnflag, l_linestatus
        ORDER BY l_returnflag, l_linestatus""",
    "r2": """
        SELECT * FROM read_parquet('{orders}') o
        JOIN read_parquet('{customers}') c ON o.o_custkey = c.c_custkey""",
    "r3": "SELECT * FROM read_parquet('{sort}') ORDER BY key",
    "r4": """
        SELECT k, count(*) AS n, sum(a) AS sum_a, sum(x) AS sum_x, avg(y) AS mean_y
        FROM read_parquet('{spill}') GROUP BY k""",
    "e1": """
        SELECT l_orderkey, l_quantity, l_extendedprice * l_discount AS revenue
        FROM read_parquet('{lineitem}')
        WHERE l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1995-01-01'
          AND l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24""",
}


def duckdb_query(args):
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {args.threads or THREADS}")
    if args.workload == "r4":
        spill = tempfile.mkdtemp(prefix="duckdb-r4-")
        con.execute(f"SET memory_limit = '{SPILL_BUDGET >> 20}MiB'")
        con.execute(f"SET temp_directory = '{spill}'")
    names = {n: glob(args, n) for n in ("lineitem", "orders", "customers", "sort", "spill")}
    start = time.perf_counter()
    rel = con.sql(DUCKDB_SQL[args.workload].format(**names))
    if args.workload == "r4":
        # Streamed out in batches, so that the result is not held inside DuckDB's limit.
        t = rel.to_arrow_reader(1 << 16).read_all()
    else:
        t = rel.to_arrow_table()
    return t, time.perf_counter() - start


# ---- pyarrow.dataset (E1) --------------------------------------------------------------------
def pyarrow_query(args):
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    if args.workload != "e1":
        sys.exit(f"relational.py: pyarrow runs e1 only, not {args.workload}")
    start = time.perf_counter()
    f = pc.field
    d = ds.dataset(files(args, "lineitem"), format="parquet")
    t = d.to_table(
        columns={"l_orderkey": f("l_orderkey"), "l_quantity": f("l_quantity"),
                 "revenue": pc.multiply(f("l_extendedprice"), f("l_discount"))},
        filter=(f("l_shipdate") >= pa.scalar(E1_FROM)) & (f("l_shipdate") < pa.scalar(E1_TO))
        & (f("l_discount") >= 0.05) & (f("l_discount") <= 0.07) & (f("l_quantity") < 24.0))
    return t, time.perf_counter() - start


SYSTEMS = {"ray": ray_query, "daft": daft_query, "polars": polars_query, "duckdb": duckdb_query,
           "pyarrow": pyarrow_query}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("system", choices=sorted(SYSTEMS))
    p.add_argument("workload", choices=sorted(CHECKSUMS))
    p.add_argument("--in", dest="input", required=True)
    p.add_argument("--threads", type=int, default=0,
                   help="duckdb: SET threads (default: the CPUs); on R4 at 64 MiB, 2 threads run out of memory")
    args = p.parse_args()
    t, secs = SYSTEMS[args.system](args)
    res = {"system": args.system, "workload": args.workload, "rows": t.num_rows,
           "checksum": CHECKSUMS[args.workload](t), "seconds": secs}
    print(json.dumps(res), flush=True)
    if args.system == "ray":
        import ray
        ray.shutdown()


if __name__ == "__main__":
    main()
