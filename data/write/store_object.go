package write

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/sluicedata/sluice/storage"
)

// objectStore is the store of CommitterCopy and CommitterMultipart: objects under a URL
// prefix, through a storage.FS.
type objectStore struct {
	fs        *storage.FS
	multipart bool
	ups       *uploadSet // CommitterMultipart: the run's uploads
}

var _ store = objectStore{}

func (objectStore) join(dir, rel string) string { return strings.TrimSuffix(dir, "/") + "/" + rel }

func (s objectStore) list(ctx context.Context, dir string) ([]entry, error) {
	var out []entry
	root := strings.TrimSuffix(dir, "/") + "/"
	err := s.fs.Walk(ctx, strings.TrimSuffix(dir, "/")+"/", func(o storage.Object) error {
		out = append(out, entry{rel: strings.TrimPrefix(o.Path, root), size: o.Size, mod: o.ModTime})
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return out, err
}

func (s objectStore) readTagged(ctx context.Context, p string) ([]byte, string, error) {
	return s.fs.ReadTagged(ctx, p)
}

func (s objectStore) writeIf(ctx context.Context, p string, data []byte, tag string) error {
	return s.fs.WriteIf(ctx, p, data, tag)
}

func (s objectStore) put(ctx context.Context, p string, data []byte) error {
	w, err := s.fs.Create(ctx, p)
	if err != nil {
		return err
	}
	defer w.Abort()
	if _, err := w.Write(data); err != nil {
		return err
	}
	return w.Commit()
}

func (s objectStore) checksum(ctx context.Context, p string) (uint32, error) {
	rd, err := s.fs.Open(ctx, p)
	if err != nil {
		return 0, err
	}
	defer rd.Close()
	return fileChecksum(rd)
}

func (s objectStore) remove(ctx context.Context, p string) error {
	if err := s.fs.Remove(ctx, p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// publish copies a staged object into place (CommitterCopy), or completes the upload to its
// final key (CommitterMultipart), never replacing an object: for the copy the check and the
// copy are two requests (S3 has no conditional copy), for the upload S3 checks itself
// (If-None-Match on CompleteMultipartUpload).
func (s objectStore) publish(ctx context.Context, from, to string) error {
	if s.multipart {
		u, ok := s.ups.finishedOf(to)
		if !ok {
			return fmt.Errorf("sluice: write: %s: no finished upload", to)
		}
		err := s.fs.CompleteDeferred(ctx, u, true)
		if errors.Is(err, storage.ErrPrecondition) {
			return fmt.Errorf("%w: %w", errTaken, err)
		}
		if err == nil {
			s.ups.take(to)
		}
		return err
	}
	if _, err := s.fs.Stat(ctx, to); err == nil {
		return errTaken
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return s.fs.Copy(ctx, to, from)
}

func (s objectStore) files() Storage {
	if s.multipart {
		return deferredStorage{fs: s.fs, ups: s.ups}
	}
	return NewStorage(s.fs)
}

func (s objectStore) uploads(ctx context.Context, dir string) ([]uploadInfo, error) {
	if !s.multipart {
		return nil, nil
	}
	ups, err := s.fs.ListDeferred(ctx, dir)
	if err != nil {
		return nil, err
	}
	out := make([]uploadInfo, len(ups))
	for i, u := range ups {
		out[i] = uploadInfo{path: u.Path, id: u.UploadID, initiated: u.Initiated}
	}
	return out, nil
}

func (s objectStore) abortUpload(ctx context.Context, p, id string) error {
	return s.fs.AbortDeferred(ctx, storage.Upload{Path: p, UploadID: id})
}

// deferredStorage is CommitterMultipart's Storage for the run's tasks: each file is a
// multipart upload to its final key, finished (every part stored) by AtomicFile.Commit and
// completed, made visible, only by the run's commit.
type deferredStorage struct {
	fs  *storage.FS
	ups *uploadSet
}

var _ Storage = deferredStorage{}

func (d deferredStorage) Create(ctx context.Context, p string) (AtomicFile, error) {
	w, err := d.fs.CreateDeferred(ctx, p)
	if err != nil {
		return nil, err
	}
	d.ups.start(w.Started())
	return &deferredFile{ctx: ctx, w: w, ups: d.ups, path: p}, nil
}

// Remove discards the run's upload to p (a failed task's file).
func (d deferredStorage) Remove(ctx context.Context, p string) error {
	u, ok := d.ups.take(p)
	if !ok {
		return fmt.Errorf("sluice: write: remove %s: %w", p, fs.ErrNotExist)
	}
	return d.fs.AbortDeferred(ctx, u)
}

type deferredFile struct {
	ctx  context.Context
	w    storage.DeferredWriter // nil once committed or aborted
	ups  *uploadSet
	path string
}

func (f *deferredFile) Write(p []byte) (int, error) {
	if f.w == nil {
		return 0, ErrFileDone
	}
	return f.w.Write(p)
}

func (f *deferredFile) Commit() error {
	if f.w == nil {
		return ErrFileDone
	}
	w := f.w
	f.w = nil
	if err := f.ctx.Err(); err != nil {
		w.Abort()
		f.ups.take(f.path)
		return fmt.Errorf("sluice: write: commit %s: %w", f.path, err)
	}
	u, err := w.Finish()
	if err != nil {
		f.ups.take(f.path)
		return err
	}
	f.ups.finish(u)
	return nil
}

func (f *deferredFile) Abort() error {
	if f.w == nil {
		return nil
	}
	w := f.w
	f.w = nil
	f.ups.take(f.path)
	return w.Abort()
}
