//go:build race

package vision

// raceEnabled reports a -race build: TestConformance skips the corpus walk there, which
// is single-goroutine code that go test ./... already runs (40 s under the detector).
const raceEnabled = true
