// Package bench holds sluice's benchmarks. Each reports its figure with b.ReportMetric and,
// where one exists, a baseline measured in the same run (a plain Go loop) so ratios survive a
// shared, drifting machine. Run one with:
//
//	go test ./bench -run '^$' -bench BenchmarkIterBatches -benchtime 5x
package bench
