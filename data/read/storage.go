package read

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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

// Local returns the Storage of the operating system's file system. Paths are OS paths.
func Local() Storage { return localStorage{} }

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
