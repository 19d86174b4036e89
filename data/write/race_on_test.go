//go:build race

package write_test

// raceEnabled: the child-process kill tests skip under the race detector; the plain
// go test ./... of .ci/run runs them, and the race detector has nothing to see in a child
// that is killed.
const raceEnabled = true
