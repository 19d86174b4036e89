package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// This file holds what the write commit protocol (data/write) needs from an object store
// beyond reading and writing whole objects: a server-side copy, a compare-and-swap write for
// the manifest, and uploads that are stored but not yet visible (S3's multipart uploads
// before completion). Drivers provide the last two natively by implementing TaggedDriver and
// DeferringDriver on the opener they Register; storage/s3 does.

// ErrPrecondition is wrapped by WriteIf, and by CompleteDeferred with noReplace, when the
// object is not in the state the call required: another writer got there first.
var ErrPrecondition = errors.New("precondition failed")

// TaggedDriver may be implemented by a driver registered with Register to give ReadTagged and
// WriteIf their guarantee across processes.
type TaggedDriver interface {
	// ReadTagged returns the object's bytes and its entity tag from one response, so the tag
	// is that of the bytes returned. A missing object is gcerrors.NotFound.
	ReadTagged(ctx context.Context, b *blob.Bucket, key string) (data []byte, etag string, err error)
	// WriteIf writes data at key only if the object's current entity tag is ifMatch, or, when
	// ifMatch is "", only if no object exists. Otherwise it fails with an error wrapping
	// ErrPrecondition and writes nothing.
	WriteIf(ctx context.Context, b *blob.Bucket, key string, data []byte, ifMatch string) error
}

// DeferringDriver may be implemented by a driver registered with Register whose store can
// hold an upload's bytes without publishing them (S3 multipart uploads).
type DeferringDriver interface {
	// CreateDeferred starts an upload to key. Nothing is visible until CompleteDeferred.
	CreateDeferred(ctx context.Context, b *blob.Bucket, key string) (DeferredDriverWriter, error)
	// CompleteDeferred publishes u as the object u.Key. With noReplace it fails, wrapping
	// ErrPrecondition, when an object of that key exists, and publishes nothing.
	CompleteDeferred(ctx context.Context, b *blob.Bucket, u Upload, noReplace bool) error
	// AbortDeferred discards u. An upload already gone is not an error.
	AbortDeferred(ctx context.Context, b *blob.Bucket, u Upload) error
	// ListDeferred returns the uploads in progress whose key starts with prefix (Key,
	// UploadID and Initiated set).
	ListDeferred(ctx context.Context, b *blob.Bucket, prefix string) ([]Upload, error)
}

// DeferredDriverWriter is a driver's upload in progress; see DeferredWriter.
type DeferredDriverWriter interface {
	io.Writer
	Started() Upload
	Finish() (Upload, error)
	Abort() error
}

// Upload is an upload whose bytes are stored but which is not an object yet. It is plain data
// (a ledger may record it, for a resumed run to complete or abort it).
type Upload struct {
	// Key is the object key it becomes; Path the same as a URL (set by FS methods).
	Key  string `json:"key"`
	Path string `json:"path,omitempty"`
	// UploadID is the store's handle of the upload.
	UploadID string `json:"upload_id"`
	// Size is the number of bytes uploaded, and Parts the stored parts in order.
	Size  int64  `json:"size"`
	Parts []Part `json:"parts,omitempty"`
	// Initiated is when the store started the upload (by its clock); set by ListDeferred.
	Initiated time.Time `json:"initiated,omitzero"`
}

// Part is one stored part of an Upload.
type Part struct {
	Number int32  `json:"n"`
	ETag   string `json:"etag"`
}

// DeferredWriter is an upload that becomes an object only when FS.CompleteDeferred is called
// with what Finish returned. Write any number of times, then Finish or Abort exactly once
// (Abort after Finish is a no-op, so `defer w.Abort()` guards every exit; an Upload that
// Finish returned is discarded with FS.AbortDeferred). Not safe for concurrent use.
type DeferredWriter interface {
	io.Writer
	// Started returns the upload's Path and UploadID (what a ledger records of it).
	Started() Upload
	// Finish stores what is buffered and returns the upload, still invisible.
	Finish() (Upload, error)
	// Abort discards the upload.
	Abort() error
}

// driverOf returns the driver registered for l's scheme, or nil.
func driverOf(l location) blob.BucketURLOpener {
	drivers.RLock()
	defer drivers.RUnlock()
	return drivers.m[l.scheme]
}

// CanDefer reports whether p's store supports deferred uploads (CreateDeferred).
func (f *FS) CanDefer(p string) bool {
	l, err := parseLocation(p)
	if err != nil {
		return false
	}
	_, ok := driverOf(l).(DeferringDriver)
	return ok
}

// CreateDeferred starts an upload to p that stays invisible until CompleteDeferred. It fails
// for a store without deferred uploads (see CanDefer).
func (f *FS) CreateDeferred(ctx context.Context, p string) (DeferredWriter, error) {
	b, l, err := f.open(ctx, p)
	if err != nil {
		return nil, err
	}
	d, ok := driverOf(l).(DeferringDriver)
	if !ok {
		return nil, fmt.Errorf("sluice: storage: create %s: the %s driver has no deferred uploads", l, l.scheme)
	}
	w, err := d.CreateDeferred(ctx, b, l.key)
	if err != nil {
		return nil, wrapErr("create", l, err)
	}
	return &deferredWriter{w: w, l: l}, nil
}

type deferredWriter struct {
	w DeferredDriverWriter
	l location
}

func (d *deferredWriter) Write(p []byte) (int, error) {
	n, err := d.w.Write(p)
	if err != nil {
		return n, wrapErr("write", d.l, err)
	}
	return n, nil
}

func (d *deferredWriter) Started() Upload {
	u := d.w.Started()
	u.Path = d.l.String()
	return u
}

func (d *deferredWriter) Finish() (Upload, error) {
	u, err := d.w.Finish()
	if err != nil {
		return Upload{}, wrapErr("upload", d.l, err)
	}
	u.Path = d.l.String()
	return u, nil
}

func (d *deferredWriter) Abort() error {
	if err := d.w.Abort(); err != nil {
		return wrapErr("abort", d.l, err)
	}
	return nil
}

// CompleteDeferred makes u an object at u.Path. With noReplace it fails with an error
// wrapping ErrPrecondition if an object is already there.
func (f *FS) CompleteDeferred(ctx context.Context, u Upload, noReplace bool) error {
	b, l, err := f.open(ctx, u.Path)
	if err != nil {
		return err
	}
	d, ok := driverOf(l).(DeferringDriver)
	if !ok {
		return fmt.Errorf("sluice: storage: complete %s: the %s driver has no deferred uploads", l, l.scheme)
	}
	u.Key = l.key
	if err := f.Retry.Do(ctx, func() error { return d.CompleteDeferred(ctx, b, u, noReplace) }); err != nil {
		if errors.Is(err, ErrPrecondition) {
			return fmt.Errorf("sluice: storage: complete %s: %w (an object of that name exists)", l, err)
		}
		return wrapErr("complete", l, err)
	}
	return nil
}

// AbortDeferred discards u; an upload already gone is not an error.
func (f *FS) AbortDeferred(ctx context.Context, u Upload) error {
	b, l, err := f.open(ctx, u.Path)
	if err != nil {
		return err
	}
	d, ok := driverOf(l).(DeferringDriver)
	if !ok {
		return nil
	}
	u.Key = l.key
	if err := f.Retry.Do(ctx, func() error { return d.AbortDeferred(ctx, b, u) }); err != nil {
		return wrapErr("abort", l, err)
	}
	return nil
}

// ListDeferred returns the uploads in progress under the directory dir (keys starting with
// dir's key + "/"), with Path, UploadID and Initiated set. A store without deferred uploads
// has none.
func (f *FS) ListDeferred(ctx context.Context, dir string) ([]Upload, error) {
	b, l, err := f.open(ctx, dir)
	if err != nil {
		return nil, err
	}
	d, ok := driverOf(l).(DeferringDriver)
	if !ok {
		return nil, nil
	}
	prefix := l.key
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	var ups []Upload
	if err := f.Retry.Do(ctx, func() (err error) {
		ups, err = d.ListDeferred(ctx, b, prefix)
		return err
	}); err != nil {
		return nil, wrapErr("list uploads", l, err)
	}
	for i := range ups {
		ups[i].Path = l.path(ups[i].Key)
	}
	return ups, nil
}

// Copy copies the object src to dst inside the store (no bytes pass through this process),
// replacing dst. Both must be in the same bucket.
func (f *FS) Copy(ctx context.Context, dst, src string) error {
	b, ld, err := f.open(ctx, dst)
	if err != nil {
		return err
	}
	ls, err := parseLocation(src)
	if err != nil {
		return err
	}
	if ls.bucket != ld.bucket {
		return fmt.Errorf("sluice: storage: copy %s to %s: not in the same bucket", ls, ld)
	}
	if err := f.Retry.Do(ctx, func() error { return b.Copy(ctx, ld.key, ls.key, nil) }); err != nil {
		return wrapErr("copy", ls, err)
	}
	return nil
}

// tagLocks serializes ReadTagged and WriteIf inside this process for drivers that are not a
// TaggedDriver (mem://, and gs:// or azblob:// through gocloud): there the guarantee holds
// only between the users of one FS.
var tagLocks sync.Mutex

// ReadTagged returns the object at p with its entity tag, for a later WriteIf. A missing
// object gives an error satisfying errors.Is(err, fs.ErrNotExist).
func (f *FS) ReadTagged(ctx context.Context, p string) ([]byte, string, error) {
	b, l, err := f.open(ctx, p)
	if err != nil {
		return nil, "", err
	}
	var (
		data []byte
		tag  string
	)
	if d, ok := driverOf(l).(TaggedDriver); ok {
		err = f.Retry.Do(ctx, func() (err error) {
			data, tag, err = d.ReadTagged(ctx, b, l.key)
			return err
		})
	} else {
		tagLocks.Lock()
		err = f.Retry.Do(ctx, func() error {
			attrs, err := b.Attributes(ctx, l.key)
			if err != nil {
				return err
			}
			tag = attrs.ETag
			data, err = b.ReadAll(ctx, l.key)
			return err
		})
		tagLocks.Unlock()
	}
	if err != nil {
		return nil, "", wrapErr("read", l, err)
	}
	return data, tag, nil
}

// WriteIf writes data at p only if the object's entity tag is still ifMatch (as ReadTagged
// returned it), or, with ifMatch "", only if there is no object; otherwise it fails with an
// error wrapping ErrPrecondition. Drivers that implement TaggedDriver (S3, by conditional
// PutObject) make this hold between processes and machines; for others it holds between the
// users of this process only.
func (f *FS) WriteIf(ctx context.Context, p string, data []byte, ifMatch string) error {
	b, l, err := f.open(ctx, p)
	if err != nil {
		return err
	}
	if d, ok := driverOf(l).(TaggedDriver); ok {
		err = d.WriteIf(ctx, b, l.key, data, ifMatch)
	} else {
		tagLocks.Lock()
		err = func() error {
			attrs, err := b.Attributes(ctx, l.key)
			switch {
			case gcerrors.Code(err) == gcerrors.NotFound:
				if ifMatch != "" {
					return ErrPrecondition
				}
			case err != nil:
				return err
			case attrs.ETag != ifMatch || ifMatch == "":
				return ErrPrecondition
			}
			return b.WriteAll(ctx, l.key, data, &blob.WriterOptions{ContentType: "application/json"})
		}()
		tagLocks.Unlock()
	}
	if errors.Is(err, ErrPrecondition) {
		return fmt.Errorf("sluice: storage: write %s: %w (another writer changed it)", l, ErrPrecondition)
	}
	if err != nil {
		return wrapErr("write", l, err)
	}
	return nil
}
