package beam

import (
	"context"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/sluicedata/sluice/streaming"
)

// Zip on Beam: row i of the output joins row i of both inputs, so the rows of each side must
// be lined up in plan order, which no per-block transform can do when the two sides' blocks
// are cut differently. Both inputs go to one key (a GroupByKey) and one ParDo zips them
// there: correct for any cutting of the blocks, but done by one worker, with both inputs in
// its memory.

func init() {
	register.DoFn2x0[Block, func(int64, Piece)](&keyPortFn{})
	register.DoFn4x1[context.Context, int64, func(*Piece) bool, func(Block), error](&zipFn{})
}

// keyPortFn keys every block of input Port by 0, as a Piece of that port.
type keyPortFn struct{ Port int64 }

func (f *keyPortFn) ProcessElement(b Block, emit func(int64, Piece)) {
	emit(0, Piece{Port: f.Port, Seq: b.Seq, Origin: b.Origin, Data: b.Data})
}

// zipFn zips the blocks of both inputs (ports 0 and 1), each side in plan order.
type zipFn struct{ Ref opRef }

func (f *zipFn) ProcessElement(ctx context.Context, _ int64, pieces func(*Piece) bool, emit func(Block)) error {
	var sides [2][]Piece
	var pc Piece
	for pieces(&pc) {
		if pc.Port < 0 || pc.Port > 1 {
			return fmt.Errorf("sluice: beam: Zip: a block of input %d (Zip has 2)", pc.Port)
		}
		sides[pc.Port] = append(sides[pc.Port], pc)
	}
	var recs [2][]arrow.RecordBatch
	defer func() {
		for _, side := range recs {
			for _, r := range side {
				r.Release()
			}
		}
	}()
	for port, side := range sides {
		slices.SortFunc(side, func(a, b Piece) int { return slices.Compare(a.Seq, b.Seq) })
		for _, p := range side {
			rec, err := decode(p.Data, workerMem)
			if err != nil {
				return fmt.Errorf("sluice: beam: Zip: %s: %w", p.Origin, err)
			}
			recs[port] = append(recs[port], rec)
		}
	}
	m := metricsOf(f.Ref.Op)
	out := int64(0)
	return timed(ctx, m, func() error {
		err := streaming.ZipRows(recs[0], recs[1], func(rec arrow.RecordBatch, left int) error {
			origin := sides[0][left].Origin
			return emitter(ctx, m, 0, []int64{out}, origin, func(b Block) { out++; emit(b) })(rec)
		})
		if err != nil {
			return fmt.Errorf("sluice: beam: Zip: %w", err)
		}
		return nil
	})
}
