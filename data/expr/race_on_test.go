//go:build race

package expr

// raceEnabled cuts the random tests' trials under the race detector, which runs them ~10x
// slower; the full counts run in the plain test pass.
const raceEnabled = true
