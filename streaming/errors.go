package streaming

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
)

// ErrClosed is returned by Execution.Next after Close.
var ErrClosed = errors.New("sluice: execution closed")

// OpError is a failure inside one operator's task. Its message names the operator and the
// input: "sluice: MapBatches(parse): data/a.csv rows 64-127: <cause>".
type OpError struct {
	Op     string
	Origin string
	Err    error
}

func (e *OpError) Error() string {
	// A cause from a sluice package already says "sluice: "; say it once.
	cause := strings.TrimPrefix(e.Err.Error(), "sluice: ")
	if e.Origin == "" {
		return fmt.Sprintf("sluice: %s: %s", e.Op, cause)
	}
	return fmt.Sprintf("sluice: %s: %s: %s", e.Op, e.Origin, cause)
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
