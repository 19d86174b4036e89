//go:build race

package data

// raceEnabled is true under the race detector, where the spilling oracle tests run at a fifth
// of their size (they check spilling, not concurrency, and take minutes there).
const raceEnabled = true
