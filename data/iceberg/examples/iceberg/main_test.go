package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
)

func TestExample(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var out bytes.Buffer
	if err := run(context.Background(), &out, &data.Context{Allocator: mem, NoProgress: true}, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	want := "shop.orders: 2 snapshots\nshop.orders_gross: 4 rows\n1 ada 15.00\n2 bob 8.70\n3 ada 120.00\n4 cy 48.00\n"
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}
