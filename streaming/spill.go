package streaming

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// spillSpace is a run's spill directory, made on first use under base and removed, with
// everything in it, when the run ends.
type spillSpace struct {
	base  string
	mu    sync.Mutex
	dir   string
	err   error
	seq   atomic.Int64
	files atomic.Int64
	bytes atomic.Int64 // bytes written to disk (compressed)
}

func newSpillSpace(base string) *spillSpace {
	if base == "" {
		base = os.TempDir()
	}
	return &spillSpace{base: base}
}

func (s *spillSpace) directory() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dir == "" && s.err == nil {
		if err := os.MkdirAll(s.base, 0o700); err != nil {
			s.err = err
		} else {
			s.dir, s.err = os.MkdirTemp(s.base, "sluice-spill-")
		}
	}
	return s.dir, s.err
}

// remove deletes the directory; files still open are closed by their owners' frees first.
func (s *spillSpace) remove() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dir == "" {
		return nil
	}
	err := os.RemoveAll(s.dir)
	s.dir = ""
	return err
}

// spillFile is one file of spilled runs; it is removed when the last run in it is freed.
type spillFile struct {
	path string
	refs atomic.Int32
	once sync.Once
	r    *ipc.FileReader
	f    *os.File
	err  error
	mem  memory.Allocator
}

// placement is where write put one run.
type placement struct {
	file       *spillFile
	batch0     int
	batchStart []int64
}

// write spills runs (whose records the caller keeps alive during the call) and returns where
// each went, or an error after removing what it wrote. Runs of one schema share a file;
// a run with dictionary columns gets a file of its own (an IPC file has one dictionary per
// column).
func (s *spillSpace) write(ctx context.Context, mem memory.Allocator, runs []*run, recs []arrow.RecordBatch) ([]placement, error) {
	dir, err := s.directory()
	if err != nil {
		return nil, fmt.Errorf("spill directory under %s: %w", s.base, err)
	}
	out := make([]placement, len(runs))
	var groups [][]int
	for i, rec := range recs {
		placed := false
		if !hasDictionary(rec.Schema()) {
			for g, idx := range groups {
				first := recs[idx[0]]
				if !hasDictionary(first.Schema()) && first.Schema().Equal(rec.Schema()) {
					groups[g] = append(groups[g], i)
					placed = true
					break
				}
			}
		}
		if !placed {
			groups = append(groups, []int{i})
		}
	}
	var written []*spillFile
	fail := func(err error) ([]placement, error) {
		for _, f := range written {
			os.Remove(f.path)
		}
		return nil, err
	}
	for _, idx := range groups {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		path := filepath.Join(dir, fmt.Sprintf("spill-%06d.arrow", s.seq.Add(1)))
		sf, err := s.writeFile(path, mem, runs, recs, idx, out)
		if err != nil {
			os.Remove(path)
			return fail(fmt.Errorf("%s: %w", path, err))
		}
		written = append(written, sf)
	}
	return out, nil
}

func (s *spillSpace) writeFile(path string, mem memory.Allocator, runs []*run, recs []arrow.RecordBatch, idx []int, out []placement) (*spillFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := bufio.NewWriterSize(f, 1<<20)
	w, err := ipc.NewFileWriter(buf, ipc.WithSchema(recs[idx[0]].Schema()), ipc.WithAllocator(mem), ipc.WithLZ4())
	if err != nil {
		return nil, err
	}
	sf := &spillFile{path: path, mem: mem}
	batch := 0
	for _, i := range idx {
		r, rec := runs[i], recs[i]
		pl := placement{file: sf, batch0: batch}
		for _, cut := range spillCuts(r) {
			part := rec.NewSlice(cut[0], cut[1])
			err := w.Write(part)
			part.Release()
			if err != nil {
				w.Close()
				return nil, err
			}
			pl.batchStart = append(pl.batchStart, cut[0])
			batch++
		}
		pl.batchStart = append(pl.batchStart, r.rows)
		out[i] = pl
		sf.refs.Add(1)
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if err := buf.Flush(); err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err == nil {
		s.bytes.Add(st.Size())
	}
	s.files.Add(1)
	return sf, nil
}

// spillCuts are the row ranges a run is written in: one batch per non-empty bucket for hash and
// random runs (a reduce reads only its buckets), one chunk (chunkRows) otherwise.
func spillCuts(r *run) [][2]int64 {
	var cuts [][2]int64
	if r.buckets != nil {
		for b := 0; b+1 < len(r.buckets); b++ {
			if r.buckets[b+1] > r.buckets[b] {
				cuts = append(cuts, [2]int64{r.buckets[b], r.buckets[b+1]})
			}
		}
		return cuts
	}
	c := r.chunk
	if c == 0 {
		c = chunkRows(r.rows)
	}
	for lo := int64(0); lo < r.rows; lo += c {
		cuts = append(cuts, [2]int64{lo, min(lo+c, r.rows)})
	}
	return cuts
}

func hasDictionary(s *arrow.Schema) bool {
	for _, f := range s.Fields() {
		if typeHasDictionary(f.Type) {
			return true
		}
	}
	return false
}

func typeHasDictionary(t arrow.DataType) bool {
	switch t := t.(type) {
	case *arrow.DictionaryType:
		return true
	case arrow.NestedType:
		for _, f := range t.Fields() {
			if typeHasDictionary(f.Type) {
				return true
			}
		}
	case arrow.ExtensionType:
		return typeHasDictionary(t.StorageType())
	}
	return false
}

// read returns batch i of the file (opened on first use), allocated with the run's allocator.
func (f *spillFile) read(mem memory.Allocator, i int) (arrow.RecordBatch, error) {
	f.once.Do(func() {
		f.f, f.err = os.Open(f.path)
		if f.err != nil {
			return
		}
		f.r, f.err = ipc.NewFileReader(f.f, ipc.WithAllocator(f.mem))
		if f.err != nil {
			f.f.Close()
		}
	})
	if f.err != nil {
		return nil, fmt.Errorf("spill file %s: %w", f.path, f.err)
	}
	rec, err := f.r.RecordBatchAt(i)
	if err != nil {
		return nil, fmt.Errorf("spill file %s: batch %d: %w", f.path, i, err)
	}
	return rec, nil
}

// unref drops one run's claim; the last closes and removes the file.
func (f *spillFile) unref() {
	if f.refs.Add(-1) != 0 {
		return
	}
	f.once.Do(func() {}) // no read may open it any more
	if f.r != nil {
		f.r.Close()
		f.f.Close()
	}
	os.Remove(f.path)
}
