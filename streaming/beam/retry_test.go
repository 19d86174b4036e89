package beam

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/write"
)

// Beam may run a bundle again after a failure. Prism (v2.78.0) does not: a failed bundle fails
// the job (TestFailedRunCommitsNothing shows what a run then leaves). These tests hold the
// DoFns to Beam's contract all the same, since Dataflow, Flink and Spark do retry.

// block is a Block of task 0 at position i holding the rows [from, from+n) of column "x".
func testBlock(t *testing.T, mem memory.Allocator, i, from, n int64) Block {
	t.Helper()
	b := array.NewInt64Builder(mem)
	defer b.Release()
	for v := from; v < from+n; v++ {
		b.Append(v)
	}
	col := b.NewArray()
	defer col.Release()
	rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil), []arrow.Array{col}, n)
	defer rec.Release()
	data, err := encode(rec, mem)
	if err != nil {
		t.Fatal(err)
	}
	return Block{Task: 0, Seq: []int64{0, i}, Origin: "rows " + string(rune('a'+i)), Data: data}
}

// TestWriteRetryIdempotent runs a write task's bundle twice, as Beam does after a failure:
// the first attempt fails after one file is complete and the next half written; the second
// succeeds. The staging area then holds exactly the files of one attempt, complete, with the
// same names a first-time success gives, and nothing else (no temporary file of the failed
// attempt).
func TestWriteRetryIdempotent(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	good := []Block{testBlock(t, mem, 0, 0, 60), testBlock(t, mem, 1, 60, 60), testBlock(t, mem, 2, 120, 60), testBlock(t, mem, 3, 180, 60)}
	bad := slices.Clone(good)
	bad[2].Data = bad[2].Data[:len(bad[2].Data)/2] // a block that fails to decode: after 120 rows

	attempt := func(dir string, blocks []Block) ([]write.FileInfo, error) {
		f := &writeFn{Spec: data.WriteSpec{Call: "WriteParquet", MaxRowsPerFile: 100, Dir: dir, Prefix: "part"}}
		// Beam hands a bundle's iterable in any order.
		in := slices.Clone(blocks)
		slices.Reverse(in)
		var lists [][]byte
		err := f.ProcessElement(ctx, 0, func(b *Block) bool {
			if len(in) == 0 {
				return false
			}
			*b, in = in[0], in[1:]
			return true
		}, func(l []byte) { lists = append(lists, l) })
		var files []write.FileInfo
		for _, l := range lists {
			var fs []write.FileInfo
			if err := json.Unmarshal(l, &fs); err != nil {
				t.Fatal(err)
			}
			files = append(files, fs...)
		}
		return files, err
	}
	old := workerMem
	workerMem = mem
	defer func() { workerMem = old }()

	once := t.TempDir()
	want, err := attempt(once, good)
	if err != nil {
		t.Fatal(err)
	}
	retried := t.TempDir()
	if _, err := attempt(retried, bad); err == nil || !strings.Contains(err.Error(), "WriteParquet") || !strings.Contains(err.Error(), "rows c") {
		t.Fatalf("first attempt: %v; want a failure naming the write and the block's input", err)
	}
	got, err := attempt(retried, good)
	if err != nil {
		t.Fatal(err)
	}
	names := func(dir string) []string {
		var out []string
		err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(dir, p)
				out = append(out, rel)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if w, g := names(once), names(retried); !slices.Equal(w, g) || len(w) != 3 {
		t.Fatalf("after a failed attempt and a retry the staging area holds %v; one attempt leaves %v (want 3 files)", g, w)
	}
	if len(got) != len(want) {
		t.Fatalf("the retry reported %d files, one attempt %d", len(got), len(want))
	}
	for i := range want {
		w, g := want[i], got[i]
		if w.Name != g.Name || w.Rows != g.Rows || w.Bytes != g.Bytes || w.CRC32 != g.CRC32 {
			t.Fatalf("file %d: retry %+v, once %+v", i, g, w)
		}
		a, _ := os.ReadFile(filepath.Join(once, w.Name))
		b, _ := os.ReadFile(filepath.Join(retried, g.Name))
		if !slices.Equal(a, b) {
			t.Fatalf("%s: the retried bytes differ", w.Name)
		}
	}
	rows := rows(t, data.ReadParquet(retried).WithContext(&data.Context{NoProgress: true}))
	if len(rows) != 240 || rows[0] != "x=0" || rows[239] != "x=239" {
		t.Fatalf("the retried files hold %d rows (%v ... %v), want x=0..239", len(rows), rows[:1], rows[len(rows)-1:])
	}
}

// failOnce makes the "fail-once" plan's map fail on its first call in this process.
var failOnce atomic.Bool

func init() {
	Register("fail-once", func() *data.Dataset {
		return data.ReadParquet(inDir).MapBatches(func(ctx context.Context, b *data.Batch) (*data.Batch, error) {
			if failOnce.CompareAndSwap(true, false) {
				return nil, errors.New("injected failure")
			}
			return double(ctx, b)
		})
	})
}

// TestFailedRunCommitsNothing: a bundle that fails its first attempt fails the job on prism
// (no retry in v2.78.0); the write then commits nothing and leaves no file, and a rerun (the
// bundle now succeeds) writes the local run's files.
func TestFailedRunCommitsNothing(t *testing.T) {
	local, onBeam := contexts(t, "fail-once")
	onBeam.Backend = New("fail-once", Scratch(t.TempDir()))
	ctx := context.Background()
	build := registry.plans["fail-once"]
	out := filepath.Join(t.TempDir(), "out")
	failOnce.Store(true)
	_, err := build().WithContext(onBeam).WriteParquet(ctx, out)
	if err == nil || !strings.Contains(err.Error(), "injected failure") || !strings.Contains(err.Error(), inDir) {
		t.Fatalf("a failing first attempt: %v; want the job's failure, naming the cause and the input", err)
	}
	t.Logf("the failed run: %v", err)
	var left []string
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, p)
		}
		return nil
	})
	if len(left) != 0 {
		t.Fatalf("the failed run left %v", left)
	}
	got, err := build().WithContext(onBeam).WriteParquet(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := build().WithContext(local).WriteParquet(ctx, filepath.Join(t.TempDir(), "local"))
	if err != nil {
		t.Fatal(err)
	}
	reader := &data.Context{NoProgress: true}
	w, g := parquetFiles(t, reader, want), parquetFiles(t, reader, got)
	if len(w) != len(g) {
		t.Fatalf("rerun: %d files, locally %d", len(g), len(w))
	}
	for name, rows := range w {
		same(t, name, g[name], rows)
	}
}
