// Package write holds sluice's datasinks: the file formats a Dataset can be written in
// (Parquet, CSV, JSON Lines) and the atomic file output under them.
//
// The layers, from the bottom:
//
//   - Storage creates files that are invisible under their final name until committed
//     (AtomicFile), so a failed or cancelled write never leaves a partial file. Local is the
//     operating system's file system; object stores go under the same interface later.
//   - Format turns a stream of record batches of one schema into the bytes of one file
//     (RecordWriter): Parquet, CSV and JSON.
//   - FilesWriter writes the batches of one write task to a directory, starting a new file
//     every MaxRowsPerFile rows, naming files deterministically, and removing everything it
//     wrote when the task fails.
//
// Nothing in this package releases a record batch it is given: the caller owns its batches.
package write
