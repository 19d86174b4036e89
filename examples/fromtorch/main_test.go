package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/internal/memcheck"
	"go.uber.org/goleak"
)

func TestFromTorch(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var out bytes.Buffer
	if err := run(context.Background(), &out, &data.Context{Allocator: mem}, "../../testdata/digits.csv.gz"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"image   tensor(shape=(8, 8), dtype=uint8)",
		"label   int64",
		"1797 items",
		"digit 0: 178 images, mean center brightness 0.",
		"digit 1: 182 images",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestBadDigitsFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.csv.gz")
	os.WriteFile(p, []byte("not gzip"), 0o644)
	if err := run(context.Background(), &bytes.Buffer{}, nil, p); err == nil || !strings.Contains(err.Error(), "bad.csv.gz") {
		t.Fatalf("got %v", err)
	}
}
