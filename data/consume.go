package data

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluicedata/sluice/tensor"
)

// Take runs ds until n rows have been read and returns them (fewer if ds is shorter).
func (ds *Dataset) Take(ctx context.Context, n int) ([]Row, error) {
	if n < 0 {
		return nil, fmt.Errorf("sluice: Take(%d): must not be negative", n)
	}
	var rows []Row
	if n == 0 {
		return rows, nil
	}
	for r, err := range ds.limited(int64(n)).IterRows(ctx) {
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// TakeAll returns every row, or an error if there are more than limit (0: no limit), so a
// dataset too big for memory fails clearly instead of exhausting it.
func (ds *Dataset) TakeAll(ctx context.Context, limit int) ([]Row, error) {
	src := ds
	if limit > 0 {
		src = ds.limited(int64(limit) + 1)
	}
	var rows []Row
	for r, err := range src.IterRows(ctx) {
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
		if limit > 0 && len(rows) > limit {
			return nil, fmt.Errorf("sluice: TakeAll: the dataset has more than %d rows", limit)
		}
	}
	return rows, nil
}

// TakeBatch returns the first n rows as one batch, which the caller must Release.
func (ds *Dataset) TakeBatch(ctx context.Context, n int) (*Batch, error) {
	if n <= 0 {
		return nil, fmt.Errorf("sluice: TakeBatch(%d): must be at least 1", n)
	}
	for b, err := range ds.limited(int64(n)).IterBatches(ctx, BatchSize(n)) {
		if err != nil {
			return nil, err
		}
		b.Retain()
		return b, nil
	}
	return nil, fmt.Errorf("sluice: TakeBatch: the dataset is empty")
}

// limited is ds.Limit(n) reporting its stats as ds's own, for consuming calls that read only a
// prefix (Take, Show, Schema).
func (ds *Dataset) limited(n int64) *Dataset {
	l := ds.Limit(n)
	l.last = ds.last
	return l
}

// Count returns the number of rows, from metadata alone when the plan allows it (a source
// that knows its count followed only by row-preserving maps and limits).
func (ds *Dataset) Count(ctx context.Context) (int64, error) {
	if ds.err != nil {
		return 0, ds.err
	}
	if n, ok, err := ds.countFromMetadata(ctx); ok || err != nil {
		return n, err
	}
	var n int64
	err := ds.run(ctx, func(rec arrow.RecordBatch) error {
		n += rec.NumRows()
		rec.Release()
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

func (ds *Dataset) countFromMetadata(ctx context.Context) (int64, bool, error) {
	ops := ds.op.chain()
	c, ok := ops[0].src.(counter)
	if !ok {
		return 0, false, nil
	}
	limit := int64(-1)
	for _, o := range ops[1:] {
		switch {
		case o.kind == opLimit:
			if limit < 0 || o.limit < limit {
				limit = o.limit
			}
		case o.kind == opMap && o.oneToOne && !(o.dropsOnError && ds.context().tolerant()):
		default:
			return 0, false, nil
		}
	}
	n, err := c.count(ctx)
	if err != nil {
		return 0, true, err
	}
	if limit >= 0 {
		n = min(n, limit)
	}
	return n, true, nil
}

// Schema is a dataset's column names and types, printed the way Ray prints them.
type Schema struct {
	*arrow.Schema
}

// String lists "Column  Type" rows, with tensor columns as tensor(shape=..., dtype=...).
func (s Schema) String() string {
	names, types := []string{"Column", "------"}, []string{"Type", "----"}
	for _, f := range s.Fields() {
		names = append(names, f.Name)
		types = append(types, TypeString(f.Type))
	}
	return formatColumns([][]string{names, types})
}

// TypeString prints an Arrow type the way Ray's schema does: tensor columns as
// "tensor(shape=(32, 32, 3), dtype=uint8)", strings as "string".
func TypeString(t arrow.DataType) string {
	if tensor.IsTensorType(t) {
		return tensor.TypeString(t)
	}
	switch t := t.(type) {
	case *arrow.StringType, *arrow.LargeStringType:
		return "string"
	case *arrow.BinaryType, *arrow.LargeBinaryType:
		return "binary"
	case *arrow.ListType:
		return "list<" + TypeString(t.Elem()) + ">"
	case *arrow.LargeListType:
		return "large_list<" + TypeString(t.Elem()) + ">"
	}
	return t.String()
}

// Schema returns the dataset's schema: from metadata when the source knows it and only column
// selections follow, else by running the plan until its first block.
func (ds *Dataset) Schema(ctx context.Context) (Schema, error) {
	if ds.err != nil {
		return Schema{}, ds.err
	}
	op := optimize(ds.op)
	if s, ok := op.src.(schemaer); ok && op.kind == opRead {
		sc, err := s.schema(ctx, op.params)
		return Schema{sc}, err
	}
	if checks(op) {
		if sc, err := schemaOf(ctx, op); err != nil || sc != nil {
			return Schema{sc}, err
		}
	}
	e, err := ds.limited(1).start(ctx)
	if err != nil {
		return Schema{}, err
	}
	rec, err := e.Next(ctx)
	if err != nil {
		e.close()
		if errors.Is(err, io.EOF) {
			return Schema{arrow.NewSchema(nil, nil)}, nil
		}
		return Schema{}, err
	}
	sc := rec.Schema()
	rec.Release()
	return Schema{sc}, e.close()
}

// Columns returns the column names.
func (ds *Dataset) Columns(ctx context.Context) ([]string, error) {
	s, err := ds.Schema(ctx)
	if err != nil {
		return nil, err
	}
	return schemaNames(s.Schema), nil
}

// Materialize runs ds and returns a Dataset over the resulting blocks held in memory, so later
// consumers do not run the plan again. Release it when done (see Dataset.Release).
func (ds *Dataset) Materialize(ctx context.Context) (*Dataset, error) {
	var recs []arrow.RecordBatch
	err := ds.run(ctx, func(rec arrow.RecordBatch) error {
		recs = append(recs, rec)
		return nil
	})
	if err != nil {
		for _, r := range recs {
			r.Release()
		}
		return nil, err
	}
	out := FromArrow(recs...)
	for _, r := range recs {
		r.Release() // FromArrow holds its own references
	}
	out.ctx = ds.ctx
	out.op.name = "Materialized"
	out.last = ds.last
	return out, nil
}

// Show prints the first n rows as a table to w.
func (ds *Dataset) Show(ctx context.Context, w io.Writer, n int) error {
	b, err := ds.TakeBatch(ctx, n)
	if err != nil {
		return err
	}
	defer b.Release()
	_, err = io.WriteString(w, FormatBatch(b))
	return err
}

// FormatBatch prints a batch as an aligned table with a header (long values are cut).
func FormatBatch(b *Batch) string {
	cols := make([][]string, b.rec.NumCols())
	for c, f := range b.rec.Schema().Fields() {
		cols[c] = append(cols[c], f.Name, strings.Repeat("-", max(utf8.RuneCountInString(f.Name), 1)))
		for i := 0; i < b.NumRows(); i++ {
			cols[c] = append(cols[c], cell(valueAt(b.rec.Column(c), i)))
		}
	}
	return formatColumns(cols)
}

func cell(v any) string {
	s := fmt.Sprint(v)
	switch f := v.(type) {
	case tensor.Tensor:
		s = tensorCell(f)
	case float64:
		s = strconv.FormatFloat(f, 'g', 6, 64)
	case float32:
		s = strconv.FormatFloat(float64(f), 'g', 6, 32)
	}
	if v == nil {
		s = "null"
	}
	if b, ok := v.([]byte); ok {
		s = fmt.Sprintf("<%d bytes>", len(b))
	}
	s = strings.ReplaceAll(s, "\n", `\n`)
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:37]) + "..."
	}
	return s
}

// formatColumns aligns columns of cells into rows separated by two spaces.
func formatColumns(cols [][]string) string {
	if len(cols) == 0 {
		return ""
	}
	widths := make([]int, len(cols))
	for c, col := range cols {
		for _, s := range col {
			widths[c] = max(widths[c], utf8.RuneCountInString(s))
		}
	}
	var b strings.Builder
	for r := range cols[0] {
		for c, col := range cols {
			s := col[r]
			if c == len(cols)-1 {
				b.WriteString(s)
			} else {
				b.WriteString(s + strings.Repeat(" ", widths[c]-utf8.RuneCountInString(s)+2))
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// tensorCell prints a small tensor's values like NumPy ([0.72 0.1]), a big one as its shape
// and dtype.
func tensorCell(t tensor.Tensor) string {
	if t.Len() > 8 {
		return fmt.Sprintf("tensor(shape=%v, dtype=%s)", t.Shape, t.DType)
	}
	c, err := tensor.Convert(t, arrow.PrimitiveTypes.Float64)
	if err != nil {
		return fmt.Sprintf("tensor(shape=%v, dtype=%s)", t.Shape, t.DType)
	}
	v, _ := tensor.ViewOf[float64](c)
	parts := make([]string, len(v.Data))
	for i, x := range v.Data {
		parts[i] = strconv.FormatFloat(x, 'g', 7, 64)
	}
	return "[" + strings.Join(parts, " ") + "]"
}
