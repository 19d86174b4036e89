package beam

import (
	"context"
	"testing"

	"github.com/sluicedata/sluice/data"
)

// BenchmarkPerBlock is the cost of one block on Beam (in-process prism) against the local
// executor in the same run: the "filter" plan (Range(20000) and a fused filter), whose time is
// dominated by moving blocks, not by computing. us/block is the run's wall time per block the
// source produced.
func BenchmarkPerBlock(b *testing.B) {
	for _, mode := range []string{"local", "beam"} {
		b.Run(mode, func(b *testing.B) {
			c := &data.Context{NoProgress: true}
			if mode == "beam" {
				c.Backend = New("filter", Scratch(b.TempDir()))
			}
			blocks := 0
			for b.Loop() {
				ds := plans["filter"]().WithContext(c)
				if _, err := ds.Count(context.Background()); err != nil {
					b.Fatal(err)
				}
				blocks += ds.Stats().Ops[0].OutputBlocks
			}
			if blocks == 0 {
				b.Fatal("no block counted")
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(blocks), "us/block")
			b.ReportMetric(float64(blocks)/float64(b.N), "blocks/run")
		})
	}
}
