package data

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"os/exec"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// The PostgreSQL tests run against the server scripts/postgres.sh starts (the CI block
// .ci/blocks/50-sql.sh does), named by SLUICE_POSTGRES_DSN; without it they skip.

// openPostgres opens the test server's database and makes a schema of its own for the test,
// dropped at the end. It returns the database and the schema's name.
func openPostgres(t *testing.T) (*sql.DB, string) {
	t.Helper()
	dsn := os.Getenv("SLUICE_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SLUICE_POSTGRES_DSN is not set: start a server with eval \"$(scripts/postgres.sh start)\"")
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	var b [4]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		db.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
		db.Close()
	})
	return db, schema
}

func TestPostgresReadTypes(t *testing.T) {
	tc := testContext(t)
	db, s := openPostgres(t)
	mustExec(t, db,
		`CREATE TABLE `+s+`.t (i2 int2, i4 int4, i8 int8, f4 float4, f8 float8, d numeric(20,4), n numeric,
			ok bool, txt text, vc varchar(10), ch char(3), u uuid, j jsonb, by bytea, day date,
			ts timestamp, tz timestamptz)`,
		`INSERT INTO `+s+`.t VALUES (-32768, 2147483647, -9223372036854775808, 1.5, -2.25,
			1234567890123456.7891, 2.5, true, 'héllo', 'x', 'ab', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
			'{"a": 1}', '\x00ff', '2024-02-29', '2024-02-29 13:14:15.123456', '2024-02-29 13:14:15.5+02')`,
		`INSERT INTO `+s+`.t VALUES (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
			NULL, NULL, NULL, NULL, NULL)`,
		`INSERT INTO `+s+`.t VALUES (0, -1, 1, 'NaN', '-Infinity', -0.0001, 0, false, '', '', '', NULL,
			'[]', '', '0001-01-01', '1969-12-31 23:59:59.999999', '1970-01-01 00:00:00Z')`,
	)
	ds := ReadSQL(db, "SELECT * FROM "+s+".t ORDER BY i8 NULLS LAST").WithContext(tc)
	sc, err := ds.Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := "i2:int16 i4:int32 i8:int64 f4:float32 f8:float64 d:decimal(20, 4) n:float64 ok:bool txt:utf8 vc:utf8 ch:utf8 u:utf8 j:utf8 by:binary day:date32 ts:timestamp[us] tz:timestamp[us, tz=UTC]"
	if got := schemaString(sc.Schema); got != want {
		t.Fatalf("schema\n got %s\nwant %s", got, want)
	}
	cols := strings.Fields("i2 i4 i8 f4 f8 d n ok txt vc ch u j by day ts tz")
	wantRows := strings.Join([]string{
		`-32768|2147483647|-9223372036854775808|1.5|-2.25|1234567890123456.7891|2.5|true|héllo|x|ab |a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|{"a": 1}|00ff|2024-02-29T00:00:00Z|2024-02-29T13:14:15.123456Z|2024-02-29T11:14:15.5Z`,
		`0|-1|1|NaN|-Inf|-0.0001|0|false|||   |<nil>|[]||0001-01-01T00:00:00Z|1969-12-31T23:59:59.999999Z|1970-01-01T00:00:00Z`,
		`<nil>|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>`,
	}, "\n")
	if got := rowsString(t, ds, cols); got != wantRows {
		t.Fatalf("rows\n got %s\nwant %s", got, wantRows)
	}
	// Errors name the database, the query and the column.
	_, err = ReadSQL(db, "SELECT interval '1 day' AS span").WithContext(tc).TakeAll(context.Background(), 0)
	if err == nil || !strings.Contains(err.Error(), `sluice: ReadSQL: postgres query "SELECT interval '1 day' AS span": column "span": database type INTERVAL has no Arrow type`) {
		t.Fatalf("interval: %v", err)
	}
	_, err = ReadSQL(db, "SELECT * FROM "+s+".nowhere").WithContext(tc).TakeAll(context.Background(), 0)
	if err == nil || !strings.Contains(err.Error(), `relation "`+s+`.nowhere" does not exist`) || !strings.HasPrefix(err.Error(), `sluice: ReadSQL: postgres query "SELECT * FROM `+s+`.nowhere": `) {
		t.Fatalf("missing table: %v", err)
	}
	bad, err := sql.Open("pgx", "postgres://postgres@127.0.0.1:1/nodb?sslmode=disable&connect_timeout=5")
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	_, err = ReadSQL(bad, "SELECT 1").WithContext(tc).TakeAll(context.Background(), 0)
	if err == nil || !strings.Contains(err.Error(), `sluice: ReadSQL: postgres query "SELECT 1": failed to connect to `) || !strings.Contains(err.Error(), "database=nodb") {
		t.Fatalf("bad DSN: %v", err)
	}
	_, err = FromItems([]Row{{"a": int64(1)}}).WithContext(tc).WriteSQL(context.Background(), bad, "t")
	if err == nil || !strings.Contains(err.Error(), `sluice: WriteSQL: postgres table "t": connect: failed to connect to `) {
		t.Fatalf("bad DSN, write: %v", err)
	}
}

func TestPostgresWriteRoundTrip(t *testing.T) {
	tc := testContext(t)
	db, s := openPostgres(t)
	ctx := context.Background()
	ds := sqlTypesDataset(t, tc)
	table := s + ".out"
	for _, mode := range []SaveMode{SaveAppend, SaveAppend, SaveOverwrite} {
		if n, err := ds.WriteSQL(ctx, db, table, Mode(mode)); err != nil || n != 3 {
			t.Fatalf("mode %v: %d rows, %v", mode, n, err)
		}
	}
	back := ReadSQL(db, "SELECT * FROM "+table).WithContext(tc)
	sc, err := back.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := "i16:int16 i32:int32 i64:int64 f32:float32 f64:float64 dec:decimal(12, 3) ok:bool txt:utf8 bin:binary day:date32 ts:timestamp[us] tstz:timestamp[us, tz=UTC]"
	if got := schemaString(sc.Schema); got != want {
		t.Fatalf("schema\n got %s\nwant %s", got, want)
	}
	if got, want := sortedRows(t, back, sqlTypesColumns), sortedRows(t, ds, sqlTypesColumns); got != want {
		t.Fatalf("rows\n got %s\nwant %s", got, want)
	}
	// psql, a second reader, sees the same rows.
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Log("psql not on PATH: the read-back through psql did not run")
		return
	}
	out, err := exec.Command(psql, os.Getenv("SLUICE_POSTGRES_DSN"), "-X", "-A", "-t", "-F", "|", "-c",
		"SET timezone = 'UTC'; SELECT i16, i32, i64, f32, f64, dec, ok, txt, encode(bin, 'hex'), day, ts, tstz FROM "+table+" ORDER BY i64 NULLS LAST").CombinedOutput()
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	wantPsql := strings.Join([]string{
		"-32768|2147483647|-9223372036854775808|1.5|-2.25|123456789.123|t|héllo, 'world'|00ff|2024-02-29|2024-02-29 13:14:15.123456|1969-12-31 23:59:58.999999+00",
		"7|-7|9007199254740993|-0.5|1e+300|-0.001|f|||1969-12-31|1970-01-01 00:00:00|2024-02-29 13:14:15+00",
		"|||||||||||",
	}, "\n")
	if got := strings.TrimSpace(strings.TrimPrefix(string(out), "SET\n")); got != wantPsql {
		t.Fatalf("psql reads\n%s\nwant\n%s", got, wantPsql)
	}
}

func TestPostgresSharded(t *testing.T) {
	tc := testContext(t)
	db, s := openPostgres(t)
	mustExec(t, db, "CREATE TABLE "+s+".ids (id int8, v text)")
	fillIDs(t, db, s+".ids", 1000)
	testShardedReads(t, tc, db, s+".ids")
}

func TestPostgresWriteFailureLeavesTable(t *testing.T) {
	tc := testContext(t)
	ctx := context.Background()
	db, s := openPostgres(t)
	table := s + ".target"
	mustExec(t, db, "CREATE TABLE "+table+" (id int8, v text)")
	fillIDs(t, db, table, 100)
	before := sortedRows(t, ReadSQL(db, "SELECT * FROM "+table).WithContext(tc), []string{"id", "v"})
	for _, mode := range []SaveMode{SaveAppend, SaveOverwrite} {
		fail := Range(100_000).WithContext(tc).Map(func(ctx context.Context, r Row) (Row, error) {
			if r["id"].(int64) == 90_000 {
				return nil, context.DeadlineExceeded
			}
			return Row{"id": r["id"], "v": "new"}, nil
		})
		if _, err := fail.WriteSQL(ctx, db, table, Mode(mode)); err == nil {
			t.Fatalf("mode %v: the failing write succeeded", mode)
		}
		if after := sortedRows(t, ReadSQL(db, "SELECT * FROM "+table).WithContext(tc), []string{"id", "v"}); after != before {
			t.Fatalf("mode %v: the table changed", mode)
		}
		var n int
		if err := db.QueryRow("SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename LIKE '\\_sluice\\_stage\\_%'", s).Scan(&n); err != nil || n != 0 {
			t.Fatalf("mode %v: %d staging tables left, %v", mode, n, err)
		}
	}
}
