package read

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// readFunc is any of the readers with its options bound.
type readFunc func(ctx context.Context, mem memory.Allocator, st Storage, f File, emit Emit) error

// result is what a read produced, as text so tests compare values, not pointers.
type result struct {
	schema  string   // "name:type, ..." of the first batch
	rows    []string // one "v1|v2|..." per row
	batches []int64  // rows per batch
}

// collect runs read on path and turns every emitted batch into text, releasing it.
func collect(t *testing.T, mem memory.Allocator, path string, read readFunc) (result, error) {
	t.Helper()
	var res result
	f := File{Path: path}
	if st, err := os.Stat(path); err == nil {
		f.Size = st.Size()
	}
	err := read(context.Background(), mem, Local(), f, func(rec arrow.RecordBatch) error {
		defer rec.Release()
		if res.batches == nil {
			res.schema = schemaString(rec.Schema())
		}
		res.batches = append(res.batches, rec.NumRows())
		for i := 0; i < int(rec.NumRows()); i++ {
			vals := make([]string, rec.NumCols())
			for c, col := range rec.Columns() {
				vals[c] = col.ValueStr(i)
			}
			res.rows = append(res.rows, strings.Join(vals, "|"))
		}
		return nil
	})
	return res, err
}

func schemaString(s *arrow.Schema) string {
	parts := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		parts[i] = f.Name + ":" + f.Type.String()
	}
	return strings.Join(parts, ", ")
}

// writeFile writes content to dir/name, creating parent directories.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func wantError(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want one containing %q", want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not contain %q", err, want)
	}
}
