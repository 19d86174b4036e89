package exec

import (
	"fmt"
	"runtime/debug"
)

// PanicError is the error a task returns when its function panicked. The
// runtime recovers the panic at the task boundary, so one bad input fails its
// own task and not the process. Reach it with errors.As.
type PanicError struct {
	// Value is what the function passed to panic.
	Value any
	// Stack is the goroutine stack at the panic, as runtime/debug.Stack prints it.
	Stack []byte
}

// Error returns the panic value followed by the stack.
func (e *PanicError) Error() string {
	return fmt.Sprintf("panic: %v\n\n%s", e.Value, e.Stack)
}

// Unwrap returns the panic value when it is an error (for example a runtime
// error), so errors.Is and errors.As see through the panic.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// callSafely calls fn and turns a panic into a *PanicError.
func callSafely(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return fn()
}
