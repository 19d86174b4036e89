package write

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"github.com/sluicedata/sluice/storage"
)

// Storage is the only way writers create files, so that object stores can be put under it
// (gocloud.dev/blob, where a commit is a completed multipart upload). Implementations must be
// safe for concurrent use by several write tasks.
type Storage interface {
	// Create returns a writer for path that is invisible under that name until Commit; Abort
	// (or a Commit that fails) leaves nothing behind. The parent directory is created as
	// needed. The caller must end every AtomicFile with exactly one Commit or Abort; calling
	// Abort after a successful Commit is a no-op, so `defer f.Abort()` is a safe guard.
	Create(ctx context.Context, path string) (AtomicFile, error)
	// Remove deletes the committed file at path. It is used to undo the files of a failed
	// write task. A missing file gives an error satisfying errors.Is(err, fs.ErrNotExist).
	Remove(ctx context.Context, path string) error
}

// AtomicFile is a file being written that appears under its final name only when Commit
// succeeds. It is not safe for concurrent use.
type AtomicFile interface {
	io.Writer
	// Commit makes the file visible under its final name, replacing any file already there.
	// If Commit fails, nothing is left behind. Commit after Commit or Abort is an error.
	Commit() error
	// Abort discards what was written. It is a no-op after Commit or a previous Abort.
	Abort() error
}

// ErrFileDone is returned by an AtomicFile used after Commit or Abort.
var ErrFileDone = errors.New("sluice: write: file already committed or aborted")

// Local returns the Storage of the operating system's file system. Paths are OS paths.
//
// Create writes to a temporary file ".<name>.tmp-<random>" in the destination directory and
// Commit renames it over the final name. The rename is atomic on POSIX file systems; no fsync
// is done, so a committed file survives a process crash but not necessarily a power loss.
func Local() Storage { return localStorage{} }

type localStorage struct{}

var _ Storage = localStorage{}

// Default returns the Storage for every path form: plain paths and file:// URLs are written on
// the operating system as Local does (temporary file, rename on Commit), every other URL
// (mem://, s3://, gs://, azblob://) through storage.Default(), where Commit completes a
// multipart upload and Abort abandons it, so a failed task leaves no object. A URL whose
// scheme has no driver fails with an error naming the import to add.
func Default() Storage { return NewStorage(storage.Default()) }

// NewStorage is Default with URLs written through fs instead of storage.Default(); the caller
// keeps ownership of fs and closes it after the last file is committed or aborted.
func NewStorage(fs *storage.FS) Storage { return routedStorage{fs: fs} }

// routedStorage sends local paths to the OS and URLs to a storage.FS.
type routedStorage struct{ fs *storage.FS }

var _ Storage = routedStorage{}

func (r routedStorage) Create(ctx context.Context, path string) (AtomicFile, error) {
	osPath, local, err := storage.LocalPath(path)
	switch {
	case err != nil:
		return nil, err
	case local:
		return localStorage{}.Create(ctx, osPath)
	}
	return r.fs.Create(ctx, path)
}

func (r routedStorage) Remove(ctx context.Context, path string) error {
	osPath, local, err := storage.LocalPath(path)
	switch {
	case err != nil:
		return err
	case local:
		return localStorage{}.Remove(ctx, osPath)
	}
	return r.fs.Remove(ctx, path)
}

// SaveMode says what a write does when its output directory already holds files, as Ray
// Data's SaveMode does; the zero value, SaveError, refuses to write.
type SaveMode = storage.SaveMode

// The save modes; see storage.SaveMode.
const (
	SaveError     = storage.SaveError
	SaveOverwrite = storage.SaveOverwrite
	SaveAppend    = storage.SaveAppend
	SaveIgnore    = storage.SaveIgnore
)

// ErrExists is wrapped by BeginRun's error in SaveError mode when the output already holds a
// dataset.
var ErrExists = storage.ErrExists

func (localStorage) Create(ctx context.Context, path string) (AtomicFile, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sluice: write: create %s: %w", path, err)
	}
	if path == "" || os.IsPathSeparator(path[len(path)-1]) {
		return nil, fmt.Errorf("sluice: write: create %q: path names a directory", path)
	}
	dir, name := filepath.Dir(path), filepath.Base(path)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, fmt.Errorf("sluice: write: create %s: %w", path, err)
	}
	f, err := createTemp(dir, name)
	if err != nil {
		return nil, fmt.Errorf("sluice: write: create %s: %w", path, err)
	}
	return &localFile{ctx: ctx, f: f, path: path}, nil
}

func (localStorage) Remove(ctx context.Context, path string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sluice: write: remove %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("sluice: write: remove %s: %w", path, err)
	}
	return nil
}

// localFile is an AtomicFile on the local file system: a temporary file renamed on Commit.
type localFile struct {
	ctx  context.Context
	f    *os.File // nil once committed or aborted
	path string
}

var _ AtomicFile = (*localFile)(nil)

func (l *localFile) Write(p []byte) (int, error) {
	if l.f == nil {
		return 0, ErrFileDone
	}
	n, err := l.f.Write(p)
	if err != nil {
		return n, fmt.Errorf("sluice: write: %s: %w", l.path, err)
	}
	return n, nil
}

func (l *localFile) Commit() error {
	if l.f == nil {
		return ErrFileDone
	}
	f, tmp := l.f, l.f.Name()
	l.f = nil
	// A cancelled write must not publish its file, even a complete one: the caller is about
	// to undo the whole task.
	if err := l.ctx.Err(); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("sluice: write: commit %s: %w", l.path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("sluice: write: commit %s: %w", l.path, err)
	}
	if err := os.Rename(tmp, l.path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("sluice: write: commit %s: %w", l.path, err)
	}
	return nil
}

func (l *localFile) Abort() error {
	if l.f == nil {
		return nil
	}
	f := l.f
	l.f = nil
	f.Close()
	if err := os.Remove(f.Name()); err != nil {
		return fmt.Errorf("sluice: write: abort %s: %w", l.path, err)
	}
	return nil
}

// createTemp creates ".<name>.tmp-<random>" in dir. Unlike os.CreateTemp it creates the file
// with mode 0666 so the umask applies and a committed file has the mode os.Create would give.
func createTemp(dir, name string) (*os.File, error) {
	for try := 0; ; try++ {
		tmp := filepath.Join(dir, "."+name+".tmp-"+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) && try < 10 {
			continue
		}
		return f, err
	}
}
