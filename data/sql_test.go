package data

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
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

// fillIDs fills table t(id INTEGER, v TEXT) with ids 0..n-1 (every 10th v NULL) and a row
// whose id is NULL.
func fillIDs(t *testing.T, db *sql.DB, table string, n int) {
	t.Helper()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	stmt, err := tx.Prepare("INSERT INTO " + table + " (id, v) VALUES ($1, $2)")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		var v any = fmt.Sprintf("v%d", i)
		if i%10 == 0 {
			v = nil
		}
		if _, err := stmt.Exec(i, v); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := stmt.Exec(nil, "null id"); err != nil {
		t.Fatal(err)
	}
	stmt.Close()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// sortedRows is rowsString's lines sorted, for reads whose order is not defined.
func sortedRows(t *testing.T, ds *Dataset, cols []string) string {
	lines := strings.Split(rowsString(t, ds, cols), "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// testShardedReads checks that sharded and partitioned reads of table give the unsharded rows.
func testShardedReads(t *testing.T, tc *Context, db *sql.DB, table string) {
	t.Helper()
	ctx := context.Background()
	q := "SELECT id, v FROM " + table
	whole := sortedRows(t, ReadSQL(db, q).WithContext(tc), []string{"id", "v"})
	if strings.Count(whole, "\n") != 1000 {
		t.Fatalf("unsharded read: %d rows", strings.Count(whole, "\n")+1)
	}
	for _, n := range []int{1, 3, 7, 2000} {
		ds := ReadSQL(db, q, ShardKey("id", n)).WithContext(tc)
		if got := sortedRows(t, ds, []string{"id", "v"}); got != whole {
			t.Fatalf("ShardKey(id, %d): rows differ from the unsharded read", n)
		}
		if c, err := ds.Count(ctx); err != nil || c != 1001 {
			t.Fatalf("ShardKey(id, %d): Count %d, %v", n, c, err)
		}
	}
	if !strings.Contains(ReadSQL(db, q, ShardKey("id", 3)).Explain(), "shard_key=id shards=3") {
		t.Fatalf("Explain does not show the shards:\n%s", ReadSQL(db, q, ShardKey("id", 3)).Explain())
	}
	parts := ReadSQL(db, q, PartitionQueries(
		q+" WHERE id < 500", q+" WHERE id >= 500", q+" WHERE id IS NULL")).WithContext(tc)
	if got := sortedRows(t, parts, []string{"id", "v"}); got != whole {
		t.Fatal("PartitionQueries: rows differ from the unsharded read")
	}
	if c, err := parts.Count(ctx); err != nil || c != 1001 {
		t.Fatalf("PartitionQueries: Count %d, %v", c, err)
	}
	// A limit stops every task early.
	rows, err := ReadSQL(db, q, ShardKey("id", 4)).WithContext(tc).Limit(10).TakeAll(ctx, 0)
	if err != nil || len(rows) != 10 {
		t.Fatalf("Limit(10): %d rows, %v", len(rows), err)
	}
}

func TestReadSQLiteSharded(t *testing.T) {
	tc := testContext(t)
	db := openSQLite(t)
	mustExec(t, db, "CREATE TABLE ids (id INTEGER, v TEXT)")
	fillIDs(t, db, "ids", 1000)
	testShardedReads(t, tc, db, "ids")
}

func TestReadSQLErrors(t *testing.T) {
	tc := testContext(t)
	ctx := context.Background()
	db := openSQLite(t)
	mustExec(t, db, "CREATE TABLE odd (span INTERVAL, n INTEGER)", "INSERT INTO odd VALUES ('1 day', 1)",
		"CREATE TABLE dec (d DECIMAL(50, 2))")
	bad, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bad.Close() })
	for _, c := range []struct {
		name string
		ds   *Dataset
		want string
	}{
		{"bad DSN", ReadSQL(bad, "SELECT 1"), `sluice: ReadSQL: sqlite query "SELECT 1": unable to open database file`},
		{"missing table", ReadSQL(db, "SELECT * FROM nowhere"), `sluice: ReadSQL: sqlite query "SELECT * FROM nowhere": SQL logic error: no such table: nowhere`},
		{"unmappable type", ReadSQL(db, "SELECT * FROM odd"), `sluice: ReadSQL: sqlite query "SELECT * FROM odd": column "span": database type INTERVAL has no Arrow type; cast it in the query`},
		{"decimal too wide", ReadSQL(db, "SELECT * FROM dec"), `column "d": database type DECIMAL(50, 2) has precision 50 and scale 2, which decimal128 cannot hold`},
		{"bad value", ReadSQL(db, "SELECT n, span AS m FROM odd", PartitionQueries("SELECT n, n AS m FROM odd", "SELECT n, span AS m FROM odd")), `row 0: sql: Scan error on column index 1, name "m": value "1 day" is not an integer`},
		{"shard key not an integer", ReadSQL(db, "SELECT * FROM odd", ShardKey("span", 2)), `shard key span (it must be an integer column)`},
		{"both shardings", ReadSQL(db, "SELECT 1", ShardKey("a", 2), PartitionQueries("SELECT 1")), "sluice: ReadSQL: ShardKey and PartitionQueries both given; choose one"},
		{"bad shard count", ReadSQL(db, "SELECT 1", ShardKey("a", 0)), "sluice: ReadSQL: ShardKey(\"a\", 0): the number of shards must be at least 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.ds.WithContext(tc).TakeAll(ctx, 0)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v\nwant it to contain %s", err, c.want)
			}
		})
	}
	// Writes name the table and the column.
	ds := FromItems([]Row{{"a": []any{int64(1)}}}).WithContext(tc)
	if _, err := ds.WriteSQL(ctx, db, "lists"); err == nil || !strings.Contains(err.Error(), `sluice: WriteSQL[sqlite table "lists"]: items[0:1] rows 0-0: column "a": Arrow type list<item: int64, nullable> has no SQL column type`) {
		t.Fatalf("list column: %v", err)
	}
	if _, err := FromItems([]Row{{"zzz": int64(1)}}).WithContext(tc).WriteSQL(ctx, db, "odd"); err == nil || !strings.Contains(err.Error(), `sluice: WriteSQL[sqlite table "odd"]: items[0:1] rows 0-0: column "zzz": the table has no such column (it has span, n)`) {
		t.Fatalf("missing column: %v", err)
	}
	if _, err := ds.WriteSQL(ctx, bad, "t"); err == nil || !strings.Contains(err.Error(), `sluice: WriteSQL: sqlite table "t": connect: unable to open database file`) {
		t.Fatalf("bad DSN: %v", err)
	}
	assertNoStaging(t, db)
}

// TestWriteSQLFailureLeavesTable fails a write after some tasks have loaded their rows and
// checks the target holds exactly what it held before, in each mode.
func TestWriteSQLFailureLeavesTable(t *testing.T) {
	tc := testContext(t)
	ctx := context.Background()
	db := openSQLite(t)
	mustExec(t, db, "CREATE TABLE target (id INTEGER, v TEXT)")
	fillIDs(t, db, "target", 100)
	before := sortedRows(t, ReadSQL(db, "SELECT * FROM target").WithContext(tc), []string{"id", "v"})
	for _, mode := range []SaveMode{SaveAppend, SaveOverwrite} {
		fail := Range(100_000).WithContext(tc).Map(func(ctx context.Context, r Row) (Row, error) {
			if r["id"].(int64) == 90_000 {
				return nil, fmt.Errorf("boom at %d", r["id"])
			}
			return Row{"id": r["id"], "v": "new"}, nil
		})
		_, err := fail.WriteSQL(ctx, db, "target", Mode(mode))
		if err == nil || !strings.Contains(err.Error(), "boom at 90000") {
			t.Fatalf("mode %v: got %v", mode, err)
		}
		if after := sortedRows(t, ReadSQL(db, "SELECT * FROM target").WithContext(tc), []string{"id", "v"}); after != before {
			t.Fatalf("mode %v: the table changed", mode)
		}
		assertNoStaging(t, db)
	}
	// A cancelled write leaves it too.
	cctx, cancel := context.WithCancel(ctx)
	slow := Range(100_000).WithContext(tc).Map(func(ctx context.Context, r Row) (Row, error) {
		if r["id"].(int64) == 50_000 {
			cancel()
		}
		return Row{"id": r["id"], "v": "new"}, nil
	})
	if _, err := slow.WriteSQL(cctx, db, "target", Mode(SaveOverwrite)); err == nil {
		t.Fatal("a cancelled write succeeded")
	}
	if after := sortedRows(t, ReadSQL(db, "SELECT * FROM target").WithContext(tc), []string{"id", "v"}); after != before {
		t.Fatal("cancelled: the table changed")
	}
	assertNoStaging(t, db)
}
