#!/usr/bin/env bash
# Installs the Python packages the interop tests use as independent readers and writers of our
# files (pyarrow, numpy, Pillow; DuckDB and Polars write files for the Parquet writer matrix,
# scripts/conformance/parquet_matrix.py; webdataset writes and reads tar shards;
# tfrecord (with crc32c and protobuf) writes and reads TFRecord files; fastavro, with cramjam for
# snappy and backports.zstd for zstandard, writes and reads Avro container files; pyiceberg, with SQLAlchemy for its SQL catalog, writes and reads Iceberg tables). The library itself is Go only; without these the
# interop tests skip and say so.
set -euo pipefail
if ! command -v python3 >/dev/null; then
  echo "install-python-deps: no python3; interop tests will skip" >&2
  exit 1
fi
if python3 -c 'import pyarrow, numpy, PIL, duckdb, polars, webdataset, tfrecord, crc32c, fastavro, cramjam, backports.zstd, pyiceberg.catalog.sql, sqlalchemy' 2>/dev/null; then
  exit 0
fi
python3 -m pip install --quiet --disable-pip-version-check "pyarrow==26.0.1" "numpy==2.4.6" "pillow==13.0.0" \
  "duckdb==2.0.0" "polars==2.1.0" "webdataset==1.0.2" \
  "tfrecord==1.14.6" "crc32c==2.9.post0" "protobuf==7.36.2" "fastavro==1.13.1" "cramjam==2.14.0" "backports.zstd==1.8.0" \
  "pyiceberg==0.10.0" "sqlalchemy==2.1.9"
