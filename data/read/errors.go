package read

import (
	"errors"
	"fmt"
	"io/fs"
)

// ErrNoFiles is returned (wrapped) by ListFiles when the paths, after extension filtering and
// skipping hidden files, name no file at all.
var ErrNoFiles = errors.New("no files found")

// notFound is the error for a missing path or a glob that matches nothing. It reads like the OS
// error and satisfies errors.Is(err, fs.ErrNotExist).
type notFound struct{ msg string }

func (e notFound) Error() string        { return e.msg }
func (e notFound) Is(target error) bool { return target == fs.ErrNotExist }

var (
	errNoSuchFile = notFound{"no such file or directory"}
	errNoMatch    = notFound{"no file matches the pattern"}
)

// readError builds "sluice: read_<format>: <path>: <detail>". An *fs.PathError is unwrapped so
// the path is not printed twice; errors.Is still sees the underlying error.
func readError(format, path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("sluice: read_%s: %s: %w", format, path, err)
}

// readErrorf is readError with a formatted detail.
func readErrorf(format, path, detail string, args ...any) error {
	return fmt.Errorf("sluice: read_%s: %s: "+detail, append([]any{format, path}, args...)...)
}
