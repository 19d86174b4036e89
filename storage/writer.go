package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"gocloud.dev/blob"
)

// ErrFileDone is returned by a Writer used after Commit or Abort.
var ErrFileDone = errors.New("sluice: storage: object already committed or aborted")

// Writer is an object being uploaded that becomes visible under its name only when Commit
// succeeds: on S3 a multipart upload (or one PUT for a small object) completed by Commit, and
// abandoned by Abort. It is not safe for concurrent use. The caller must end every Writer with
// exactly one Commit or Abort; Abort after Commit is a no-op, so `defer w.Abort()` is a safe
// guard.
type Writer interface {
	io.Writer
	// Commit completes the upload, replacing any object of the same name. If ctx (the one
	// given to Create) has ended, or the upload fails, nothing is published and the error
	// says why. Commit after Commit or Abort returns ErrFileDone.
	Commit() error
	// Abort cancels the upload; no object appears. It is a no-op after Commit or Abort.
	Abort() error
}

// Create starts an upload to p. Parts are sent as they fill (the driver's part size, 5 MiB on
// S3), so memory stays bounded for any object size. The SDK retries each part request; a part
// that still fails makes Commit fail. A path ending in "/" names a directory and is rejected.
func (f *FS) Create(ctx context.Context, p string) (Writer, error) {
	b, l, err := f.open(ctx, p)
	if err != nil {
		return nil, err
	}
	if l.key == "" || strings.HasSuffix(l.key, "/") {
		return nil, fmt.Errorf("sluice: storage: create %s: path names a directory", l)
	}
	if err := ctx.Err(); err != nil {
		return nil, wrapErr("create", l, err)
	}
	// The upload runs under its own cancel so Abort can stop it: gocloud abandons an upload
	// whose context ends before Close.
	uctx, cancel := context.WithCancel(ctx)
	w, err := b.NewWriter(uctx, l.key, &blob.WriterOptions{
		// Sniffing the type would hold back the first 512 bytes; objects are data files.
		ContentType: "application/octet-stream",
	})
	if err != nil {
		cancel()
		return nil, wrapErr("create", l, err)
	}
	return &objectWriter{ctx: ctx, w: w, cancel: cancel, l: l}, nil
}

type objectWriter struct {
	ctx    context.Context
	w      *blob.Writer // nil once committed or aborted
	cancel context.CancelFunc
	l      location
}

var _ Writer = (*objectWriter)(nil)

func (o *objectWriter) Write(p []byte) (int, error) {
	if o.w == nil {
		return 0, ErrFileDone
	}
	n, err := o.w.Write(p)
	if err != nil {
		return n, wrapErr("write", o.l, err)
	}
	return n, nil
}

func (o *objectWriter) Commit() error {
	if o.w == nil {
		return ErrFileDone
	}
	w := o.w
	o.w = nil
	defer o.cancel()
	// A cancelled write must not publish its object, even a complete one: the caller is
	// about to undo the whole task.
	if err := o.ctx.Err(); err != nil {
		o.cancel()
		w.Close()
		return wrapErr("commit", o.l, err)
	}
	if err := w.Close(); err != nil {
		return wrapErr("commit", o.l, err)
	}
	return nil
}

func (o *objectWriter) Abort() error {
	if o.w == nil {
		return nil
	}
	w := o.w
	o.w = nil
	o.cancel()
	// Close after cancel abandons the upload; its error is the cancellation itself.
	if err := w.Close(); err != nil && !errors.Is(err, context.Canceled) {
		return wrapErr("abort", o.l, err)
	}
	return nil
}
