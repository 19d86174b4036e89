package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// FS opens objects by URL: it opens each bucket once, on first use, through the driver of its
// scheme and keeps it until Close. The zero value is ready to use; set the exported fields
// before the first call and do not change them after. An FS is safe for concurrent use.
//
// Every method takes a URL (see the package doc); a plain path or file:// URL is an error, as
// those belong to the operating system (LocalPath).
type FS struct {
	// Retry bounds the retries of every request the FS makes itself (listing, metadata, range
	// reads, resuming a cut stream). Drivers may retry underneath as well: the S3 driver
	// retries each request a few times in the SDK.
	Retry Retry
	// ReadAhead is the size of the blocks a RangeReader fetches and prefetches (see
	// OpenRange), at most 16 MiB. 0 means DefaultReadAhead (4 MiB); a negative value turns
	// blocks and prefetching off, so every ReadAt is its own request.
	ReadAhead int64

	mu      sync.Mutex
	buckets map[string]*blob.Bucket
	closers map[string]BucketCloser
	options map[string]string // bucket -> raw query it was opened with
	closed  bool
}

var defaultFS = &FS{}

// Default returns the process-wide FS that data/read and data/write use for URLs. It is never
// closed: its buckets live as long as the program, like http.DefaultClient's connections.
func Default() *FS { return defaultFS }

// Resolve checks that p can be opened and returns it without its options, recording the
// options for p's bucket. A plain path or file:// URL is returned unchanged. Call it on user
// paths before splitting them into glob segments (the query of "s3://b/*.csv?endpoint=..."
// would otherwise be taken for part of the glob). A URL whose scheme has no driver gives an
// error wrapping ErrNoDriver; a bucket named again with different options is an error.
func (f *FS) Resolve(ctx context.Context, p string) (string, error) {
	if _, ok, err := LocalPath(p); ok || err != nil {
		return p, err
	}
	l, err := parseLocation(p)
	if err != nil {
		return "", err
	}
	if _, err := f.bucket(ctx, l); err != nil {
		return "", err
	}
	return l.String(), nil
}

// bucket returns the open bucket of l, opening it on first use.
func (f *FS) bucket(ctx context.Context, l location) (*blob.Bucket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, fmt.Errorf("sluice: storage: %s: %w", l, errClosed)
	}
	if f.options == nil {
		f.options = map[string]string{}
		f.buckets = map[string]*blob.Bucket{}
		f.closers = map[string]BucketCloser{}
	}
	opts, seen := f.options[l.bucket]
	if seen && l.query != "" && l.query != opts {
		return nil, fmt.Errorf("sluice: storage: %s: bucket already opened with options %q, not %q", l, opts, l.query)
	}
	if b := f.buckets[l.bucket]; b != nil {
		return b, nil
	}
	b, closer, err := openBucket(ctx, l, l.query)
	if err != nil {
		return nil, err
	}
	f.options[l.bucket] = l.query
	f.buckets[l.bucket] = b
	if closer != nil {
		f.closers[l.bucket] = closer
	}
	return b, nil
}

var errClosed = errors.New("storage closed")

// Close closes every bucket the FS opened and frees what their drivers hold (the S3 driver's
// idle connections). Readers and writers still open must be closed first. Methods called
// after Close fail.
func (f *FS) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	var errs []error
	for name, b := range f.buckets {
		errs = append(errs, b.Close())
		if c := f.closers[name]; c != nil {
			errs = append(errs, c.CloseBucket(b))
		}
	}
	f.buckets, f.closers = nil, nil
	return errors.Join(errs...)
}

// open parses p and opens its bucket.
func (f *FS) open(ctx context.Context, p string) (*blob.Bucket, location, error) {
	if _, ok, err := LocalPath(p); ok || err != nil {
		if err == nil {
			err = fmt.Errorf("sluice: storage: %q is a local path, not an object URL", p)
		}
		return nil, location{}, err
	}
	l, err := parseLocation(p)
	if err != nil {
		return nil, location{}, err
	}
	b, err := f.bucket(ctx, l)
	return b, l, err
}

// Object is one object found by Walk: its URL (without options), size in bytes and the time
// the store last modified it (by the store's clock).
type Object struct {
	Path    string
	Size    int64
	ModTime time.Time
}

// Stat returns the object at p, with fs.ErrNotExist when there is none.
func (f *FS) Stat(ctx context.Context, p string) (Object, error) {
	b, l, err := f.open(ctx, p)
	if err != nil {
		return Object{}, err
	}
	var attrs *blob.Attributes
	err = f.Retry.Do(ctx, func() (err error) {
		attrs, err = b.Attributes(ctx, l.key)
		return err
	})
	if err != nil {
		return Object{}, wrapErr("stat", l, err)
	}
	return Object{Path: l.String(), Size: attrs.Size, ModTime: attrs.ModTime}, nil
}

// Remove deletes the object at p. A missing object gives an error satisfying
// errors.Is(err, fs.ErrNotExist).
func (f *FS) Remove(ctx context.Context, p string) error {
	b, l, err := f.open(ctx, p)
	if err != nil {
		return err
	}
	err = f.Retry.Do(ctx, func() error { return b.Delete(ctx, l.key) })
	if err != nil {
		return wrapErr("remove", l, err)
	}
	return nil
}

// wrapErr names the operation and URL and maps gocloud's codes to the io/fs sentinels, so
// callers test errors.Is(err, fs.ErrNotExist) as they do for local files.
func wrapErr(op string, l location, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("sluice: storage: %s %s: %w", op, l, err)
	}
	switch gcerrors.Code(err) {
	case gcerrors.NotFound:
		return fmt.Errorf("sluice: storage: %s %s: %w (%w)", op, l, fs.ErrNotExist, err)
	case gcerrors.PermissionDenied:
		return fmt.Errorf("sluice: storage: %s %s: %w (%w)", op, l, fs.ErrPermission, err)
	}
	return fmt.Errorf("sluice: storage: %s %s: %w", op, l, err)
}
