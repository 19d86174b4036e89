package read

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

func TestReadBinary(t *testing.T) {
	dir := t.TempDir()
	data := bytes.Repeat([]byte{0, 1, 2, 0xff}, 10000)
	p := writeFile(t, dir, "blob.bin", string(data))
	empty := writeFile(t, dir, "empty.bin", "")
	tests := []struct {
		name string
		f    File
		want []byte
		err  string
	}{
		{name: "whole file, exact size hint", f: File{Path: p, Size: int64(len(data))}, want: data},
		{name: "size hint too small", f: File{Path: p, Size: 3}, want: data},
		{name: "no size hint", f: File{Path: p}, want: data},
		{name: "size hint too large", f: File{Path: p, Size: 1 << 20}, want: data},
		{name: "empty file is one empty row", f: File{Path: empty}, want: []byte{}},
		{name: "missing file", f: File{Path: "testdata/nope.bin"}, err: "sluice: read_binary: testdata/nope.bin: no such file or directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			var got [][]byte
			err := ReadBinary(context.Background(), mem, Local(), tc.f, BinaryOptions{}, func(rec arrow.RecordBatch) error {
				defer rec.Release()
				if s := schemaString(rec.Schema()); s != "bytes:binary" {
					t.Errorf("schema %q", s)
				}
				col := rec.Column(0).(*array.Binary)
				for i := 0; i < col.Len(); i++ {
					got = append(got, bytes.Clone(col.Value(i)))
				}
				return nil
			})
			wantError(t, err, tc.err)
			if tc.err != "" {
				return
			}
			if len(got) != 1 || !bytes.Equal(got[0], tc.want) {
				t.Fatalf("got %d rows, first %d bytes; want 1 row of %d bytes", len(got), len(got[0]), len(tc.want))
			}
		})
	}
}

func TestReadBinaryEmitError(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	p := writeFile(t, t.TempDir(), "x.bin", "abc")
	stop := errors.New("stop")
	err := ReadBinary(context.Background(), mem, Local(), File{Path: p, Size: 3}, BinaryOptions{}, func(rec arrow.RecordBatch) error {
		rec.Release()
		return stop
	})
	if err != stop {
		t.Fatalf("err = %v, want stop", err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
}
