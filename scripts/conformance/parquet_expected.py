#!/usr/bin/env python3
"""Expected outputs of the Parquet conformance corpus, read by pyarrow.

Reads every Parquet file under a corpus root (apache/parquet-testing's data/ and bad_data/, as
vendored in testdata/conformance/parquet/) with pq.read_table and writes one JSON document that
data/read/parquet_conformance_test.go checks sluice against without Python:

    python3 scripts/conformance/parquet_expected.py testdata/conformance/parquet \
        > testdata/conformance/parquet/expected.json

Per file (and per INT96 unit for files with INT96 columns) the entry holds either what pyarrow
reads: the row count and, per top-level column, its name, nullability, canonical Arrow type and
the SHA-256 of its values in canonical form; or "pyarrow": "refuses" with pyarrow's message.

Canonical type (the same grammar is produced by canonType in the Go test):
    null bool int8..int64 uint8..uint64 float16 float32 float64
    utf8 large_utf8 binary large_binary fixed_size_binary[N]
    decimal32(P,S) decimal64(P,S) decimal128(P,S) decimal256(P,S)
    date32 date64 time32[s|ms] time64[us|ns] timestamp[U] timestamp[U, tz=Z] duration[U]
    list<T> large_list<T> fixed_size_list<T>[N] map<K, V> struct<name: T, ...>
    dictionary<T, indices=I> extension<NAME, T>
where a child T is followed by " not null" when the child field is not nullable (list element
names are not compared; struct field names are).

Canonical values: one token per row, the column's hash is SHA-256 over "token\\n" per row:
    null "N"; bool "T"/"F"; integers, decimals (unscaled), dates, times, timestamps and
    durations as the decimal integer they store; floats as "f" + the lower-case hex of their
    IEEE bits (so NaN payloads and -0 count); strings and binaries as "x" + lower-case hex of
    their bytes; lists and maps "[" + elements joined by "," + "]"; structs "{" + fields joined
    by "," + "}"; dictionaries as their decoded values; extensions as their storage.

INT96: pyarrow reads INT96 as naive timestamp[ns], wrapping out-of-range values silently.
sluice refuses those at ns (an error naming the column and row), so for a default read whose
values do not fit in nanoseconds the entry says "sluice": "error" and names the first such row;
each INT96 file also gets entries read with coerce_int96_timestamp_unit "us", "ms" and "s".

Exit status 2 with a message when pyarrow is missing.
"""

import hashlib
import json
import os
import sys

try:
    import pyarrow as pa
    import pyarrow.parquet as pq
except ImportError as e:
    print(f"parquet_expected.py: {e}", file=sys.stderr)
    sys.exit(2)

UNITS = {"s": "s", "ms": "ms", "us": "us", "ns": "ns"}


def canon_type(t):
    """The canonical spelling of an Arrow type (see the module doc)."""
    if pa.types.is_dictionary(t):
        return f"dictionary<{canon_type(t.value_type)}, indices={canon_type(t.index_type)}>"
    if isinstance(t, pa.ExtensionType):
        return f"extension<{t.extension_name}, {canon_type(t.storage_type)}>"
    if pa.types.is_null(t):
        return "null"
    if pa.types.is_boolean(t):
        return "bool"
    for name in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"):
        if t == getattr(pa, name)():
            return name
    if pa.types.is_float16(t):
        return "float16"
    if pa.types.is_float32(t):
        return "float32"
    if pa.types.is_float64(t):
        return "float64"
    if pa.types.is_string(t):
        return "utf8"
    if pa.types.is_large_string(t):
        return "large_utf8"
    if pa.types.is_binary(t):
        return "binary"
    if pa.types.is_large_binary(t):
        return "large_binary"
    if pa.types.is_fixed_size_binary(t) and not pa.types.is_decimal(t):
        return f"fixed_size_binary[{t.byte_width}]"
    if pa.types.is_decimal(t):
        return f"decimal{t.bit_width}({t.precision},{t.scale})"
    if pa.types.is_date32(t):
        return "date32"
    if pa.types.is_date64(t):
        return "date64"
    if pa.types.is_time32(t):
        return f"time32[{t.unit}]"
    if pa.types.is_time64(t):
        return f"time64[{t.unit}]"
    if pa.types.is_timestamp(t):
        return f"timestamp[{t.unit}, tz={t.tz}]" if t.tz else f"timestamp[{t.unit}]"
    if pa.types.is_duration(t):
        return f"duration[{t.unit}]"
    if pa.types.is_map(t):
        return f"map<{canon_type(t.key_type)}, {child(t.item_field)}>"
    if pa.types.is_list(t):
        return f"list<{child(t.value_field)}>"
    if pa.types.is_large_list(t):
        return f"large_list<{child(t.value_field)}>"
    if pa.types.is_fixed_size_list(t):
        return f"fixed_size_list<{child(t.value_field)}>[{t.list_size}]"
    if pa.types.is_struct(t):
        return "struct<" + ", ".join(f"{f.name}: {child(f)}" for f in t) + ">"
    raise TypeError(f"no canonical form for {t}")


def child(f):
    return canon_type(f.type) + ("" if f.nullable else " not null")


def tokens(arr):
    """The canonical token of every element of the pyarrow Array arr (see the module doc)."""
    t = arr.type
    if isinstance(t, pa.ExtensionType):
        return tokens(arr.storage)
    if pa.types.is_dictionary(t):
        return tokens(arr.dictionary_decode())
    valid = arr.is_valid().to_pylist() if arr.null_count else [True] * len(arr)
    if pa.types.is_null(t):
        return ["N"] * len(arr)
    if pa.types.is_boolean(t):
        vals = ["T" if v else "F" for v in arr.to_pylist()]
    elif pa.types.is_integer(t):
        vals = [str(v) for v in arr.to_pylist()]
    elif pa.types.is_floating(t):
        bits = {2: pa.uint16(), 4: pa.uint32(), 8: pa.uint64()}[t.bit_width // 8]
        vals = ["f%x" % v if v is not None else None for v in arr.view(bits).to_pylist()]
    elif pa.types.is_decimal(t):
        vals = [unscaled(v, t.scale) for v in arr.to_pylist()]
    elif pa.types.is_temporal(t):
        width = pa.int32() if t.bit_width == 32 else pa.int64()
        vals = [str(v) for v in arr.view(width).to_pylist()]
    elif pa.types.is_string(t) or pa.types.is_large_string(t):
        vals = ["x" + v.encode().hex() if v is not None else None for v in arr.to_pylist()]
    elif pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        vals = ["x" + v.hex() if v is not None else None for v in arr.to_pylist()]
    elif pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_map(t):
        offs = arr.offsets.to_pylist()
        elems = tokens(arr.values)
        vals = ["[" + ",".join(elems[offs[i]:offs[i + 1]]) + "]" for i in range(len(arr))]
    elif pa.types.is_fixed_size_list(t):
        n = t.list_size
        elems = tokens(arr.values.slice(arr.offset * n, len(arr) * n))
        vals = ["[" + ",".join(elems[i * n:(i + 1) * n]) + "]" for i in range(len(arr))]
    elif pa.types.is_struct(t):
        fields = [tokens(f) for f in arr.flatten()]
        vals = ["{" + ",".join(f[i] for f in fields) + "}" for i in range(len(arr))]
    else:
        raise TypeError(f"no canonical form for {t}")
    return [v if ok else "N" for v, ok in zip(vals, valid)]


def unscaled(d, scale):
    """The unscaled integer of Decimal d at scale, exactly (no context rounding)."""
    if d is None:
        return None
    sign, digits, exp = d.as_tuple()
    n = int("".join(map(str, digits)) or "0") * 10 ** (exp + scale) if exp + scale >= 0 else None
    if n is None:
        raise ValueError(f"{d} has more digits than scale {scale}")
    return str(-n if sign else n)


def column_hash(col):
    h = hashlib.sha256()
    for chunk in col.chunks:
        for tok in tokens(chunk):
            h.update(tok.encode())
            h.update(b"\n")
    return h.hexdigest()


def describe(table):
    return {
        "rows": table.num_rows,
        "columns": [
            {"name": f.name, "nullable": f.nullable, "type": canon_type(f.type), "sha256": column_hash(table.column(i))}
            for i, f in enumerate(table.schema)
        ],
    }


# Nanoseconds' int64 range in microseconds: an INT96 read at "us" outside it does not fit at ns.
NS_LIMIT_US = (2**63 - 1) // 1000


def int96_columns(path):
    """Names of the top-level columns stored as INT96, or [] (also when the footer is bad)."""
    try:
        sch = pq.ParquetFile(path).schema
    except Exception:
        return []
    out = []
    for i in range(len(sch)):
        c = sch.column(i)
        if c.physical_type == "INT96" and c.max_repetition_level == 0:
            out.append(c.path.split(".")[0])
    return out


def entries(root, rel):
    path = os.path.join(root, rel)
    i96 = int96_columns(path)
    units = [None] + (["us", "ms", "s"] if i96 else [])
    for unit in units:
        e = {"path": rel, "options": {"int96_unit": unit} if unit else {}}
        try:
            kw = {"coerce_int96_timestamp_unit": unit} if unit else {}
            table = pq.read_table(path, **kw)
        except Exception as ex:  # pyarrow refuses the file: sluice must refuse it too
            e.update({"pyarrow": "refuses", "pyarrow_error": f"{type(ex).__name__}: {ex}"})
            yield e
            continue
        e["pyarrow"] = "reads"
        e.update(describe(table))
        if unit is None and i96:
            bad = first_out_of_ns_range(path, i96)
            if bad is not None:
                e["sluice"] = "error"
                e["sluice_error"] = [f'column "{bad[0]}"', f"row {bad[1]}", "nanosecond"]
        yield e


def first_out_of_ns_range(path, cols):
    """(column, row) of the first INT96 value whose microseconds do not fit in int64 nanoseconds."""
    table = pq.read_table(path, columns=cols, coerce_int96_timestamp_unit="us")
    for name in cols:
        for row, v in enumerate(table.column(name).combine_chunks().view(pa.int64()).to_pylist()):
            if v is not None and abs(v) > NS_LIMIT_US:
                return name, row
    return None


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(1)
    root = sys.argv[1]
    files = []
    for d, _, names in os.walk(root):
        for n in names:
            if ".parquet" in n and not n.endswith(".json"):
                files.append(os.path.relpath(os.path.join(d, n), root))
    out = {
        "generator": "scripts/conformance/parquet_expected.py",
        "pyarrow": pa.__version__,
        "files": [e for rel in sorted(files) for e in entries(root, rel)],
    }
    json.dump(out, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
