// Package pqcodec registers sluice's Parquet compression codecs with arrow-go's codec registry
// (compress.RegisterCodec), so every Parquet reader and writer in the process uses them.
// Importing it (the read and write packages do) is all it takes; it has no API.
//
// arrow-go v18.8.0's registry lacks, or gets wrong, three things that real files need:
//   - LZ4 (codec 5, not LZ4_RAW): unimplemented. Hadoop's parquet-mr and older Arrow C++ wrote
//     it, in two framings; lz4.go reads both as Arrow C++ does and writes the Hadoop one.
//   - Empty page bodies: a data page (typically a v2 page whose values are all null) may have
//     zero compressed bytes, which no codec's block format accepts ("s2: corrupt input").
//     Every codec here decodes empty input to empty output, as pyarrow reads such pages.
//   - Snappy encoding speed: arrow-go calls s2.EncodeSnappyBetter; the standard-speed encoder
//     is used instead (snappy.go).
//
// Registration happens in init, before any reader or writer can run: the registry is a plain
// map that arrow-go reads without a lock, so it must never change once files are open.
package pqcodec
