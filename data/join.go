package data

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/kernels"
	"github.com/sluicedata/sluice/streaming"
)

// JoinType is the kind of a Join (Ray's join_type).
type JoinType int

// The join types, with Ray's names.
const (
	Inner      JoinType = iota // "inner": pairs of rows whose keys match
	LeftOuter                  // "left_outer": Inner, plus left rows without a match (right columns null)
	RightOuter                 // "right_outer": Inner, plus right rows without a match (left columns null)
	FullOuter                  // "full_outer": LeftOuter and RightOuter together
	LeftSemi                   // "left_semi": left rows that have a match, left columns only, once each
	RightSemi                  // "right_semi": right rows that have a match, right columns only
	LeftAnti                   // "left_anti": left rows without a match, left columns only
	RightAnti                  // "right_anti": right rows without a match, right columns only
)

var joinNames = []string{"inner", "left_outer", "right_outer", "full_outer", "left_semi", "right_semi", "left_anti", "right_anti"}

func (j JoinType) String() string {
	if int(j) < len(joinNames) && j >= 0 {
		return joinNames[j]
	}
	return fmt.Sprintf("JoinType(%d)", int(j))
}

// RightOn names the right dataset's key columns of a Join when they differ from the left's
// (Ray's right_on).
func RightOn(keys ...string) Option {
	return opt("RightOn", func(c *config) error { c.rightKeys = slices.Clone(keys); return nil })
}

// Suffixes are appended to the names of non-key columns that both sides of a Join have (Ray's
// left_suffix, right_suffix). The default is "" for the left and "_right" for the right.
func Suffixes(left, right string) Option {
	return opt("Suffixes", func(c *config) error { c.leftSuffix, c.rightSuffix = &left, &right; return nil })
}

// Join combines ds (the left side) with other (the right side) on key columns (Ray's join):
// rows match when every key is equal; a null key matches nothing (SQL's rule, and pyarrow's).
// Output columns are the left's, then the right's non-key columns; key columns appear once,
// under the left's names, taken from whichever side the row has (so a full outer join's keys
// are never null where either side had them). Semi and anti joins keep one side's columns.
// Options: RightOn, Suffixes, NumPartitions.
//
// Both sides are hash-partitioned by their keys; each reduce task builds a hash table of its
// partition of the right side and streams the left side's through it, so put the smaller
// dataset on the right. Integer keys of different widths join, as do float32 and float64;
// other type mismatches fail before the run.
func (ds *Dataset) Join(other *Dataset, on []string, how JoinType, opts ...Option) *Dataset {
	name := fmt.Sprintf("Join[%s,%s]", how, strings.Join(on, ","))
	c, err := parseOptions("Join", opts, "RightOn", "Suffixes", "NumPartitions")
	if err == nil && len(on) == 0 {
		err = fmt.Errorf("sluice: Join: no key columns")
	}
	if err == nil && (how < Inner || how > RightAnti) {
		err = fmt.Errorf("sluice: Join: unknown join type %d", int(how))
	}
	right := slices.Clone(on)
	if err == nil && c.rightKeys != nil {
		if len(c.rightKeys) != len(on) {
			err = fmt.Errorf("sluice: Join: %d left keys and %d right keys", len(on), len(c.rightKeys))
		}
		right = c.rightKeys
	}
	if err != nil {
		return ds.derive(&logicalOp{kind: opLimit}, err)
	}
	j := &joinSpec{how: how, left: slices.Clone(on), right: right, lsuf: "", rsuf: "_right"}
	if c.leftSuffix != nil {
		j.lsuf, j.rsuf = *c.leftSuffix, *c.rightSuffix
	}
	e := &exchangeSpec{kind: streaming.HashPartition, keys: [][]string{j.left, j.right}, partitions: c.numPartitions, reduce: j.reduce}
	out := ds.exchange(name, e, other)
	out.op.schemaOutN = func(in []*arrow.Schema) (*arrow.Schema, error) {
		l, err := j.layout(in[0], in[1])
		if err != nil {
			return nil, err
		}
		return l.schema, nil
	}
	return out
}

type joinSpec struct {
	how         JoinType
	left, right []string
	lsuf, rsuf  string
}

// joinLayout is where every output column comes from.
type joinLayout struct {
	schema *arrow.Schema
	// leftCols[i] is the output position of left column i; rightCols of right column i (-1:
	// not output, a key).
	leftCols, rightCols []int
	leftKey, rightKey   []int // the key columns' indexes in each side
	keyTypes            []arrow.DataType
}

// layout checks both sides' schemas and places the output columns.
func (j *joinSpec) layout(l, r *arrow.Schema) (*joinLayout, error) {
	lay := &joinLayout{}
	for i := range j.left {
		li, ri := l.FieldIndices(j.left[i]), r.FieldIndices(j.right[i])
		if len(li) == 0 {
			return nil, fmt.Errorf("no key column %q on the left (columns: %v)", j.left[i], schemaNames(l))
		}
		if len(ri) == 0 {
			return nil, fmt.Errorf("no key column %q on the right (columns: %v)", j.right[i], schemaNames(r))
		}
		lt, rt := l.Field(li[0]).Type, r.Field(ri[0]).Type
		for side, t := range map[string]arrow.DataType{j.left[i]: lt, j.right[i]: rt} {
			if err := kernels.CheckKeyType(side, t); err != nil {
				return nil, trimmedError{err}
			}
		}
		if !joinable(lt, rt) {
			return nil, fmt.Errorf("key %q is %s on the left and %q is %s on the right: they cannot be compared", j.left[i], lt, j.right[i], rt)
		}
		lay.leftKey, lay.rightKey = append(lay.leftKey, li[0]), append(lay.rightKey, ri[0])
		lay.keyTypes = append(lay.keyTypes, kernels.KeyBuilderType(lt))
	}
	var fields []arrow.Field
	leftNames := map[string]bool{}
	for _, f := range l.Fields() {
		leftNames[f.Name] = true
	}
	rightNames := map[string]bool{}
	isRightKey := map[int]bool{}
	for _, k := range lay.rightKey {
		isRightKey[k] = true
	}
	for i, f := range r.Fields() {
		if !isRightKey[i] {
			rightNames[f.Name] = true
		}
	}
	isLeftKey := map[int]bool{}
	for _, k := range lay.leftKey {
		isLeftKey[k] = true
	}
	semiRight := j.how == RightSemi || j.how == RightAnti
	semiLeft := j.how == LeftSemi || j.how == LeftAnti
	lay.leftCols = make([]int, l.NumFields())
	lay.rightCols = make([]int, r.NumFields())
	for i := range lay.leftCols {
		lay.leftCols[i] = -1
	}
	for i := range lay.rightCols {
		lay.rightCols[i] = -1
	}
	if !semiRight {
		for i, f := range l.Fields() {
			if !isLeftKey[i] && rightNames[f.Name] && !semiLeft {
				f.Name += j.lsuf
			}
			f.Nullable = f.Nullable || j.how == RightOuter || j.how == FullOuter
			lay.leftCols[i] = len(fields)
			fields = append(fields, f)
		}
	}
	if !semiLeft {
		for i, f := range r.Fields() {
			if isRightKey[i] && !semiRight {
				continue
			}
			if !semiRight && leftNames[f.Name] {
				f.Name += j.rsuf
			}
			f.Nullable = f.Nullable || j.how == LeftOuter || j.how == FullOuter
			lay.rightCols[i] = len(fields)
			fields = append(fields, f)
		}
	}
	seen := map[string]bool{}
	for _, f := range fields {
		if seen[f.Name] {
			return nil, fmt.Errorf("two output columns named %q (set Suffixes)", f.Name)
		}
		seen[f.Name] = true
	}
	lay.schema = arrow.NewSchema(fields, nil)
	return lay, nil
}

// joinable says whether keys of types a and b can match: equal types, integers of any width
// and sign, floats of any width, or strings and binaries.
func joinable(a, b arrow.DataType) bool {
	a, b = kernels.KeyBuilderType(a), kernels.KeyBuilderType(b)
	if arrow.TypeEqual(a, b) {
		return true
	}
	family := func(t arrow.DataType) string {
		switch {
		case isIntegral(t):
			if strings.HasPrefix(t.Name(), "uint") {
				return "uint"
			}
			return "int"
		case isNumeric(t):
			return "float"
		}
		switch t.ID() {
		case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY, arrow.STRING_VIEW, arrow.BINARY_VIEW:
			return "bytes"
		}
		return t.String()
	}
	return family(a) == family(b)
}

// joinChunk is how many output rows a reduce task gathers at once.
const joinChunk = 64 << 10

// reduce joins one partition: a hash table over the right side, the left side streamed
// through it, then the right side's unmatched or matched rows for right, full, semi and anti
// joins.
func (j *joinSpec) reduce(ctx context.Context, tc *streaming.TaskContext, p *streaming.Partition, emit streaming.Emit) error {
	lin, rin := p.Input(0), p.Input(1)
	rrecs, err := readPartition(ctx, rin)
	defer releaseRecords(rrecs)
	if err != nil {
		return err
	}
	ls, rs := lin.Schema(), rin.Schema()
	if ls == nil || rs == nil {
		// A side that had no block at all: only the other side's rows can come out.
		return j.oneSided(ctx, tc, p, rrecs, emit)
	}
	lay, err := j.layout(ls, rs)
	if err != nil {
		return err
	}
	var right arrow.RecordBatch
	switch len(rrecs) {
	case 0:
		right = emptyRecord(tc.Mem, rs)
	case 1:
		right = rrecs[0]
		right.Retain()
	default:
		if right, err = kernels.ConcatRecords(tc.Mem, rrecs); err != nil {
			return err
		}
	}
	defer right.Release()
	releaseRecords(rrecs)
	rrecs = nil
	// Build: group ids of the right rows with no null key; rows of group g are
	// rows[start[g]:start[g+1]], in input order.
	var g kernels.Grouper
	var keys kernels.Keys
	rkeys := pick(right, lay.rightKey)
	if err := kernels.EncodeKeys(&keys, rkeys, nil, j.right); err != nil {
		return err
	}
	nr := int(right.NumRows())
	gid := make([]int32, nr)
	for i := 0; i < nr; i++ {
		if anyNull(rkeys, i) {
			gid[i] = -1
			continue
		}
		gid[i] = g.AssignKey(keys.Row(i))
	}
	start := make([]int, g.Groups()+1)
	for _, id := range gid {
		if id >= 0 {
			start[id+1]++
		}
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	rows := make([]int32, start[len(start)-1])
	next := slices.Clone(start)
	for i, id := range gid {
		if id >= 0 {
			rows[next[id]] = int32(i)
			next[id]++
		}
	}
	matched := make([]bool, nr)
	// Probe with every left block.
	for {
		left, err := lin.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		err = j.probe(ctx, tc, lay, left, right, &g, start, rows, matched, emit)
		left.Release()
		if err != nil {
			return err
		}
	}
	// The right side's own rows.
	var idx []int64
	for i := 0; i < nr; i++ {
		switch j.how {
		case RightOuter, FullOuter, RightAnti:
			if !matched[i] {
				idx = append(idx, int64(i))
			}
		case RightSemi:
			if matched[i] {
				idx = append(idx, int64(i))
			}
		}
	}
	if len(idx) == 0 {
		return nil
	}
	return j.emitRight(ctx, tc, lay, ls, right, idx, emit)
}

// probe joins one left block against the right side's table.
func (j *joinSpec) probe(ctx context.Context, tc *streaming.TaskContext, lay *joinLayout, left, right arrow.RecordBatch, g *kernels.Grouper, start []int, rows []int32, matched []bool, emit streaming.Emit) error {
	lkeys := pick(left, lay.leftKey)
	var keys kernels.Keys
	if err := kernels.EncodeKeys(&keys, lkeys, nil, j.left); err != nil {
		return err
	}
	var li, ri []int64
	flush := func() error {
		if len(li) == 0 {
			return nil
		}
		rec, err := j.gather(ctx, tc, lay, left, right, li, ri)
		li, ri = li[:0], ri[:0]
		if err != nil {
			return err
		}
		return emit(rec)
	}
	n := int(left.NumRows())
	for i := 0; i < n; i++ {
		id := int32(-1)
		if !anyNull(lkeys, i) {
			id = g.FindKey(keys.Row(i))
		}
		hit := id >= 0
		switch j.how {
		case Inner, LeftOuter, RightOuter, FullOuter:
			if hit {
				for _, r := range rows[start[id]:start[id+1]] {
					li, ri = append(li, int64(i)), append(ri, int64(r))
					matched[r] = true
				}
			} else if j.how == LeftOuter || j.how == FullOuter {
				li, ri = append(li, int64(i)), append(ri, -1)
			}
		case LeftSemi:
			if hit {
				li = append(li, int64(i))
			}
		case LeftAnti:
			if !hit {
				li = append(li, int64(i))
			}
		case RightSemi, RightAnti:
			if hit {
				for _, r := range rows[start[id]:start[id+1]] {
					matched[r] = true
				}
			}
		}
		if len(li) >= joinChunk {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// gather builds output rows from left rows li and right rows ri (-1: null).
func (j *joinSpec) gather(ctx context.Context, tc *streaming.TaskContext, lay *joinLayout, left, right arrow.RecordBatch, li, ri []int64) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, lay.schema.NumFields())
	defer releaseArrays(cols)
	lt, err := kernels.Take(ctx, tc.Mem, left, li)
	if err != nil {
		return nil, err
	}
	defer lt.Release()
	for i, pos := range lay.leftCols {
		if pos >= 0 {
			cols[pos] = lt.Column(i)
			cols[pos].Retain()
		}
	}
	if ri != nil && slices.ContainsFunc(lay.rightCols, func(p int) bool { return p >= 0 }) {
		rt, err := kernels.TakeOrNull(ctx, tc.Mem, right, ri)
		if err != nil {
			return nil, err
		}
		defer rt.Release()
		for i, pos := range lay.rightCols {
			if pos >= 0 {
				cols[pos] = rt.Column(i)
				cols[pos].Retain()
			}
		}
	}
	return assemble(lay.schema, cols, int64(len(li)))
}

// emitRight emits right rows idx with null left columns (keys from the right, as the left's
// types), or, for semi and anti joins, the right rows alone.
func (j *joinSpec) emitRight(ctx context.Context, tc *streaming.TaskContext, lay *joinLayout, ls *arrow.Schema, right arrow.RecordBatch, idx []int64, emit streaming.Emit) error {
	for lo := 0; lo < len(idx); lo += joinChunk {
		part := idx[lo:min(lo+joinChunk, len(idx))]
		rt, err := kernels.Take(ctx, tc.Mem, right, part)
		if err != nil {
			return err
		}
		cols := make([]arrow.Array, lay.schema.NumFields())
		for i, pos := range lay.rightCols {
			if pos >= 0 {
				cols[pos] = rt.Column(i)
				cols[pos].Retain()
			}
		}
		n := int64(len(part))
		for i, pos := range lay.leftCols {
			if pos < 0 {
				continue
			}
			if k := slices.Index(lay.leftKey, i); k >= 0 {
				cols[pos], err = castTo(ctx, tc.Mem, rt.Column(lay.rightKey[k]), ls.Field(i).Type)
				if err != nil {
					rt.Release()
					releaseArrays(cols)
					return err
				}
				continue
			}
			cols[pos] = array.MakeArrayOfNull(tc.Mem, ls.Field(i).Type, int(n))
		}
		rt.Release()
		rec, err := assemble(lay.schema, cols, n)
		releaseArrays(cols)
		if err != nil {
			return err
		}
		if err := emit(rec); err != nil {
			return err
		}
	}
	return nil
}

// oneSided handles a partition of a join one of whose sides produced no block at all, so its
// schema is unknown: anti joins pass the other side's rows, joins that need only matches emit
// nothing, and outer joins that would need the missing side's columns fail with a message.
func (j *joinSpec) oneSided(ctx context.Context, tc *streaming.TaskContext, p *streaming.Partition, rrecs []arrow.RecordBatch, emit streaming.Emit) error {
	leftMissing := p.Input(0).Schema() == nil
	switch {
	case j.how == LeftAnti && !leftMissing:
		for {
			rec, err := p.Input(0).Next(ctx)
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := emit(rec); err != nil {
				return err
			}
		}
	case j.how == RightAnti && leftMissing:
		for _, r := range rrecs {
			r.Retain()
			if err := emit(r); err != nil {
				return err
			}
		}
	case (j.how == LeftOuter || j.how == FullOuter) && !leftMissing && p.Input(0).Rows() > 0,
		(j.how == RightOuter || j.how == FullOuter) && leftMissing && len(rrecs) > 0:
		side := "right"
		if leftMissing {
			side = "left"
		}
		return fmt.Errorf("the %s side of a %s join produced no block, so its columns are unknown", side, j.how)
	}
	return nil
}

func pick(rec arrow.RecordBatch, idx []int) []arrow.Array {
	cols := make([]arrow.Array, len(idx))
	for i, c := range idx {
		cols[i] = rec.Column(c)
	}
	return cols
}

func anyNull(cols []arrow.Array, i int) bool {
	for _, c := range cols {
		if c.IsNull(i) {
			return true
		}
	}
	return false
}

func emptyRecord(mem memory.Allocator, s *arrow.Schema) arrow.RecordBatch {
	cols := make([]arrow.Array, s.NumFields())
	for i, f := range s.Fields() {
		cols[i] = array.MakeArrayOfNull(mem, f.Type, 0)
	}
	rec := array.NewRecordBatch(s, cols, 0)
	releaseArrays(cols)
	return rec
}

// castTo converts a key column to type t (a right key of another width), or retains it.
func castTo(ctx context.Context, mem memory.Allocator, a arrow.Array, t arrow.DataType) (arrow.Array, error) {
	if arrow.TypeEqual(a.DataType(), t) {
		a.Retain()
		return a, nil
	}
	if d, ok := a.(*array.Dictionary); ok {
		return castTo(ctx, mem, d.Dictionary(), t) // not reached for joinable keys
	}
	return compute.CastArray(compute.WithAllocator(ctx, mem), a, compute.UnsafeCastOptions(t))
}

// assemble makes a record from columns that may differ from s only in nullability.
func assemble(s *arrow.Schema, cols []arrow.Array, n int64) (arrow.RecordBatch, error) {
	for i, c := range cols {
		if c == nil {
			return nil, fmt.Errorf("join: output column %q not built", s.Field(i).Name)
		}
		if !arrow.TypeEqual(c.DataType(), s.Field(i).Type) {
			return nil, fmt.Errorf("join: column %q is %s, not %s (blocks of one side differ in type)", s.Field(i).Name, c.DataType(), s.Field(i).Type)
		}
	}
	return array.NewRecordBatch(s, cols, n), nil
}
