package read

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sluicedata/sluice/storage"
)

// File is one file found by listing: its path as the Storage names it and its size in bytes.
type File struct {
	Path string
	Size int64
}

// RangeReader gives random access to one file, for formats (Parquet) that read a footer first
// and then column chunks. The caller of Storage.OpenRange must Close it; ReadAt may be called
// concurrently from several goroutines.
type RangeReader interface {
	io.ReaderAt
	io.Closer
	// Size is the file's length in bytes.
	Size() int64
}

// Storage is the only way readers touch files, so that object stores can be put under it
// (gocloud.dev/blob). Implementations must be safe for concurrent use.
//
// Errors for a path that does not exist must satisfy errors.Is(err, fs.ErrNotExist).
type Storage interface {
	// Open opens path for a sequential read. The caller closes the returned reader.
	Open(ctx context.Context, path string) (io.ReadCloser, error)
	// OpenRange opens path for random access. The caller closes the returned reader.
	OpenRange(ctx context.Context, path string) (RangeReader, error)
	// Walk calls fn for every regular file under root, recursively and in lexical order; a
	// root that is a plain file yields itself. If fn returns an error, Walk stops and returns
	// it unchanged. Walk honours ctx between files.
	Walk(ctx context.Context, root string, fn func(File) error) error
}

// Local returns the Storage of the operating system's file system. Paths are OS paths; URLs
// are not understood (use Default).
func Local() Storage { return localStorage{} }

// Default returns the Storage for every path form: plain paths and file:// URLs are read from
// the operating system as Local does, every other URL (mem://, s3://, gs://, azblob://) through
// storage.Default(). A URL whose scheme has no driver fails with an error naming the import to
// add. Paths with bucket options ("s3://b/x?endpoint=...") must go through
// storage.Default().Resolve before ListFiles, which treats "?" as a glob character.
func Default() Storage { return NewStorage(storage.Default()) }

// NewStorage is Default with URLs read through fs instead of storage.Default(); the caller
// keeps ownership of fs and closes it after the last reader is closed.
func NewStorage(fs *storage.FS) Storage { return routedStorage{fs: fs} }

// routedStorage sends local paths to the OS and URLs to a storage.FS.
type routedStorage struct{ fs *storage.FS }

var _ Storage = routedStorage{}

func (r routedStorage) Open(ctx context.Context, path string) (io.ReadCloser, error) {
	osPath, local, err := storage.LocalPath(path)
	switch {
	case err != nil:
		return nil, err
	case local:
		return localStorage{}.Open(ctx, osPath)
	}
	return r.fs.Open(ctx, path)
}

func (r routedStorage) OpenRange(ctx context.Context, path string) (RangeReader, error) {
	osPath, local, err := storage.LocalPath(path)
	switch {
	case err != nil:
		return nil, err
	case local:
		return localStorage{}.OpenRange(ctx, osPath)
	}
	return r.fs.OpenRange(ctx, path)
}

func (r routedStorage) Walk(ctx context.Context, root string, fn func(File) error) error {
	osPath, local, err := storage.LocalPath(root)
	switch {
	case err != nil:
		return err
	case local && osPath == root:
		return localStorage{}.Walk(ctx, root, fn)
	case local:
		// A file:// root lists as file:// paths, so the listing's relative paths and the
		// later Open calls see the form the user gave.
		prefix, ok := strings.CutSuffix(root, osPath)
		if !ok {
			prefix = "file://"
		}
		return localStorage{}.Walk(ctx, osPath, func(f File) error {
			f.Path = prefix + filepath.ToSlash(f.Path)
			return fn(f)
		})
	}
	return r.fs.Walk(ctx, root, func(o storage.Object) error {
		return fn(File{Path: o.Path, Size: o.Size})
	})
}

type localStorage struct{}

var _ Storage = localStorage{}

func (localStorage) Open(ctx context.Context, path string) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return os.Open(path)
}

func (localStorage) OpenRange(ctx context.Context, path string) (RangeReader, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: path, Err: errIsDir}
	}
	return &localRange{File: f, size: st.Size()}, nil
}

var errIsDir = errors.New("is a directory")

type localRange struct {
	*os.File
	size int64
}

func (r *localRange) Size() int64 { return r.size }

func (localStorage) Walk(ctx context.Context, root string, fn func(File) error) error {
	st, err := os.Stat(root)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fn(File{Path: root, Size: st.Size()})
	}
	// filepath.WalkDir visits entries in lexical order, which gives the deterministic file
	// order the listing promises.
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			if d.Type()&fs.ModeSymlink == 0 {
				return nil
			}
			// Follow a symlink only when it points at a regular file.
			st, err := os.Stat(p)
			if err != nil || !st.Mode().IsRegular() {
				return nil
			}
			return fn(File{Path: p, Size: st.Size()})
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return fn(File{Path: p, Size: info.Size()})
	})
}
