// Package data is sluice's public API: a lazy, immutable Dataset of Arrow record batches,
// named after Ray Data so its users feel at home.
//
//	ds := data.ReadCSV("testdata/iris.csv")
//	ds = ds.MapBatches(normalize, data.BatchSize(64))
//	for batch, err := range ds.IterBatches(ctx, data.BatchSize(32), data.Prefetch(4)) { ... }
//
// # Laziness and plans
//
// Every transformation returns a new Dataset holding a logical plan; nothing runs until a
// consuming call (IterBatches, IterRows, Take, TakeAll, TakeBatch, Show, Count, Schema,
// Materialize, Write*). The planner applies rules (fuse consecutive task maps and read->map
// into one task; push limits and column projections into sources) and hands a physical plan
// to the streaming executor (package streaming). Explain prints both plans.
//
// # Options
//
// Per-call knobs are Option values (BatchSize(64), Concurrency(2), IncludePaths(), ...). Each
// call accepts a documented subset; an option a call does not take, or a bad value (batch size
// 0, negative prefetch), is an error returned by the consuming call before anything runs.
// Engine-wide settings (CPUs, memory budget, block size, allocator) live in a Context.
//
// # Memory
//
// Blocks are arrow.RecordBatch values counted by the run's allocator. A *Batch handed to a
// user function or yielded by an iterator is valid until the function returns or the loop
// body ends: call Batch.Retain to keep it longer, and Release when done.
//
// # Errors
//
// Errors of chained calls surface at the consuming call and name the operator and the input:
// "sluice: MapBatches(normalize): data/iris.csv rows 64-127: <cause>". A panic in a user
// function is returned as an error carrying its stack (see streaming.PanicError).
package data
