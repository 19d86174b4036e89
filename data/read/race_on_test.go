//go:build race

package read

// raceEnabled is true under the race detector, where the writer matrix is skipped: it checks
// decoding against pyarrow, not concurrency, and takes minutes there (the conformance test
// keeps its Parallel variant under -race).
const raceEnabled = true
