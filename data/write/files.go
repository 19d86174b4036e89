package write

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// DefaultPrefix is the file name prefix FilesWriter uses when FilesOptions.Prefix is empty.
const DefaultPrefix = "part"

// FilesOptions says where and how a FilesWriter writes the files of one write task.
type FilesOptions struct {
	// Dir is the output directory (created if missing). Required.
	Dir string
	// Prefix starts every file name; empty means DefaultPrefix. It must not contain a path
	// separator.
	Prefix string
	// TaskIndex is the index of the write task, used in file names so that the tasks of one
	// write never collide. Must be >= 0.
	TaskIndex int
	// MaxRowsPerFile starts a new file once a file holds this many rows; 0 means no limit
	// (one file per task). Must be >= 0.
	MaxRowsPerFile int64
	// EmptyFile makes Close write one file with no rows when no row was written but a batch
	// (even an empty one) gave the schema, so that an empty dataset still has a file carrying
	// its schema (pyarrow writes one too). A run asks it of one task only.
	EmptyFile bool
	// Input names the task's input (TaskContext.Origin), recorded in FileInfo for the ledger.
	Input string
	// Subdir, when set, is a relative directory under Dir ("year=2024/month=05", slash
	// separated) that the files go into: a Hive partition of the output. File names only need
	// to be unique within a Subdir.
	Subdir string
}

// FileInfo describes one file a FilesWriter committed: what a run's manifest records.
type FileInfo struct {
	// Path is where the file was written (under FilesOptions.Dir).
	Path string
	// Name is its name relative to Dir: the base name, after FilesOptions.Subdir and a "/"
	// when that is set. The run publishes the file under this name.
	Name string
	// Task and Index are the write task and the file's index within the task.
	Task, Index int
	// Input is FilesOptions.Input.
	Input string
	// Rows and Bytes are the file's row count and size; CRC32 the CRC-32 (IEEE) of its bytes.
	Rows, Bytes int64
	CRC32       uint32
}

// FileName returns the name of the fileIndex-th file of task taskIndex:
// "<prefix>_<task:06d>_<file:06d>.<ext>". Names sort in write order within a task.
func FileName(prefix string, taskIndex, fileIndex int, ext string) string {
	return fmt.Sprintf("%s_%06d_%06d.%s", prefix, taskIndex, fileIndex, ext)
}

// writeBufferBytes is the buffer between a RecordWriter and its file: large enough that
// small encoder writes do not each become a system call.
const writeBufferBytes = 1 << 20

// FilesWriter writes the record batches of one write task to files in a directory.
//
// Protocol: NewFiles, then Write any number of times, then Close, which returns the paths of
// the files written. Abort instead of Close discards everything; call it (or Close) exactly
// once, though Abort after Close or Abort is a harmless no-op, so `defer fw.Abort()` guards
// every exit. A new file is started whenever the current one reaches MaxRowsPerFile rows,
// splitting a batch across files with zero-copy slices; files are named by FileName with
// file indexes 0, 1, 2, ... Each file is committed (made visible under its name) only when it
// is complete. When Write or Close fails, or ctx is cancelled, the open file is aborted and
// the files this writer already committed are removed, so a failed task leaves nothing; the
// FilesWriter is then done and every later call returns the first error.
//
// Batches with zero rows are skipped, and a task that writes no rows writes no file.
// A FilesWriter is not safe for concurrent use; run one per write task.
type FilesWriter struct {
	ctx    context.Context
	st     Storage
	format Format
	opts   FilesOptions

	schema    *arrow.Schema // from the first batch; every batch must match it
	fileIndex int           // index of the next file to open
	file      AtomicFile    // open file, or nil
	filePath  string
	sum       *summer // counts and checksums the open file's bytes
	buf       *bufio.Writer
	rw        RecordWriter
	fileRows  int64 // rows in the open file
	done      []FileInfo
	err       error // first error; the writer is finished once set
	closed    bool
}

// summer counts and checksums the bytes on their way from the buffer to the file. The buffer
// hands it 1 MiB at a time; in a CPU profile of BenchmarkParquetWrite/disk-dataset the CRC-32
// is 0.7% of the samples (data/write/MANIFEST.md).
type summer struct {
	w   AtomicFile
	n   int64
	crc uint32
}

func (s *summer) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	s.crc = crc32.Update(s.crc, crc32.IEEETable, p[:n])
	s.n += int64(n)
	return n, err
}

// NewFiles returns a FilesWriter for one write task. A nil st means Local(). It checks the
// options and creates nothing until the first row is written. The batches given to Write
// are never released by the FilesWriter: the caller owns them.
func NewFiles(ctx context.Context, st Storage, format Format, opts FilesOptions) (*FilesWriter, error) {
	if format == nil {
		return nil, fmt.Errorf("sluice: write: %s: nil format", opts.Dir)
	}
	if st == nil {
		st = Local()
	}
	if opts.Dir == "" {
		return nil, fmt.Errorf("sluice: write: empty output directory")
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if strings.ContainsAny(opts.Prefix, `/\`) {
		return nil, fmt.Errorf("sluice: write: %s: prefix %q contains a path separator", opts.Dir, opts.Prefix)
	}
	if opts.TaskIndex < 0 {
		return nil, fmt.Errorf("sluice: write: %s: negative task index %d", opts.Dir, opts.TaskIndex)
	}
	if opts.MaxRowsPerFile < 0 {
		return nil, fmt.Errorf("sluice: write: %s: negative MaxRowsPerFile %d", opts.Dir, opts.MaxRowsPerFile)
	}
	if opts.Subdir != "" && (strings.HasPrefix(opts.Subdir, "/") || strings.Contains(opts.Subdir, `\`) ||
		slices.ContainsFunc(strings.Split(opts.Subdir, "/"), func(s string) bool { return s == "" || s == "." || s == ".." })) {
		return nil, fmt.Errorf("sluice: write: %s: subdirectory %q is not a clean relative path", opts.Dir, opts.Subdir)
	}
	return &FilesWriter{ctx: ctx, st: st, format: format, opts: opts}, nil
}

// Write writes the rows of rec, whose schema must equal that of the first batch. rec is not
// retained or released. On error the writer has already undone everything it wrote.
func (w *FilesWriter) Write(rec arrow.RecordBatch) error {
	if err := w.usable(); err != nil {
		return err
	}
	if err := w.ctx.Err(); err != nil {
		return w.fail(fmt.Errorf("sluice: write: %s: %w", w.opts.Dir, err))
	}
	if w.schema == nil {
		w.schema = rec.Schema()
	} else if !rec.Schema().Equal(w.schema) {
		return w.fail(fmt.Errorf("sluice: write: %s: batch schema %s does not match the first batch's %s", w.opts.Dir, rec.Schema(), w.schema))
	}
	n := rec.NumRows()
	for off := int64(0); off < n; {
		if w.file == nil {
			if err := w.open(); err != nil {
				return w.fail(err)
			}
		}
		take := n - off
		if max := w.opts.MaxRowsPerFile; max > 0 && take > max-w.fileRows {
			take = max - w.fileRows
		}
		part := rec
		if take != n {
			part = rec.NewSlice(off, off+take)
		}
		err := w.rw.Write(part)
		if take != n {
			part.Release()
		}
		if err != nil {
			return w.fail(fmt.Errorf("sluice: write: %s: %w", w.filePath, err))
		}
		testPoint("write")
		w.fileRows += take
		off += take
		if w.opts.MaxRowsPerFile > 0 && w.fileRows == w.opts.MaxRowsPerFile {
			if err := w.commit(); err != nil {
				return w.fail(err)
			}
		}
	}
	return nil
}

// Close completes the open file and returns the paths of all files written, in write order.
// On error nothing is left behind and the paths are nil.
func (w *FilesWriter) Close() ([]string, error) {
	if err := w.usable(); err != nil {
		return nil, err
	}
	if err := w.ctx.Err(); err != nil {
		return nil, w.fail(fmt.Errorf("sluice: write: %s: %w", w.opts.Dir, err))
	}
	if w.file == nil && len(w.done) == 0 && w.opts.EmptyFile && w.schema != nil {
		if err := w.open(); err != nil {
			return nil, w.fail(err)
		}
	}
	if w.file != nil {
		if err := w.commit(); err != nil {
			return nil, w.fail(err)
		}
	}
	w.closed = true
	paths := make([]string, len(w.done))
	for i, f := range w.done {
		paths[i] = f.Path
	}
	return paths, nil
}

// Files returns what Close committed, in write order; nil before Close succeeded.
func (w *FilesWriter) Files() []FileInfo {
	if !w.closed {
		return nil
	}
	return w.done
}

// Abort discards the open file and removes the files already committed. It returns the
// errors met while removing, joined; it is a no-op after Close succeeded (the files then belong
// to the caller) or after a failure (which has already cleaned up).
func (w *FilesWriter) Abort() error {
	if w.closed || w.err != nil {
		return nil
	}
	w.err = fmt.Errorf("sluice: write: %s: aborted", w.opts.Dir)
	return w.cleanup()
}

func (w *FilesWriter) usable() error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return fmt.Errorf("sluice: write: %s: writer already closed", w.opts.Dir)
	}
	return nil
}

// fail records err as the writer's error, undoes everything and returns err (joined with
// any cleanup error).
func (w *FilesWriter) fail(err error) error {
	w.err = err
	if cerr := w.cleanup(); cerr != nil {
		w.err = errors.Join(err, cerr)
	}
	return w.err
}

func (w *FilesWriter) cleanup() error {
	var errs []error
	if w.file != nil {
		// Close the format's writer even though its file is discarded: it frees what the
		// writer holds (a buffered Parquet row group). Its error does not matter any more.
		if w.rw != nil {
			w.rw.Close()
		}
		errs = append(errs, w.file.Abort())
		w.file, w.rw, w.buf = nil, nil, nil
	}
	// A cancelled ctx must not stop the undo, so removal runs without it.
	ctx := context.WithoutCancel(w.ctx)
	for _, f := range w.done {
		errs = append(errs, w.st.Remove(ctx, f.Path))
	}
	w.done = nil
	return errors.Join(errs...)
}

func (w *FilesWriter) open() error {
	name := FileName(w.opts.Prefix, w.opts.TaskIndex, w.fileIndex, w.format.Ext())
	if w.opts.Subdir != "" {
		name = w.opts.Subdir + "/" + name
	}
	p := joinPath(w.opts.Dir, name)
	f, err := w.st.Create(w.ctx, p)
	if err != nil {
		return err
	}
	sum := &summer{w: f}
	buf := bufio.NewWriterSize(sum, writeBufferBytes)
	rw, err := w.format.NewWriter(buf, w.schema)
	if err != nil {
		f.Abort()
		return fmt.Errorf("sluice: write: %s: %w", p, err)
	}
	w.fileIndex++
	w.file, w.filePath, w.sum, w.buf, w.rw, w.fileRows = f, p, sum, buf, rw, 0
	return nil
}

// commit finishes the open file: the format's footer, the buffer, then the atomic commit.
func (w *FilesWriter) commit() error {
	f, p := w.file, w.filePath
	if err := w.rw.Close(); err != nil {
		return fmt.Errorf("sluice: write: %s: %w", p, err)
	}
	if err := w.buf.Flush(); err != nil {
		return fmt.Errorf("sluice: write: %s: %w", p, err)
	}
	w.file, w.rw, w.buf = nil, nil, nil
	if err := f.Commit(); err != nil {
		return err // Commit leaves nothing behind and names the path
	}
	name := p[strings.LastIndexAny(p, `/\`)+1:]
	if w.opts.Subdir != "" {
		name = w.opts.Subdir + "/" + name
	}
	w.done = append(w.done, FileInfo{Path: p, Name: name, Task: w.opts.TaskIndex, Index: w.fileIndex - 1, Input: w.opts.Input,
		Rows: w.fileRows, Bytes: w.sum.n, CRC32: w.sum.crc})
	testPoint("file")
	return nil
}

// joinPath joins a directory and a file name: with "/" for URLs (object stores, later), with
// the OS separator for local paths.
func joinPath(dir, name string) string {
	if strings.Contains(dir, "://") {
		return strings.TrimSuffix(dir, "/") + "/" + path.Clean(name)
	}
	return filepath.Join(dir, name)
}
