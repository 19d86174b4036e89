package read

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

func textWith(opts TextOptions) readFunc {
	return func(ctx context.Context, mem memory.Allocator, st Storage, f File, emit Emit) error {
		return ReadText(ctx, mem, st, f, opts, emit)
	}
}

func TestReadText(t *testing.T) {
	dir := t.TempDir()
	long := strings.Repeat("x", 200<<10)
	longFile := writeFile(t, dir, "long.txt", "a\n"+long+"\nb\n")
	badUTF8 := writeFile(t, dir, "bad.txt", "ok\n\xff\xfe\n")
	empty := writeFile(t, dir, "empty.txt", "")
	tests := []struct {
		name    string
		path    string
		opts    TextOptions
		rows    []string
		batches []int64
		err     string
	}{
		{name: "drops empty lines and line endings", path: "testdata/lines.txt", rows: []string{"first line", "second line", "third line"}, batches: []int64{3}},
		{name: "keeps empty lines", path: "testdata/lines.txt", opts: TextOptions{KeepEmptyLines: true, BatchRows: 2}, rows: []string{"first line", "", "second line", "third line"}, batches: []int64{2, 2}},
		{name: "line longer than the buffer", path: longFile, rows: []string{"a", long, "b"}, batches: []int64{3}},
		{name: "empty file emits nothing", path: empty},
		{name: "invalid UTF-8 names the line", path: badUTF8, err: "sluice: read_text: " + badUTF8 + ": line 2: not valid UTF-8"},
		{name: "missing file", path: "testdata/nope.txt", err: "sluice: read_text: testdata/nope.txt: no such file or directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			res, err := collect(t, mem, tc.path, textWith(tc.opts))
			wantError(t, err, tc.err)
			if tc.err != "" {
				return
			}
			schema := "text:utf8"
			if len(tc.batches) == 0 {
				schema = ""
			}
			checkResult(t, res, schema, tc.rows, tc.batches)
		})
	}
}
