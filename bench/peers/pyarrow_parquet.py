#!/usr/bin/env python3
"""pyarrow baseline for sluice's BenchmarkParquetRead (bench/read_test.go).

Reads each Parquet file with pq.read_table(path, use_threads=False) on one pinned core, as
many times as fit in --seconds (at least 3), and reports the uncompressed Arrow bytes of the
table per second of the fastest read, wall and process time, so the Go benchmark can print
sluice's MB/s next to pyarrow's for the same file in the same run.

    python3 bench/peers/pyarrow_parquet.py [--seconds 2] FILE...

Prints one JSON object on stdout:
    {"pyarrow": "26.0.1", "files": {"FILE": {"arrow_bytes": N, "mb_s": wall MB/s, "mb_s_cpu": MB/s per CPU-second}}}
Exits with status 2 and a message on stderr when pyarrow is missing.
"""

import argparse
import json
import os
import sys
import time

try:
    import pyarrow as pa
    import pyarrow.parquet as pq
except ImportError as e:
    print(f"pyarrow_parquet.py: {e}", file=sys.stderr)
    sys.exit(2)


def measure(path, seconds):
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    table = pq.read_table(path, use_threads=False)  # warms the page cache
    size = table.nbytes
    best, best_cpu, runs, start = None, None, 0, time.perf_counter()
    while runs < 3 or time.perf_counter() - start < seconds:
        t0, c0 = time.perf_counter(), time.process_time()
        pq.read_table(path, use_threads=False)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        best = wall if best is None else min(best, wall)
        best_cpu = cpu if best_cpu is None else min(best_cpu, cpu)
        runs += 1
    return {"arrow_bytes": size, "mb_s": size / best / 1e6, "mb_s_cpu": size / max(best_cpu, 1e-9) / 1e6}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=2)
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass
    out = {"pyarrow": pa.__version__, "files": {f: measure(f, args.seconds) for f in args.files}}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
