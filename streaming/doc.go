// Package streaming is sluice's physical layer: operators over Arrow record batches and the
// streaming executor that runs them inside a CPU and memory budget.
//
// # Model
//
// A physical plan is a tree of operators listed in topological order, the output last
// ([Plan]; Op.Inputs names each operator's inputs, and a plain chain needs none). Data moves
// between them as blocks: arrow.RecordBatch values passed by pointer, never serialized. Every
// block is counted by the run's allocator ([CountingAllocator]), so the memory in flight is
// known exactly, not estimated.
//
// The operator kinds:
//   - [Source]: a generator of read tasks ([Input] values with a Read function), listed on its
//     own goroutine so reading starts while listing continues; a plan may have several;
//   - [Map]: a fused chain of [Stage] functions run as one task per input bundle on the task
//     pool (a Source carries a chain too: read->map fusion);
//   - [Limit]: stops every operator upstream once n rows have passed;
//   - [Union] and [Zip]: multi-input operators that move blocks on the scheduler goroutine
//     (concatenation in input order; row-aligned columns side by side);
//   - [Exchange]: the all-to-all step under group-by, join, sort and shuffles. Its map side is
//     a Stage at the end of each input's chain that deposits partitioned pieces in a store
//     (spilling to disk past its share of the budget); once every input has ended it runs one
//     reduce task per partition, in partition order. See exchange.go.
//
// # Executor
//
// [Run] starts one scheduler goroutine that owns every queue (Ray Data's design: the
// operators never lock). Tasks run on their own goroutines, one per CPU slot, and report back
// through one event channel. A task's outputs stream to the scheduler as they are produced;
// a task whose operator has too much output queued downstream is parked inside its emit call
// until the queue drains (backpressure reaches the producer, not only the launcher). New tasks
// start only while the allocator's live bytes are under the budget, except that when nothing
// is running at all the most downstream ready operator may always start one, so the run always
// makes progress. Outputs leave each operator in input order unless the run is unordered.
//
// With several inputs, every operator keeps its own output queue and share of the budget, so a
// union's later inputs run ahead only until their share is full, and an exchange's inputs run
// side by side.
//
// Errors: a failing task cancels the run; the error names the operator, the input and, for
// batch functions, the row range. Panics in stage functions (user code) become [*PanicError]
// with the stack. Closing an [Execution] early (a break out of an iteration loop) cancels every
// task, waits for them, and releases every queued block: no goroutine or byte is left behind.
//
// # Seam for later backends
//
// A task is described by the operator's stage names and its input blocks; keeping the stage
// functions registered by name (see Stage.Name) is what lets a later backend ship a task to
// another process running the same binary.
package streaming
