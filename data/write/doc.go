// Package write holds sluice's datasinks: the file formats a Dataset can be written in
// (Parquet, CSV, JSON Lines, NumPy, images), the atomic file output under them, and the
// commit protocol over them that makes a whole run appear at once.
//
// The layers, from the bottom:
//
//   - Storage creates files that are invisible under their final name until committed
//     (AtomicFile), so a failed or cancelled write never leaves a partial file. Local is the
//     operating system's file system; object stores go through storage.FS.
//   - Format turns a stream of record batches of one schema into the bytes of one file
//     (RecordWriter): Parquet, CSV, JSON, NumPy, images.
//   - FilesWriter writes the batches of one write task to a directory, starting a new file
//     every MaxRowsPerFile rows, naming files deterministically, counting each file's rows,
//     bytes and CRC-32 (FileInfo), and removing everything it wrote when the task fails.
//   - Run is one write of a dataset into an output directory: its tasks' FilesWriters write
//     into a staging area that no reader lists, and Run.Commit publishes them all at once,
//     ending with the `_SUCCESS` manifest (package data/manifest; the format is in
//     MANIFEST.md beside this file), the commit point. Until then the output holds exactly
//     what it held before; after it, exactly the new dataset. SaveOverwrite removes the
//     replaced files only after the commit; SaveAppend adds files; concurrent runs into one
//     output serialize their commits (both appends land; a second SaveError fails cleanly).
//
// Four committers implement Run, chosen per output (RunOptions.Committer forces one):
//
//   - CommitterExchange (local disks, Linux): the next version of the directory is built in a
//     hidden sibling, ".<name>.sluice-<run id>", and swapped with the output by one
//     renameat2(RENAME_EXCHANGE). Every reader, pyarrow and DuckDB included, sees the old
//     version or the new one. The sibling, not a "_" directory inside the output, is the
//     price of that: only a whole directory can be swapped.
//   - CommitterRename (other local disks): files staged in <out>/_sluice/<run id>/, hard-linked
//     into place, then the manifest.
//   - CommitterMultipart (S3): each file is a multipart upload to its final key, completed at
//     commit (the S3A magic committer's way), then the manifest by a conditional PUT.
//   - CommitterCopy (other object stores): objects staged under <out>/_sluice/<run id>/ and
//     copied into place inside the store at commit.
//
// Under the last three the manifest is the commit point: readers that honour it (sluice's)
// see the old dataset or the new one; a reader that lists the directory may, after a kill
// during the publish, also see files of the killed run until the next run into the output
// removes them. MANIFEST.md gives the measurements behind the S3 default.
//
// Nothing in this package releases a record batch it is given: the caller owns its batches.
package write
