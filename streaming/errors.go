package streaming

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
)

// ErrClosed is returned by Execution.Next after Close.
var ErrClosed = errors.New("sluice: execution closed")

// OpError is a failure inside one operator's task. Its message follows sluice's one rule for
// errors that reach a user: "sluice: <operator>: <input>: <cause>", each part once, where the
// input is the file (with a row range or offset where there is one) and the cause says what
// went wrong there:
//
//	sluice: ReadCSV: data/f.csv: line 3: ragged row: 1 fields, the header has 2
//	sluice: MapBatches(parse): data/a.csv rows 64-127: <the function's error>
//
// Lower layers prefix their own errors ("sluice: read_csv: data/f.csv: line 3: ...") so that
// they read well alone; CleanCause drops from the cause what the operator and the input
// already say: the "sluice: " prefix, a package's tag (read_csv, vision, write, ...) and the
// input's path, at the front, however deeply nested. errors.Is and errors.As still see the
// whole chain.
type OpError struct {
	Op     string
	Origin string
	Err    error
}

func (e *OpError) Error() string {
	cause := CleanCause(e.Err, e.Origin, e.Op)
	if e.Origin == "" {
		return fmt.Sprintf("sluice: %s: %s", e.Op, cause)
	}
	return fmt.Sprintf("sluice: %s: %s: %s", e.Op, e.Origin, cause)
}

// componentTags are the tags sluice's packages start their errors with, after "sluice: "; an
// operator's name says the same, so a cause does not repeat them.
var componentTags = map[string]bool{
	"vision": true, "write": true, "storage": true, "tensor": true, "keys": true, "concat": true,
	"take": true, "rebatch": true, "expr": true, "manifest": true, "exec": true, "actorpool": true,
	"onnx": true, "plan": true,
}

// CleanCause is err's message without what its context already says: any leading "sluice: ",
// package tag (componentTags, and read_<format> / write_<format>), the given subjects (an
// operator's name, an input; for an input like "a.csv rows 0-9", its path "a.csv" too), and
// the separators after them, repeatedly, so a cause nested several layers deep reads once.
func CleanCause(err error, subjects ...string) string {
	msg := err.Error()
	var subs []string
	for _, s := range subjects {
		if s == "" {
			continue
		}
		subs = append(subs, s)
		if i := strings.Index(s, " rows "); i > 0 {
			subs = append(subs, s[:i])
		}
		if i := strings.Index(s, " at byte "); i > 0 {
			subs = append(subs, s[:i])
		}
	}
	for {
		before := msg
		msg = strings.TrimPrefix(msg, "sluice: ")
		if tag, rest, ok := strings.Cut(msg, ": "); ok && (componentTags[tag] || isFormatTag(tag)) {
			msg = rest
		}
		for _, s := range subs {
			if rest, ok := strings.CutPrefix(msg, s+": "); ok {
				msg = rest
			}
		}
		if msg == before {
			return msg
		}
	}
}

// isFormatTag reports a reader's or writer's tag: read_csv, write_parquet, ...
func isFormatTag(tag string) bool {
	for _, p := range []string{"read_", "write_"} {
		if rest, ok := strings.CutPrefix(tag, p); ok && rest != "" && strings.IndexFunc(rest, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') }) < 0 {
			return true
		}
	}
	return false
}

func (e *OpError) Unwrap() error { return e.Err }

// PanicError is a panic recovered from a stage function, with the stack where it happened.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("panic: %v\n%s", e.Value, e.Stack)
}

// Unwrap returns the panic value when it was an error.
func (e *PanicError) Unwrap() error {
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
}

// callUser runs f and turns a panic into a *PanicError. Only user-supplied code goes through
// it; a panic in the engine itself is a bug and is left to crash loudly.
func callUser(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return f()
}
