// Quickstart: read a CSV, add a column with a batch function, filter rows, iterate batches and
// write Parquet, then print the schema, the first rows and the run's stats.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"

	"github.com/sluicedata/sluice/data"
)

// petalArea adds petal_length * petal_width to every batch.
func petalArea(ctx context.Context, b *data.Batch) (*data.Batch, error) {
	l, err := b.Float64s("petal_length")
	if err != nil {
		return nil, err
	}
	w, err := b.Float64s("petal_width")
	if err != nil {
		return nil, err
	}
	area := make([]float64, len(l))
	for i := range l {
		area[i] = l[i] * w[i]
	}
	return b.With("petal_area", area)
}

// notSetosa keeps the two species that are hard to tell apart.
func notSetosa(ctx context.Context, r data.Row) (bool, error) {
	return r["species"] != "setosa", nil
}

func main() {
	in := flag.String("in", filepath.Join(repoRoot(), "testdata", "iris.csv"), "CSV file or directory to read")
	out := flag.String("out", "", "directory for the Parquet output (default: a temporary directory)")
	flag.Parse()
	dir := *out
	if dir == "" {
		tmp, err := os.MkdirTemp("", "sluice-quickstart-")
		check(err)
		defer os.RemoveAll(tmp)
		dir = filepath.Join(tmp, "out")
	}
	check(run(context.Background(), os.Stdout, nil, *in, dir))
}

// run is the example; c is the engine context (nil: the default one).
func run(ctx context.Context, w io.Writer, c *data.Context, in, dir string) error {
	ds := data.ReadCSV(in).
		MapBatches(petalArea, data.BatchSize(64)).
		Filter(notSetosa)
	if c != nil {
		ds = ds.WithContext(c)
	}

	fmt.Fprintln(w, ds.Explain())

	schema, err := ds.Schema(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Schema:\n%s\n", schema)

	fmt.Fprintln(w, "First rows:")
	if err := ds.Show(ctx, w, 5); err != nil {
		return err
	}

	var rows int
	var sum float64
	for batch, err := range ds.IterBatches(ctx, data.BatchSize(32), data.Prefetch(2)) {
		if err != nil {
			return err
		}
		area, err := batch.Float64s("petal_area")
		if err != nil {
			return err
		}
		rows += batch.NumRows()
		for _, a := range area {
			sum += a
		}
	}
	fmt.Fprintf(w, "\nIterated %d rows in batches of 32; mean petal_area %.3f\n", rows, sum/float64(rows))

	files, err := ds.WriteParquet(ctx, dir, data.MaxRowsPerFile(40))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Wrote %d Parquet files to %s: %v\n", len(files), dir, names(files))

	back := data.ReadParquet(dir)
	if c != nil {
		back = back.WithContext(c)
	}
	n, err := back.Count(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Read back %d rows (count from Parquet footers)\n\nStats of the write:\n%s", n, ds.Stats())
	return nil
}

func names(paths []string) []string {
	var out []string
	for _, p := range paths {
		out = append(out, filepath.Base(p))
	}
	return out
}

// repoRoot finds the repository from this file's location, so the example runs from any
// directory with `go run`.
func repoRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "."
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
