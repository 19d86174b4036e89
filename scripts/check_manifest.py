#!/usr/bin/env python3
"""Checks a directory that sluice wrote against its _SUCCESS manifest, as a second tool.

    scripts/check_manifest.py [--strict] [--print-column NAME [--listing]] DIR [DIR ...]

DIR is a local directory or s3://bucket/prefix (the endpoint comes from --s3-endpoint or
SLUICE_VERSITYGW_ENDPOINT, the credentials from the usual AWS variables). For each DIR the
script reads _SUCCESS (the format is data/write/MANIFEST.md) and checks:

  - it is a sluice manifest of a version this script knows, in state "committed";
  - every listed file exists, with the listed size and CRC-32 (zlib.crc32);
  - every listed row count matches the file, counted with pyarrow (Parquet, CSV, JSON Lines),
    numpy (.npy) or as one row per image;
  - the totals are the sums of the files';
  - data files in DIR that the manifest does not list are reported: they are not part of the
    dataset (on an object store, what a killed run published; the next sluice write removes
    them). With --strict they are an error.

With --print-column NAME it then reads the dataset as the manifest lists it, with
pyarrow.dataset, and prints "manifest<TAB>DIR<TAB>values" (the column's values sorted,
comma-separated): how a tool that honours the manifest reads a sluice output; a DIR that
fails prints "fail<TAB>DIR<TAB>why". With --listing it also prints "listing<TAB>DIR<TAB>values",
the column as pyarrow.dataset reads the directory by listing it itself, as tools that know
nothing of the manifest do. Exit status 0 when every DIR passes, 1 otherwise. Needs pyarrow
(and numpy for .npy files).
"""
import argparse
import io
import json
import os
import sys
import zlib

KNOWN_VERSION = 1
MANIFEST = "_SUCCESS"


class Fail(Exception):
    pass


def filesystem(path, endpoint):
    """Returns (pyarrow filesystem, base path in it) for a local path or an s3:// URL."""
    import pyarrow.fs as pafs

    if path.startswith("s3://"):
        endpoint = endpoint or os.environ.get("SLUICE_VERSITYGW_ENDPOINT", "")
        kw = {"region": os.environ.get("AWS_REGION", "us-east-1")}
        if endpoint:
            scheme, _, host = endpoint.partition("://")
            kw.update(endpoint_override=host, scheme=scheme)
        return pafs.S3FileSystem(**kw), path[len("s3://"):].rstrip("/")
    return pafs.LocalFileSystem(), os.path.abspath(path)


def read_bytes(fs, path):
    with fs.open_input_stream(path) as f:
        return f.read()


def count_rows(name, data):
    ext = name.rsplit(".", 1)[-1].lower()
    if ext == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(io.BytesIO(data)).metadata.num_rows
    if ext == "csv":
        import pyarrow.csv as pcsv

        return pcsv.read_csv(io.BytesIO(data)).num_rows
    if ext in ("json", "jsonl"):
        if not data.strip():
            return 0
        import pyarrow.json as pjson

        return pjson.read_json(io.BytesIO(data)).num_rows
    if ext == "npy":
        import numpy

        return numpy.load(io.BytesIO(data)).shape[0]
    if ext in ("png", "jpg", "jpeg"):
        return 1
    return None  # a format this script cannot count


def check(path, endpoint, strict):
    import pyarrow.fs as pafs

    fs, base = filesystem(path, endpoint)
    try:
        raw = read_bytes(fs, base + "/" + MANIFEST)
    except (FileNotFoundError, OSError) as e:
        raise Fail(f"{path}: no {MANIFEST} manifest ({e}): not a committed sluice output")
    try:
        m = json.loads(raw)
    except ValueError as e:
        raise Fail(f"{path}/{MANIFEST}: not JSON: {e}")
    name = str(m.get("name", ""))
    if not name.startswith("sluice.manifest/"):
        raise Fail(f"{path}/{MANIFEST}: not a sluice manifest (name {name!r})")
    version = int(name.split("/", 1)[1])
    if version > KNOWN_VERSION or m.get("format_version") != version:
        raise Fail(f"{path}/{MANIFEST}: format version {version}; this script knows {KNOWN_VERSION}")
    if m.get("state") != "committed":
        raise Fail(f"{path}/{MANIFEST}: state {m.get('state')!r}, want 'committed'")

    problems = []
    rows_total, bytes_total, unknown_rows = 0, 0, False
    listed = set()
    for f in m["files"]:
        rel = f["path"]
        if rel in listed:
            problems.append(f"{rel}: listed twice")
        listed.add(rel)
        if rel.startswith(("/", "_", ".")) or ".." in rel.split("/"):
            problems.append(f"{rel}: not a clean, visible relative path")
            continue
        try:
            data = read_bytes(fs, base + "/" + rel)
        except (FileNotFoundError, OSError):
            problems.append(f"{rel}: missing")
            continue
        if len(data) != f["bytes"]:
            problems.append(f"{rel}: {len(data)} bytes, the manifest says {f['bytes']}")
        if f.get("crc32") and "%08x" % zlib.crc32(data) != f["crc32"]:
            problems.append(f"{rel}: crc32 {zlib.crc32(data):08x}, the manifest says {f['crc32']}")
        bytes_total += f["bytes"]
        if f["rows"] < 0:
            unknown_rows = True
            continue
        rows_total += f["rows"]
        try:
            n = count_rows(rel, data)
        except Exception as e:  # a file the reader refuses is a failure to report, not a crash
            problems.append(f"{rel}: unreadable: {e}")
            continue
        if n is not None and n != f["rows"]:
            problems.append(f"{rel}: {n} rows, the manifest says {f['rows']}")
    want_rows = -1 if unknown_rows else rows_total
    if m.get("rows") != want_rows:
        problems.append(f"total rows {m.get('rows')}, the files add up to {want_rows}")
    if m.get("bytes") != bytes_total:
        problems.append(f"total bytes {m.get('bytes')}, the files add up to {bytes_total}")

    extra = []
    for info in fs.get_file_info(pafs.FileSelector(base, recursive=True)):
        if info.type != pafs.FileType.File:
            continue
        rel = info.path[len(base) + 1:]
        if any(seg.startswith(("_", ".")) for seg in rel.split("/")):
            continue
        if rel not in listed:
            extra.append(rel)
    if extra:
        msg = f"{len(extra)} data files not in the manifest, not part of the dataset: {', '.join(sorted(extra)[:5])}"
        if strict:
            problems.append(msg)
        else:
            print(f"note {path}: {msg}", file=sys.stderr)
    if problems:
        raise Fail(f"{path}: " + "; ".join(problems))
    print(f"ok {path}: {len(m['files'])} files, {want_rows} rows, {bytes_total} bytes, "
          f"run {m.get('run_id')} ({m.get('committer')}, generation {m.get('generation')})", file=sys.stderr)
    return fs, base, m


def column_values(fs, source, column):
    import pyarrow.dataset as ds

    if not source:
        return ""
    table = ds.dataset(source, format="parquet", filesystem=fs).to_table(columns=[column])
    return ",".join(str(v) for v in sorted(table.column(column).to_pylist()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--strict", action="store_true", help="unlisted data files are an error")
    ap.add_argument("--print-column", metavar="NAME", help="print the dataset's column NAME, sorted")
    ap.add_argument("--listing", action="store_true", help="with --print-column: also as pyarrow lists the directory")
    ap.add_argument("--s3-endpoint", default="", help="S3 endpoint URL (default $SLUICE_VERSITYGW_ENDPOINT)")
    args = ap.parse_args()
    failed = False
    for d in args.dirs:
        try:
            fs, base, m = check(d, args.s3_endpoint, args.strict)
            if args.print_column:
                files = [base + "/" + f["path"] for f in m["files"] if f["path"].endswith(".parquet")]
                print(f"manifest\t{d}\t{column_values(fs, files, args.print_column)}")
                if args.listing:
                    print(f"listing\t{d}\t{column_values(fs, base, args.print_column)}")
        except Fail as e:
            print(f"FAIL {e}", file=sys.stderr)
            if args.print_column:
                print(f"fail\t{d}\t{e}")
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
