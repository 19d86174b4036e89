package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/internal/memcheck"
)

func TestS3Example(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	// A fresh bucket name per run: the process-wide storage layer keeps a bucket's options.
	bucket := fmt.Sprintf("sluice-example-test-%d", time.Now().UnixNano())
	opts, stop, err := fakeS3(bucket)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	ctx := context.Background()
	base := "s3://" + bucket + "/example"
	if err := upload(ctx, base, opts); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, &out, &data.Context{Allocator: mem}, base, opts); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"image " + base + "/images/blue/2.png label blue",
		"image " + base + "/images/red/0.png label red",
		"wrote [" + base + "/out/part_000000_000000.parquet]",
		"read back 42 rows with petal_length > 5",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
