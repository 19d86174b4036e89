package actorpool

import (
	"errors"

	"github.com/sluicedata/sluice/exec"
)

// Sentinel errors, tested with errors.Is.
var (
	// ErrClosed is returned by Submit, TrySubmit and Do after Close has begun.
	ErrClosed = errors.New("sluice: actorpool: pool closed")
	// ErrFull is returned by TrySubmit when every live actor already has MaxInFlight calls.
	ErrFull = errors.New("sluice: actorpool: pool full: every actor has MaxInFlight calls")
	// ErrRestartsExhausted is wrapped by the error of a call whose actor panicked after the pool
	// had used all of Options.MaxRestarts; the pool has failed with it.
	ErrRestartsExhausted = errors.New("sluice: actorpool: restarts exhausted")
	// ErrNotBuilt is returned by a Pool that was not made by New (a zero Pool has no constructor
	// to build actors with).
	ErrNotBuilt = errors.New("sluice: actorpool: pool not built by actorpool.New")
)

// PanicError is the error of a call that panicked on a fresh actor too (or of a constructor
// that panicked): the panic value and the stack where it happened. It is exec's type, so one
// errors.As target catches panics from tasks and from actors alike.
type PanicError = exec.PanicError
