# Writes the Avro container file TestAvroInterop reads: fastavro, codec argv[2], every
# mapped type and logical type, the two records repeated argv[3] times, small blocks.
import sys, fastavro, datetime, decimal, uuid
schema = {"type": "record", "name": "User", "namespace": "t", "fields": [
  {"name": "id", "type": "long"},
  {"name": "name", "type": "string"},
  {"name": "score", "type": "double"},
  {"name": "f32", "type": "float"},
  {"name": "small", "type": "int"},
  {"name": "ok", "type": "boolean"},
  {"name": "tags", "type": {"type": "array", "items": "string"}},
  {"name": "attrs", "type": {"type": "map", "values": "long"}},
  {"name": "opt", "type": ["null", "string"]},
  {"name": "addr", "type": {"type": "record", "name": "Addr", "fields": [
     {"name": "city", "type": "string"}, {"name": "zip", "type": ["null", "int"]}]}},
  {"name": "color", "type": {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN", "BLUE"]}},
  {"name": "raw", "type": "bytes"},
  {"name": "fx", "type": {"type": "fixed", "name": "F4", "size": 4}},
  {"name": "day", "type": {"type": "int", "logicalType": "date"}},
  {"name": "ts_ms", "type": {"type": "long", "logicalType": "timestamp-millis"}},
  {"name": "ts_us", "type": {"type": "long", "logicalType": "timestamp-micros"}},
  {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}},
  {"name": "uid", "type": {"type": "string", "logicalType": "uuid"}},
]}
utc = datetime.timezone.utc
recs = [
 dict(id=1, name="ann", score=0.1, f32=1.5, small=-7, ok=True, tags=["a", "b"], attrs={"x": 1},
      opt=None, addr=dict(city="Oslo", zip=150), color="GREEN", raw=b"\x00\xff", fx=b"abcd",
      day=datetime.date(2024, 2, 29), ts_ms=datetime.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=utc),
      ts_us=datetime.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=utc),
      price=decimal.Decimal("-12345.67"), uid=uuid.UUID("12345678-1234-5678-1234-567812345678")),
 dict(id=-(2**63), name="bé", score=-1e300, f32=-0.0, small=2**31-1, ok=False, tags=[], attrs={},
      opt="x", addr=dict(city="", zip=None), color="BLUE", raw=b"", fx=b"\x00\x00\x00\x01",
      day=datetime.date(1970, 1, 1), ts_ms=datetime.datetime(1970, 1, 1, tzinfo=utc),
      ts_us=datetime.datetime(2262, 4, 11, tzinfo=utc),
      price=decimal.Decimal("9999999.99"), uid=uuid.UUID("00000000-0000-0000-0000-000000000000")),
]
recs = recs * int(sys.argv[3])
with open(sys.argv[1], "wb") as f:
    fastavro.writer(f, schema, recs, codec=sys.argv[2], sync_interval=200)
