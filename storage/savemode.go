package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gocloud.dev/blob"
)

// ErrExists is returned by Prepare in SaveError mode when the output already holds files.
var ErrExists = errors.New("output already exists")

// SaveMode says what a write does when its output directory (or prefix) already holds files,
// as Ray Data's SaveMode does. The zero value is SaveError. The directory sinks apply it
// through the commit protocol of data/write (BeginRun), where no mode touches the existing
// output before the new run has committed; Prepare below is the direct, non-atomic form.
type SaveMode int

const (
	// SaveError fails the write, before anything is written, with an error wrapping ErrExists.
	SaveError SaveMode = iota
	// SaveOverwrite replaces what the output holds with the new dataset.
	SaveOverwrite
	// SaveAppend adds the new dataset's files to those already there.
	SaveAppend
	// SaveIgnore skips the write and leaves the existing output as it is.
	SaveIgnore
)

// String returns the mode's name as Ray spells it ("error", "overwrite", "append", "ignore").
func (m SaveMode) String() string {
	switch m {
	case SaveError:
		return "error"
	case SaveOverwrite:
		return "overwrite"
	case SaveAppend:
		return "append"
	case SaveIgnore:
		return "ignore"
	}
	return fmt.Sprintf("SaveMode(%d)", int(m))
}

// Prepare applies mode to the output prefix dir (a URL) before a direct write starts and
// reports whether the write should go ahead (false only for SaveIgnore on an existing output).
// An output "exists" when any object has a key under dir + "/". SaveOverwrite deletes those
// objects, page by page, at once: a failure part way leaves some of them deleted and is
// returned, and a write that then fails leaves nothing. The directory sinks do not use it:
// they commit whole runs (data/write.BeginRun), removing replaced files only after the new
// dataset is committed.
func (f *FS) Prepare(ctx context.Context, dir string, mode SaveMode) (proceed bool, err error) {
	if mode < SaveError || mode > SaveIgnore {
		return false, fmt.Errorf("sluice: storage: prepare %s: unknown save mode %d", dir, int(mode))
	}
	b, l, err := f.open(ctx, dir)
	if err != nil {
		return false, err
	}
	prefix := l.key
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	opts := &blob.ListOptions{Prefix: prefix}
	for token := blob.FirstPageToken; ; {
		var page []*blob.ListObject
		var next []byte
		if err := f.Retry.Do(ctx, func() (err error) {
			page, next, err = b.ListPage(ctx, token, ListPageSize, opts)
			return err
		}); err != nil {
			return false, wrapErr("prepare", l, err)
		}
		if len(page) > 0 {
			switch mode {
			case SaveError:
				return false, fmt.Errorf("sluice: storage: write %s: %w (save mode %s; choose overwrite or append)", l, ErrExists, mode)
			case SaveIgnore:
				return false, nil
			case SaveAppend:
				return true, nil
			}
		}
		for _, o := range page {
			if err := f.Retry.Do(ctx, func() error { return b.Delete(ctx, o.Key) }); err != nil {
				return false, wrapErr("overwrite", location{bucket: l.bucket, key: o.Key}, err)
			}
		}
		if len(next) == 0 {
			return true, nil
		}
		token = next
	}
}
