package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/internal/memcheck"
	"go.uber.org/goleak"
)

func TestSQLite(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var out bytes.Buffer
	if err := run(context.Background(), &out, &data.Context{Allocator: mem}, filepath.Join(t.TempDir(), "ex.db")); err != nil {
		t.Fatal(err)
	}
	want := "Wrote 4 rows into orders_gross\n1 ada 15.00\n2 bob 8.70\n3 ada 120.00\n4 cy NULL\n"
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}
