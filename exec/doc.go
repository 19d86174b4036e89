// Package exec runs Go functions as tasks on a fixed set of resource slots,
// the Go counterpart of Ray Core's task API.
//
// A [Runtime] owns the slots (CPUs, by default GOMAXPROCS, and any custom
// resources such as "GPU" or "memory") and an object store. [Go] submits a
// function and returns a typed [Future] at once; [Future.Get], [GetAll] and
// [Wait] collect results (Ray's ray.get and ray.wait). [Then], [Then2] and
// [ThenAll] take futures as inputs and start the task only once they are
// resolved, so a task graph never holds a slot while it waits. [Put] stores an
// immutable value shared by many tasks; past the store's byte budget the
// least recently used objects spill to disk and come back on access.
//
// A task that waits on other futures inside its function (a recursive task
// calling Get) gives its slot back while it waits, so nested waits cannot
// deadlock the runtime.
//
// Cancellation is by context: cancelling the context given to [Go] removes a
// pending task from the queue and is visible to a running one. A panic in a
// task function becomes a [*PanicError] carrying the stack.
//
// The streaming executor runs its own work on the same slots through
// [Runtime.Acquire].
package exec
