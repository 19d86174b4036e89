//go:build race

package data

// raceEnabled is true under the race detector, where the spilling oracle tests run smaller or
// for fewer cases (they check spilling, not concurrency, run in full without -race, and take
// minutes under it).
const raceEnabled = true
