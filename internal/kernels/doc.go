// Package kernels holds the record-batch operations that both the executor (streaming) and the
// Dataset layer (data, data/transform) are built from: concatenation, row gathers, rebatching,
// the order-preserving row-key encoding behind sorts, groupings and hash partitions, and the
// sort and grouping kernels over it.
//
// Every function takes the allocator its output is built with and says who releases what.
// Nothing here knows about plans, tasks or budgets; it lives below streaming/ so that the
// executor does not import data/transform (DESIGN.md's import rules).
package kernels
