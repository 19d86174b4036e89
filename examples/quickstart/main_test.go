package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/internal/memcheck"
	"go.uber.org/goleak"
)

func TestQuickstart(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var out bytes.Buffer
	dir := filepath.Join(t.TempDir(), "out")
	if err := run(context.Background(), &out, &data.Context{Allocator: mem}, filepath.Join("..", "..", "testdata", "iris.csv"), dir); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"TaskPoolMapOperator[ReadCSV->MapBatches(petalArea)->Filter(notSetosa)]",
		"petal_area    float64",
		"7             3.2          4.7           1.4          versicolor  6.58",
		"Iterated 100 rows in batches of 32; mean petal_area 8.508",
		"Wrote 3 Parquet files",
		"Read back 100 rows",
		"Operator 0 ReadCSV->MapBatches(petalArea)->Filter(notSetosa)->WriteParquet",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
