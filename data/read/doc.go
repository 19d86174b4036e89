// Package read holds sluice's datasources: listing files and reading one file of a given format
// (CSV, JSON, text, binary, Parquet) into Arrow record batches.
//
// Every reader reads exactly one File through a Storage and hands batches to an Emit callback.
// Deciding which files form a task, how batches are coalesced and how many files are read at
// once belongs to the caller (the streaming executor in package data); the readers here are
// sequential and allocate only through the memory.Allocator they are given.
//
// Errors name the format and the file: "sluice: read_csv: data/a.csv: line 7: ...". Listing
// errors start with "sluice: list: ".
package read

import "github.com/apache/arrow-go/v18/arrow"

// Emit receives one record batch. Ownership passes to Emit: the callee releases it, even when it
// returns an error. If Emit returns an error the reader stops, releases what it holds and returns
// that error unchanged (not wrapped), so a caller can stop a read early with a sentinel of its own.
type Emit func(arrow.RecordBatch) error

// DefaultBatchRows is the number of rows per emitted batch when an options struct leaves
// BatchRows at zero, for the row-oriented text formats (CSV, JSON, text).
const DefaultBatchRows = 4096
