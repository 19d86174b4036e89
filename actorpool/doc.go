// Package actorpool runs calls on a pool of stateful workers ("actors"), the Go counterpart of
// Ray's actor pools: load a model once per worker, then send it batch after batch.
//
// # Actors
//
// An actor is a value of any type A built by a user constructor, func(ctx) (A, error), once per
// worker: that is where the expensive work (loading a model) goes. Each actor is owned by one
// goroutine for its whole life, so calls on it are sequential and its state needs no locks.
// When the pool stops an actor (Close, a shrink, or a restart after a panic) it calls the
// actor's Close() error or Close() method, if it has one, exactly once.
//
// # Calls
//
// [Pool.Submit] and [Pool.TrySubmit] hand a function func(ctx, A) error to the pool and return
// at once; the pool runs it on the first free actor and then calls the caller's done function
// with the result, on the actor's goroutine, exactly once. Results therefore arrive in
// completion order: a caller that needs input order tags each call (a sequence number captured
// by the closure) and restores it. Admission is bounded: at most MaxInFlight calls per live
// actor are accepted and not finished, counting the running ones; past that Submit blocks
// (until space, ctx done or Close) and TrySubmit returns [ErrFull], which is how an executor
// applies backpressure. [Pool.Do] is the synchronous form.
//
// There is one queue for the whole pool, not one per actor: a free actor takes the oldest
// waiting call, so one slow call never holds up calls queued behind it on a busy actor.
//
// # Failures
//
// An error returned by a call goes to its done function; the actor stays. A panic in a call
// means the actor's state can no longer be trusted: the pool closes that actor, builds a fresh
// one in its place (at most MaxRestarts times over the pool's life) and runs the failed call
// once more on it. A second panic fails the call with a [*PanicError] carrying the stack. A
// panic once the restarts are used up fails the call with [ErrRestartsExhausted] wrapping the
// *PanicError, and fails the pool. A constructor error fails [New] (every actor already built is closed) or, later, fails the
// pool: from then on Submit returns the error and calls still queued finish with it.
//
// # Autoscaling
//
// With Max > Min, the pool adds one actor when the queued work per live actor stays above
// Options.GrowThreshold for Options.GrowWindow, and retires one actor that has been idle for
// Options.IdleTimeout, never going below Min or above Max, and making one step at a time (the
// next decision waits until the new actor is built or the retired one closed). [Pool.Stats]
// reports the actor count over time, each actor's busy fraction, restarts and calls.
package actorpool
