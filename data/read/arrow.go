package read

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/storage"
)

// ArrowOptions configures ReadArrow.
type ArrowOptions struct {
	// Columns, if not empty, is the projection: only these columns are emitted, in this order.
	// Naming a column the file does not have is an error. A memory-mapped file's other
	// columns are never touched, so they cost no I/O.
	Columns []string
	// NoMmap reads a local IPC file through ReadAt into buffers from the allocator instead of
	// mapping it.
	NoMmap bool
	// Compression applies to the stream format only (a file in the IPC file format needs
	// random access): "" detects it by extension, as for CSV (a.arrows.zst).
	Compression string
}

// arrowMagic opens and closes an Arrow IPC file (Feather v2); a stream has none.
var arrowMagic = []byte("ARROW1")

// ReadArrow reads the Arrow IPC file or stream f from st (Feather v2 is the IPC file format)
// and calls emit with each of its record batches, in order; emit owns (and releases) each
// batch. Buffers compressed inside the file (LZ4 frame or zstd, as pyarrow's write_feather
// writes by default) are decompressed into buffers from mem.
//
// A local file in the file format is memory-mapped and read without copying: the emitted
// batches' uncompressed buffers point into the mapping (they are not counted by mem), which
// stays mapped for the life of the process (see mapping) and is reused while the file is
// unchanged. As with any mapping, a file truncated by another process while mapped faults
// the reader (SIGBUS); sluice's own writes replace files, they never truncate them. Other files are read through
// Storage.OpenRange (file format) or Storage.Open (stream format, which may be compressed as
// a whole, see ArrowOptions.Compression). Which format a file is in is decided by its first
// six bytes, not its name. Feather v1 files are refused.
//
// Errors start with "sluice: read_arrow: <path>: ". An error from emit is returned unchanged.
func ReadArrow(ctx context.Context, mem memory.Allocator, st Storage, f File, opts ArrowOptions, emit Emit) error {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	head, err := peekHead(ctx, st, f.Path)
	if err != nil {
		return readError("arrow", f.Path, err)
	}
	if osPath, ok := localFile(st, f.Path); ok && !opts.NoMmap && bytes.Equal(head, arrowMagic) {
		m, err := mapFile(osPath)
		if err != nil {
			return readError("arrow", f.Path, err)
		}
		if m != nil && bytes.HasPrefix(m.data, arrowMagic) {
			return readArrowMapped(ctx, mem, m, f, opts, emit)
		}
	}
	switch {
	case bytes.Equal(head, arrowMagic):
		rr, err := st.OpenRange(ctx, f.Path)
		if err != nil {
			return readError("arrow", f.Path, err)
		}
		defer rr.Close()
		win := &windowAlloc{Allocator: mem}
		var fr *ipc.FileReader
		err = guard(func() (err error) {
			fr, err = ipc.NewFileReader(io.NewSectionReader(rr, 0, rr.Size()), ipc.WithAllocator(win),
				ipc.WithBodySizeLimit(rr.Size())) // a declared body past the file is corrupt, not allocated
			return err
		})
		if err != nil {
			return readError("arrow", f.Path, err)
		}
		defer fr.Close()
		return readArrowFile(ctx, fr, f, opts, win, emit)
	case bytes.HasPrefix(head, []byte("FEA1")):
		return readErrorf("arrow", f.Path, "a Feather v1 file (pyarrow.feather.write_feather(version=1)); only v2, the Arrow IPC file format, is read")
	}
	rc, err := OpenStream(ctx, st, f, opts.Compression)
	if err != nil {
		return readError("arrow", f.Path, err)
	}
	defer rc.Close()
	win := &windowAlloc{Allocator: mem}
	var sr *ipc.Reader
	err = guard(func() (err error) {
		sr, err = ipc.NewReader(rc, ipc.WithAllocator(win))
		return err
	})
	if err != nil {
		if errors.Is(err, io.EOF) {
			return readErrorf("arrow", f.Path, "empty file: neither an Arrow IPC file nor a stream")
		}
		return readError("arrow", f.Path, err)
	}
	defer sr.Release()
	pick, err := projection(sr.Schema(), opts.Columns)
	if err != nil {
		return readError("arrow", f.Path, err)
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var rec arrow.RecordBatch
		// A stream's dictionaries are read by Next too and kept by the reader: a panic
		// after one was read in the same call would free it under the reader, so the
		// window is used only for streams without dictionary columns.
		decode := guard
		if !hasDictionary(sr.Schema().Fields()) {
			decode = win.decode
		}
		if err := decode(func() error {
			if sr.Next() {
				rec = sr.RecordBatch()
				rec.Retain()
				return nil
			}
			return sr.Err() // the reader recovers its own panics into Err
		}); err != nil {
			return readError("arrow", f.Path, err)
		}
		if rec == nil {
			break
		}
		if err := emit(project(rec, pick)); err != nil {
			return err
		}
	}
	if err := sr.Err(); err != nil {
		return readError("arrow", f.Path, err)
	}
	return nil
}

// guard runs fn, a call into arrow-go's IPC reader, turning a panic into a *PanicError:
// v18.8.0 panics on some corrupt flatbuffers (a vector length past the buffer, in
// schemaFromFB and the record batch metadata) instead of returning an error.
func guard(fn func() error) (err error) {
	defer recoverPanic(&err)
	return fn()
}

// peekHead returns the first six bytes of path (fewer for a shorter file).
func peekHead(ctx context.Context, st Storage, path string) ([]byte, error) {
	rc, err := st.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	head := make([]byte, len(arrowMagic))
	n, err := io.ReadFull(rc, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	return head[:n], nil
}

func readArrowMapped(ctx context.Context, mem memory.Allocator, m *mapping, f File, opts ArrowOptions, emit Emit) error {
	// arrow-go v18.8.0's NewMappedFileReader leaves its dictionary memo nil, and panics
	// ("assignment to entry in nil map") on a file with a dictionary column. Read the footer
	// through the ordinary reader first (it copies only the footer and schema) and map only
	// files without dictionaries; the others are read from the mapping with copies.
	win := &windowAlloc{Allocator: mem}
	var fr *ipc.FileReader
	err := guard(func() (err error) {
		fr, err = ipc.NewFileReader(bytes.NewReader(m.data), ipc.WithAllocator(win), ipc.WithBodySizeLimit(int64(len(m.data))))
		return err
	})
	if err != nil {
		return readError("arrow", f.Path, err)
	}
	if hasDictionary(fr.Schema().Fields()) {
		defer fr.Close()
		return readArrowFile(ctx, fr, f, opts, win, emit)
	}
	fr.Close()
	err = guard(func() (err error) {
		fr, err = ipc.NewMappedFileReader(m.data, ipc.WithAllocator(win))
		return err
	})
	if err != nil {
		return readError("arrow", f.Path, err)
	}
	defer fr.Close()
	return readArrowFile(ctx, fr, f, opts, win, emit)
}

func hasDictionary(fields []arrow.Field) bool {
	for _, f := range fields {
		if hasDictionaryType(f.Type) {
			return true
		}
	}
	return false
}

func hasDictionaryType(t arrow.DataType) bool {
	switch dt := t.(type) {
	case *arrow.DictionaryType:
		return true
	case arrow.NestedType:
		return hasDictionary(dt.Fields())
	case arrow.ExtensionType:
		return hasDictionaryType(dt.StorageType())
	}
	return false
}

// windowAlloc is the allocator given to arrow-go's IPC reader. When decoding a corrupt record
// batch fails (an error, or a panic that arrow-go's loadRecordBatch recovers or guard does),
// arrow-go v18.8.0 has already handed the message body to arrays it never finishes, so the
// body is never released; windowAlloc remembers what was allocated while one batch was
// decoded and frees what is still outstanding after a failure, which keeps the allocator's
// count exact. Nothing allocated while decoding one batch of a file, or of a stream without
// dictionaries, is kept by the reader after a failure.
type windowAlloc struct {
	memory.Allocator
	mu   sync.Mutex
	live map[*byte][]byte // nil outside a window
	// reclaimed are the buffers freed after a failure: on some error paths arrow-go does
	// release the body later, and that Free must not count twice.
	reclaimed map[*byte]bool
}

func (w *windowAlloc) Allocate(n int) []byte {
	b := w.Allocator.Allocate(n)
	w.track(nil, b)
	return b
}

func (w *windowAlloc) Reallocate(n int, old []byte) []byte {
	b := w.Allocator.Reallocate(n, old)
	w.track(old, b)
	return b
}

func (w *windowAlloc) Free(b []byte) {
	w.mu.Lock()
	if len(b) > 0 && w.reclaimed[&b[0]] {
		delete(w.reclaimed, &b[0])
		w.mu.Unlock()
		return
	}
	w.mu.Unlock()
	w.track(b, nil)
	w.Allocator.Free(b)
}

func (w *windowAlloc) track(gone, made []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.live == nil {
		return
	}
	if len(gone) > 0 {
		delete(w.live, &gone[0])
	}
	if len(made) > 0 {
		w.live[&made[0]] = made
	}
}

// decode runs fn, one batch's decode, in a window: after a failure, what it allocated and did
// not free is freed.
func (w *windowAlloc) decode(fn func() error) error {
	w.mu.Lock()
	w.live = map[*byte][]byte{}
	w.mu.Unlock()
	err := guard(fn)
	w.mu.Lock()
	defer w.mu.Unlock()
	live := w.live
	w.live = nil
	if err != nil {
		for p, b := range live {
			w.Allocator.Free(b)
			if w.reclaimed == nil {
				w.reclaimed = map[*byte]bool{}
			}
			w.reclaimed[p] = true
		}
	}
	return err
}

// readArrowFile emits the record batches of an IPC file.
func readArrowFile(ctx context.Context, fr *ipc.FileReader, f File, opts ArrowOptions, win *windowAlloc, emit Emit) error {
	pick, err := projection(fr.Schema(), opts.Columns)
	if err != nil {
		return readError("arrow", f.Path, err)
	}
	for i := range fr.NumRecords() {
		if err := ctx.Err(); err != nil {
			return err
		}
		var rec arrow.RecordBatch
		err := win.decode(func() (err error) {
			rec, err = fr.RecordBatchAt(i)
			return err
		})
		if err != nil {
			return readErrorf("arrow", f.Path, "record batch %d: %w", i, err)
		}
		rec = project(rec, pick)
		if err := emit(rec); err != nil {
			return err
		}
	}
	return nil
}

// projection is the column indices of cols in schema (nil for every column).
func projection(schema *arrow.Schema, cols []string) ([]int, error) {
	if len(cols) == 0 {
		return nil, nil
	}
	pick := make([]int, len(cols))
	for i, c := range cols {
		idx := schema.FieldIndices(c)
		if len(idx) == 0 {
			return nil, fmt.Errorf("no column %q (the file has %s)", c, fieldNames(schema))
		}
		pick[i] = idx[0]
	}
	return pick, nil
}

func fieldNames(s *arrow.Schema) string {
	names := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		names[i] = f.Name
	}
	return fmt.Sprintf("%q", names)
}

// project returns the columns pick of rec (rec itself for nil), releasing rec.
func project(rec arrow.RecordBatch, pick []int) arrow.RecordBatch {
	if pick == nil {
		return rec
	}
	defer rec.Release()
	fields := make([]arrow.Field, len(pick))
	cols := make([]arrow.Array, len(pick))
	for i, p := range pick {
		fields[i], cols[i] = rec.Schema().Field(p), rec.Column(p)
	}
	md := rec.Schema().Metadata()
	return array.NewRecordBatch(arrow.NewSchema(fields, &md), cols, rec.NumRows())
}

// localFile reports the operating-system path of path when st reads it from the local disk.
func localFile(st Storage, path string) (string, bool) {
	switch st.(type) {
	case localStorage:
		return path, true
	case routedStorage:
		if p, ok, err := storage.LocalPath(path); ok && err == nil {
			return p, true
		}
	}
	return "", false
}

// mapping is a memory-mapped file. It is never unmapped: Go code holds on to bytes of a batch
// past its Release (arrow-go's String.Value is a string over the buffer without a copy, and
// sluice's rows keep such strings), and only the garbage collector knows when those are gone,
// which it cannot for memory outside its heap. A read-only file mapping costs address space
// and reclaimable page cache, not heap; mapFile reuses the mapping of an unchanged file, so
// reading the same files every epoch maps them once.
type mapping struct {
	data []byte
}

// mappingMade, if set (by tests), sees every mapping made.
var mappingMade func(*mapping)

// contains reports whether b lies inside the mapping.
func (m *mapping) contains(b []byte) bool {
	if len(b) == 0 || len(m.data) == 0 {
		return false
	}
	lo := &m.data[0]
	hi := &m.data[len(m.data)-1]
	p, q := &b[0], &b[len(b)-1]
	return !ptrLess(p, lo) && !ptrLess(hi, q)
}

// ArrowRows is the number of rows of the Arrow IPC file or stream f. A local file in the file
// format is counted from its record batches' metadata, through the mapping, without touching
// their buffers; other files are read (the IPC footer does not hold row counts).
func ArrowRows(ctx context.Context, mem memory.Allocator, st Storage, f File, opts ArrowOptions) (int64, error) {
	var n int64
	// Projecting onto no column would still read the batches: count them as they come.
	err := ReadArrow(ctx, mem, st, f, ArrowOptions{NoMmap: opts.NoMmap, Compression: opts.Compression}, func(rec arrow.RecordBatch) error {
		n += rec.NumRows()
		rec.Release()
		return nil
	})
	return n, err
}

// ArrowSchema is the schema of the Arrow IPC file or stream f, read from its schema message
// alone (a file's footer, a stream's first message).
func ArrowSchema(ctx context.Context, st Storage, f File, opts ArrowOptions) (*arrow.Schema, error) {
	head, err := peekHead(ctx, st, f.Path)
	if err != nil {
		return nil, readError("arrow", f.Path, err)
	}
	var sc *arrow.Schema
	if bytes.Equal(head, arrowMagic) {
		rr, err := st.OpenRange(ctx, f.Path)
		if err != nil {
			return nil, readError("arrow", f.Path, err)
		}
		defer rr.Close()
		err = guard(func() error {
			fr, err := ipc.NewFileReader(io.NewSectionReader(rr, 0, rr.Size()), ipc.WithBodySizeLimit(rr.Size()))
			if err != nil {
				return err
			}
			sc = fr.Schema()
			return fr.Close()
		})
		if err != nil {
			return nil, readError("arrow", f.Path, err)
		}
		return sc, nil
	}
	rc, err := OpenStream(ctx, st, f, opts.Compression)
	if err != nil {
		return nil, readError("arrow", f.Path, err)
	}
	defer rc.Close()
	err = guard(func() error {
		sr, err := ipc.NewReader(rc)
		if err != nil {
			return err
		}
		sc = sr.Schema()
		sr.Release()
		return nil
	})
	if err != nil {
		return nil, readError("arrow", f.Path, err)
	}
	return sc, nil
}
