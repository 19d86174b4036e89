package streaming

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// zipState is a zip's progress: rows passed, and each side's rows once the other has run out.
type zipState struct {
	rows     int64
	extra    [2]int64
	mismatch bool
}

// zipBlocks pairs the heads of a zip's two ports row for row, cutting at the shorter block, and
// outputs the joined columns. When one side ends before the other, the rest of the other side
// is counted (and dropped) so that the error can give both row counts.
func (s *scheduler) zipBlocks(o *opState) error {
	l, r := &o.ports[0], &o.ports[1]
	z := &o.zip
	for !z.mismatch && len(l.pending) > 0 && len(r.pending) > 0 {
		a, b := l.pending[0], r.pending[0]
		n := min(a.rec.NumRows(), b.rec.NumRows())
		left, lrest := cutBlock(o, 0, n)
		right, rrest := cutBlock(o, 1, n)
		rec, err := zipRecords(left, right)
		left.Release()
		right.Release()
		if err != nil {
			return err
		}
		z.rows += n
		o.output(newBlock(rec, a.origin))
		_, _ = lrest, rrest
	}
	if !z.mismatch && ((l.done && len(l.pending) == 0 && len(r.pending) > 0) || (r.done && len(r.pending) == 0 && len(l.pending) > 0)) {
		z.mismatch = true
	}
	if z.mismatch {
		for side := range 2 {
			for len(o.ports[side].pending) > 0 {
				b := o.takePending(side)
				z.extra[side] += b.rec.NumRows()
				b.rec.Release()
			}
		}
		if l.done && r.done {
			return fmt.Errorf("the inputs have different row counts: %d and %d", z.rows+z.extra[0], z.rows+z.extra[1])
		}
	}
	return nil
}

// cutBlock takes the first n rows of port's head block (a zero-copy slice), leaving the rest as
// the new head; it reports whether rows were left.
func cutBlock(o *opState, port int, n int64) (arrow.RecordBatch, bool) {
	ps := &o.ports[port]
	head := ps.pending[0]
	if head.rec.NumRows() == n {
		b := o.takePending(port)
		return b.rec, false
	}
	cut := head.rec.NewSlice(0, n)
	rest := head.rec.NewSlice(n, head.rec.NumRows())
	head.rec.Release()
	nb := newBlock(rest, head.origin)
	ps.rows -= n
	ps.bytes -= head.bytes - nb.bytes
	ps.pending[0] = nb
	return cut, true
}

// zipRecords puts the columns of a and b (of equal row counts) side by side; a name of b that a
// already has gets the suffix "_1" (more, if that is taken too).
func zipRecords(a, b arrow.RecordBatch) (arrow.RecordBatch, error) {
	if a.NumRows() != b.NumRows() {
		return nil, fmt.Errorf("zip: %d rows against %d", a.NumRows(), b.NumRows())
	}
	fields := append([]arrow.Field{}, a.Schema().Fields()...)
	taken := map[string]bool{}
	for _, f := range fields {
		taken[f.Name] = true
	}
	for _, f := range b.Schema().Fields() {
		name := f.Name
		for i := 1; taken[name]; i++ {
			name = fmt.Sprintf("%s_%d", f.Name, i)
		}
		taken[name] = true
		f.Name = name
		fields = append(fields, f)
	}
	cols := append(append([]arrow.Array{}, a.Columns()...), b.Columns()...)
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, a.NumRows()), nil
}
