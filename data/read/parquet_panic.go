package read

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// arrow-go's Parquet code panics on some bad bytes instead of returning an error (v18.8.0: an
// unknown logical type in the schema, decoders indexing past a corrupt page's end, and the
// goroutines of pqarrow's Parallel record reader, which nothing recovers). sluice calls into
// it only under recoverPanic, on the reading goroutine and on every goroutine it starts, so a
// bad file fails with an error naming it and the process lives. The callback a reader emits
// batches to is not covered: a panic there is the caller's and propagates unchanged.

// PanicError is a panic inside a decoder (arrow-go's Parquet code) turned into an error.
type PanicError struct {
	Value any    // what was passed to panic
	Stack string // the panicking goroutine's stack
}

func (e *PanicError) Error() string {
	msg := fmt.Sprintf("decoder panic: %v", e.Value)
	if at := panicSite(e.Stack); at != "" {
		msg += " (at " + at + ")"
	}
	return msg
}

// Unwrap returns the panic value when it is an error (a runtime error, for one).
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// recoverPanic, deferred, turns a panic into a *PanicError in *err. Only for deferring
// directly (defer recoverPanic(&err)): recover stops a panic only when the deferred function
// itself calls it, so a deferred closure must call recover and newPanicError instead.
func recoverPanic(err *error) {
	if r := recover(); r != nil {
		*err = newPanicError(r)
	}
}

// newPanicError wraps a recovered panic value with the panicking goroutine's stack (still
// there while the deferred function that recovered runs).
func newPanicError(v any) *PanicError {
	return &PanicError{Value: v, Stack: string(debug.Stack())}
}

// panicSite returns the first frame of stack below the runtime's own panic frames and
// this file's, as "function file:line", or "".
func panicSite(stack string) string {
	lines := strings.Split(stack, "\n")
	for i := 1; i+1 < len(lines); i += 2 {
		fn := strings.TrimSpace(lines[i])
		if strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "panic(") ||
			strings.Contains(fn, "debug.Stack") || strings.Contains(fn, "read.recoverPanic") {
			continue
		}
		loc := strings.TrimSpace(lines[i+1])
		if k := strings.LastIndex(loc, " +0x"); k > 0 {
			loc = loc[:k]
		}
		if k := strings.Index(fn, "("); k > 0 {
			fn = fn[:k]
		}
		return fn + " " + shortPath(loc)
	}
	return ""
}

// shortPath trims a source path to its module-relative part.
func shortPath(p string) string {
	for _, marker := range []string{"/pkg/mod/", "/src/"} {
		if k := strings.LastIndex(p, marker); k >= 0 {
			return p[k+len(marker):]
		}
	}
	return p
}
