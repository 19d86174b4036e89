package exec

import "errors"

// Sentinel errors, tested with errors.Is.
var (
	// ErrClosed is returned by calls on a Runtime after Close.
	ErrClosed = errors.New("sluice: exec: runtime closed")
	// ErrObjectTooLarge is returned by Put for an object larger than the whole
	// object store budget: no amount of spilling would make room for it.
	ErrObjectTooLarge = errors.New("sluice: exec: object larger than the object store")
	// ErrObjectReleased is returned by ObjectRef.Get after ObjectRef.Release or
	// Runtime.Close.
	ErrObjectReleased = errors.New("sluice: exec: object released")
)
