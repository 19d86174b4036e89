package storage

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"
)

// ErrNoDriver is returned for a URL whose scheme has no registered driver. The message names the
// import that registers it.
var ErrNoDriver = errors.New("no storage driver")

// BucketCloser may be implemented by a driver registered with Register whose buckets hold
// resources that closing the *blob.Bucket does not free (an HTTP client's idle connections).
// FS.Close calls CloseBucket once for every bucket the driver opened, after closing it.
type BucketCloser interface {
	CloseBucket(b *blob.Bucket) error
}

// driverImports names the package a program imports to enable a scheme.
var driverImports = map[string]string{
	"s3":     "github.com/sluicedata/sluice/storage/s3",
	"gs":     "gocloud.dev/blob/gcsblob",
	"azblob": "gocloud.dev/blob/azureblob",
}

var drivers = struct {
	sync.RWMutex
	m map[string]blob.BucketURLOpener
}{m: map[string]blob.BucketURLOpener{"mem": &memblob.URLOpener{}}}

// Register makes opener the driver for URLs with scheme, for every FS. Driver packages call it
// from init, as database/sql drivers do; it panics when scheme is registered twice or opener is
// nil, which is a programming error. A scheme not registered here but registered on
// gocloud's blob.DefaultURLMux (for example by importing gocloud.dev/blob/gcsblob) is opened
// through that mux.
func Register(scheme string, opener blob.BucketURLOpener) {
	drivers.Lock()
	defer drivers.Unlock()
	if opener == nil {
		panic("sluice: storage: Register of a nil opener for " + scheme)
	}
	if _, dup := drivers.m[scheme]; dup {
		panic("sluice: storage: Register called twice for " + scheme)
	}
	drivers.m[scheme] = opener
}

// Schemes returns the URL schemes that can be opened, sorted: those registered here and those
// on blob.DefaultURLMux.
func Schemes() []string {
	drivers.RLock()
	seen := map[string]bool{}
	for s := range drivers.m {
		seen[s] = true
	}
	drivers.RUnlock()
	for _, s := range blob.DefaultURLMux().BucketSchemes() {
		seen[s] = true
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// openBucket opens the bucket of l with the given options through the driver for its scheme,
// and returns the driver's BucketCloser if it has one.
func openBucket(ctx context.Context, l location, query string) (*blob.Bucket, BucketCloser, error) {
	drivers.RLock()
	opener := drivers.m[l.scheme]
	drivers.RUnlock()
	u := l.bucketURL(query)
	var (
		b   *blob.Bucket
		err error
	)
	switch {
	case opener != nil:
		b, err = opener.OpenBucketURL(ctx, u)
	case blob.DefaultURLMux().ValidBucketScheme(l.scheme):
		b, err = blob.DefaultURLMux().OpenBucketURL(ctx, u)
	case driverImports[l.scheme] != "":
		return nil, nil, fmt.Errorf("sluice: storage: %s: %w for scheme %q: add import _ %q to the program",
			l, ErrNoDriver, l.scheme, driverImports[l.scheme])
	default:
		return nil, nil, fmt.Errorf("sluice: storage: %s: %w for scheme %q (known: %q)", l, ErrNoDriver, l.scheme, Schemes())
	}
	if err != nil {
		return nil, nil, fmt.Errorf("sluice: storage: open bucket %s: %w", l.bucket, err)
	}
	closer, _ := opener.(BucketCloser)
	return b, closer, nil
}
