package data

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	_ "modernc.org/sqlite"
)

// openSQLite opens a fresh SQLite database file in a temporary directory; it is closed when
// the test ends (before the leak checks of a testContext made earlier).
func openSQLite(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "test.db")+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustExec(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// schemaString prints a schema as "name:type" pairs.
func schemaString(s *arrow.Schema) string {
	var parts []string
	for _, f := range s.Fields() {
		parts = append(parts, f.Name+":"+f.Type.String())
	}
	return strings.Join(parts, " ")
}

// rowsString prints rows in column order, one line each.
func rowsString(t *testing.T, ds *Dataset, cols []string) string {
	t.Helper()
	rows, err := ds.TakeAll(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, r := range rows {
		var cells []string
		for _, c := range cols {
			v := r[c]
			switch v := v.(type) {
			case time.Time:
				cells = append(cells, v.UTC().Format(time.RFC3339Nano))
			case []byte:
				cells = append(cells, fmt.Sprintf("%x", v))
			default:
				cells = append(cells, fmt.Sprint(v))
			}
		}
		lines = append(lines, strings.Join(cells, "|"))
	}
	return strings.Join(lines, "\n")
}

func TestReadSQLiteTypes(t *testing.T) {
	tc := testContext(t)
	db := openSQLite(t)
	mustExec(t, db,
		`CREATE TABLE t (i INTEGER, s SMALLINT, b BIGINT, r REAL, d DECIMAL(10,2), n NUMERIC,
			ok BOOLEAN, txt TEXT, vc VARCHAR(20), bl BLOB, day DATE, ts TIMESTAMP)`,
		`INSERT INTO t VALUES (1, 2, 9007199254740993, 1.5, 12.34, 7, 1, 'héllo', 'x', x'00ff',
			'2024-02-29', '2024-02-29 13:14:15.123456')`,
		`INSERT INTO t VALUES (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
		`INSERT INTO t VALUES (-3, -32768, -9223372036854775808, -0.25, -0.05, 2.5, 0, '', 'y', x'', '1969-12-31', '1969-12-31 23:59:59')`,
	)
	ds := ReadSQL(db, "SELECT * FROM t ORDER BY rowid").WithContext(tc)
	s, err := ds.Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := "i:int64 s:int16 b:int64 r:float64 d:decimal(10, 2) n:float64 ok:bool txt:utf8 vc:utf8 bl:binary day:date32 ts:timestamp[us]"
	if got := schemaString(s.Schema); got != want {
		t.Fatalf("schema\n got %s\nwant %s", got, want)
	}
	cols := []string{"i", "s", "b", "r", "d", "n", "ok", "txt", "vc", "bl", "day", "ts"}
	got := rowsString(t, ds, cols)
	wantRows := strings.Join([]string{
		"1|2|9007199254740993|1.5|12.34|7|true|héllo|x|00ff|2024-02-29T00:00:00Z|2024-02-29T13:14:15.123456Z",
		"<nil>|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>",
		"-3|-32768|-9223372036854775808|-0.25|-0.05|2.5|false||y||1969-12-31T00:00:00Z|1969-12-31T23:59:59Z",
	}, "\n")
	if got != wantRows {
		t.Fatalf("rows\n got %s\nwant %s", got, wantRows)
	}
	// DecimalAsFloat.
	ds = ReadSQL(db, "SELECT d FROM t ORDER BY rowid", DecimalAsFloat()).WithContext(tc)
	if got := rowsString(t, ds, []string{"d"}); got != "12.34\n<nil>\n-0.05" {
		t.Fatalf("DecimalAsFloat rows: %s", got)
	}
}

// sqlTypesDataset is a dataset of every type WriteSQL maps, with nulls.
func sqlTypesDataset(t *testing.T, tc *Context) *Dataset {
	t.Helper()
	mem := tc.allocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i16", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "dec", Type: &arrow.Decimal128Type{Precision: 12, Scale: 3}, Nullable: true},
		{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "txt", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
		{Name: "tstz", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	}, nil)
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(`[
		{"i16": -32768, "i32": 2147483647, "i64": -9223372036854775808, "f32": 1.5, "f64": -2.25, "dec": "123456789.123",
		 "ok": true, "txt": "héllo, 'world'", "bin": "AP8=", "day": 19782, "ts": 1709212455123456, "tstz": -1000001},
		{"i16": null, "i32": null, "i64": null, "f32": null, "f64": null, "dec": null,
		 "ok": null, "txt": null, "bin": null, "day": null, "ts": null, "tstz": null},
		{"i16": 7, "i32": -7, "i64": 9007199254740993, "f32": -0.5, "f64": 1e300, "dec": "-0.001",
		 "ok": false, "txt": "", "bin": "", "day": -1, "ts": 0, "tstz": 1709212455000000}
	]`))
	if err != nil {
		t.Fatal(err)
	}
	ds := FromArrow(rec)
	rec.Release()
	t.Cleanup(ds.Release)
	return ds.WithContext(tc)
}

var sqlTypesColumns = []string{"i16", "i32", "i64", "f32", "f64", "dec", "ok", "txt", "bin", "day", "ts", "tstz"}

func TestWriteSQLiteRoundTrip(t *testing.T) {
	tc := testContext(t)
	db := openSQLite(t)
	ctx := context.Background()
	ds := sqlTypesDataset(t, tc)
	n, err := ds.WriteSQL(ctx, db, "out")
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("wrote %d rows, want 3", n)
	}
	back := ReadSQL(db, "SELECT * FROM out ORDER BY rowid").WithContext(tc)
	s, err := back.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// SQLite's INTEGER is 64-bit and REAL is a double; a timestamp with a zone reads back
	// without one (SQLite has no zoned type), the same instants.
	want := "i16:int64 i32:int64 i64:int64 f32:float64 f64:float64 dec:decimal(12, 3) ok:bool txt:utf8 bin:binary day:date32 ts:timestamp[us] tstz:timestamp[us]"
	if got := schemaString(s.Schema); got != want {
		t.Fatalf("schema\n got %s\nwant %s", got, want)
	}
	got := rowsString(t, back, sqlTypesColumns)
	if wantRows := rowsString(t, ds, sqlTypesColumns); got != wantRows {
		t.Fatalf("rows\n got %s\nwant %s", got, wantRows)
	}
	// Appending adds the rows again, in one more commit.
	if _, err := ds.WriteSQL(ctx, db, "out"); err != nil {
		t.Fatal(err)
	}
	if n, err := ReadSQL(db, "SELECT * FROM out").WithContext(tc).Count(ctx); err != nil || n != 6 {
		t.Fatalf("after append: %d rows, %v", n, err)
	}
	// Replacing leaves the dataset's rows only; SaveError refuses; SaveIgnore writes nothing.
	if _, err := ds.WriteSQL(ctx, db, "out", Mode(SaveOverwrite)); err != nil {
		t.Fatal(err)
	}
	if n, err := ReadSQL(db, "SELECT * FROM out").WithContext(tc).Count(ctx); err != nil || n != 3 {
		t.Fatalf("after overwrite: %d rows, %v", n, err)
	}
	if _, err := ds.WriteSQL(ctx, db, "out", Mode(SaveError)); err == nil || !strings.Contains(err.Error(), `sluice: WriteSQL: sqlite table "out": the table exists`) {
		t.Fatalf("SaveError: %v", err)
	}
	if n, err := ds.WriteSQL(ctx, db, "out", Mode(SaveIgnore)); err != nil || n != 0 {
		t.Fatalf("SaveIgnore: %d, %v", n, err)
	}
	assertNoStaging(t, db)
}

// assertNoStaging fails if a staging table is left.
func assertNoStaging(t *testing.T, db *sql.DB) {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM sqlite_master WHERE name LIKE '_sluice_stage_%'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d staging tables left (%v)", n, err)
	}
}
