package bench

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/sluicedata/sluice/data"
)

// The SQL benchmarks run against the PostgreSQL server scripts/postgres.sh starts on
// loopback (SLUICE_POSTGRES_DSN; they skip without it), on a table of 1,000,000 rows of
// (id int8, x float8, s text): ids 0..n-1, x = id/7, s = 'row-<id>' (about 42 MB as text).
// The baseline, measured in the same run, is psql's \copy of the same table: out to
// /dev/null for reads, in from a CSV file of the same rows for writes. rows/s is per op;
// x-of-psql is sluice's rows/s over psql's (the goal is at least 1/1.5 = 0.67).

const sqlBenchRows = 1_000_000

func sqlBenchDB(b *testing.B) (*sql.DB, string, string) {
	b.Helper()
	dsn := os.Getenv("SLUICE_POSTGRES_DSN")
	if dsn == "" {
		b.Skip("SLUICE_POSTGRES_DSN is not set: start a server with eval \"$(scripts/postgres.sh start)\"")
	}
	psql, err := exec.LookPath("psql")
	if err != nil {
		b.Skip("psql is not on PATH: the baseline cannot run")
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	for _, s := range []string{
		"DROP TABLE IF EXISTS bench_sql_src",
		"CREATE TABLE bench_sql_src (id int8, x float8, s text)",
		fmt.Sprintf("INSERT INTO bench_sql_src SELECT i, i / 7.0, 'row-' || i FROM generate_series(0, %d) AS i", sqlBenchRows-1),
		"VACUUM ANALYZE bench_sql_src",
	} {
		if _, err := db.Exec(s); err != nil {
			b.Fatalf("%s: %v", s, err)
		}
	}
	return db, dsn, psql
}

// psqlRate runs psql with the command three times and returns the best rows/s.
func psqlRate(b *testing.B, psql, dsn, command string, before func()) float64 {
	b.Helper()
	var best time.Duration
	for range 3 {
		if before != nil {
			before()
		}
		start := time.Now()
		if out, err := exec.Command(psql, dsn, "-X", "-q", "-c", command).CombinedOutput(); err != nil {
			b.Fatalf("psql %s: %v\n%s", command, err, out)
		}
		if d := time.Since(start); best == 0 || d < best {
			best = d
		}
	}
	return sqlBenchRows / best.Seconds()
}

// BenchmarkReadSQL reads the table into Arrow blocks (64 Ki-row batches counted, nothing
// else done with them): in one task, and sharded on id into 2 tasks (the machine's cores).
func BenchmarkReadSQL(b *testing.B) {
	db, dsn, psql := sqlBenchDB(b)
	base := psqlRate(b, psql, dsn, `\copy (SELECT id, x, s FROM bench_sql_src) TO '/dev/null'`, nil)
	b.Run("psql-copy-out", func(b *testing.B) {
		for b.Loop() {
			psqlRate(b, psql, dsn, `\copy (SELECT id, x, s FROM bench_sql_src) TO '/dev/null'`, nil)
		}
		b.ReportMetric(base, "rows/s")
	})
	ctx := context.Background()
	for _, shards := range []int{1, 2} {
		b.Run(fmt.Sprintf("sluice-shards=%d", shards), func(b *testing.B) {
			var opts []data.Option
			if shards > 1 {
				opts = append(opts, data.ShardKey("id", shards))
			}
			var elapsed time.Duration
			for b.Loop() {
				start := time.Now()
				n := 0
				for batch, err := range data.ReadSQL(db, "SELECT id, x, s FROM bench_sql_src", opts...).IterBatches(ctx, data.BatchSize(64<<10)) {
					if err != nil {
						b.Fatal(err)
					}
					n += batch.NumRows()
				}
				elapsed += time.Since(start)
				if n != sqlBenchRows {
					b.Fatalf("read %d rows, want %d", n, sqlBenchRows)
				}
			}
			rate := float64(b.N) * sqlBenchRows / elapsed.Seconds()
			b.ReportMetric(rate, "rows/s")
			b.ReportMetric(rate/base, "x-of-psql")
		})
	}
}

// BenchmarkWriteSQL writes the table's rows, held in Arrow batches, into a new table each op
// (SaveOverwrite: staging table, COPY per task, one commit), next to psql's \copy FROM a CSV
// file of the same rows into a freshly truncated table.
func BenchmarkWriteSQL(b *testing.B) {
	db, dsn, psql := sqlBenchDB(b)
	ctx := context.Background()
	csv := filepath.Join(b.TempDir(), "rows.csv")
	if out, err := exec.Command(psql, dsn, "-X", "-q", "-c", `\copy bench_sql_src TO '`+csv+`' CSV`).CombinedOutput(); err != nil {
		b.Fatalf("psql: %v\n%s", err, out)
	}
	if _, err := db.Exec("DROP TABLE IF EXISTS bench_sql_psql; CREATE TABLE bench_sql_psql (id int8, x float8, s text)"); err != nil {
		b.Fatal(err)
	}
	truncate := func() {
		if _, err := db.Exec("TRUNCATE bench_sql_psql"); err != nil {
			b.Fatal(err)
		}
	}
	base := psqlRate(b, psql, dsn, `\copy bench_sql_psql FROM '`+csv+`' CSV`, truncate)
	b.Run("psql-copy-in", func(b *testing.B) {
		for b.Loop() {
			psqlRate(b, psql, dsn, `\copy bench_sql_psql FROM '`+csv+`' CSV`, truncate)
		}
		b.ReportMetric(base, "rows/s")
	})
	recs := sqlBenchBatches(b)
	b.Run("sluice", func(b *testing.B) {
		ds := data.FromArrow(recs...)
		defer ds.Release()
		var elapsed time.Duration
		for b.Loop() {
			start := time.Now()
			n, err := ds.WriteSQL(ctx, db, "bench_sql_out", data.Mode(data.SaveOverwrite))
			elapsed += time.Since(start)
			if err != nil || n != sqlBenchRows {
				b.Fatalf("wrote %d rows, %v", n, err)
			}
		}
		rate := float64(b.N) * sqlBenchRows / elapsed.Seconds()
		b.ReportMetric(rate, "rows/s")
		b.ReportMetric(rate/base, "x-of-psql")
	})
	for _, r := range recs {
		r.Release()
	}
}

// sqlBenchBatches are the benchmark table's rows in 16 Arrow batches.
func sqlBenchBatches(b *testing.B) []arrow.RecordBatch {
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	var recs []arrow.RecordBatch
	per := sqlBenchRows / 16
	for lo := 0; lo < sqlBenchRows; lo += per {
		bld := array.NewRecordBuilder(mem, schema)
		for i := lo; i < min(lo+per, sqlBenchRows); i++ {
			bld.Field(0).(*array.Int64Builder).Append(int64(i))
			bld.Field(1).(*array.Float64Builder).Append(float64(i) / 7)
			bld.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("row-%d", i))
		}
		recs = append(recs, bld.NewRecordBatch())
		bld.Release()
	}
	return slices.Clip(recs)
}
