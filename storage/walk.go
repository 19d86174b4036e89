package storage

import (
	"context"
	"fmt"
	"io/fs"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// ListPageSize is how many objects Walk asks for per listing request; S3 returns at most 1000.
const ListPageSize = 1000

// Walk calls fn for every object under root, page by page as the listing arrives, so a caller
// can start reading the first objects while later pages are still being fetched. Objects come
// in the store's lexical key order. A root naming an object yields that object alone; otherwise
// root is a "directory": every object whose key starts with root's key + "/" (the whole bucket
// for "s3://bucket"). Directory markers (keys ending in "/") are skipped.
//
// A root with no object gives an error satisfying errors.Is(err, fs.ErrNotExist). An error
// returned by fn stops the walk and is returned unchanged. Each page request is retried per
// f.Retry; ctx is checked between objects.
func (f *FS) Walk(ctx context.Context, root string, fn func(Object) error) error {
	b, l, err := f.open(ctx, root)
	if err != nil {
		return err
	}
	prefix := l.key
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		var attrs *blob.Attributes
		err := f.Retry.Do(ctx, func() (err error) {
			attrs, err = b.Attributes(ctx, prefix)
			return err
		})
		switch {
		case err == nil:
			return fn(Object{Path: l.String(), Size: attrs.Size, ModTime: attrs.ModTime})
		case gcerrors.Code(err) != gcerrors.NotFound:
			return wrapErr("list", l, err)
		}
		prefix += "/"
	}
	found := false
	opts := &blob.ListOptions{Prefix: prefix}
	for token := blob.FirstPageToken; ; {
		var page []*blob.ListObject
		var next []byte
		err := f.Retry.Do(ctx, func() (err error) {
			page, next, err = b.ListPage(ctx, token, ListPageSize, opts)
			return err
		})
		if err != nil {
			return wrapErr("list", l, err)
		}
		for _, o := range page {
			if err := ctx.Err(); err != nil {
				return err
			}
			if o.IsDir || strings.HasSuffix(o.Key, "/") {
				continue
			}
			found = true
			if err := fn(Object{Path: l.path(o.Key), Size: o.Size, ModTime: o.ModTime}); err != nil {
				return err
			}
		}
		if len(next) == 0 {
			break
		}
		token = next
	}
	if !found {
		return fmt.Errorf("sluice: storage: list %s: %w", l, fs.ErrNotExist)
	}
	return nil
}
