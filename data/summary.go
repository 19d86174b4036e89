package data

import (
	"context"
	"fmt"
	"strings"
)

// Aggregate runs aggs over the whole dataset and returns one row of results, keyed by each
// AggregateFn's Name (Ray's aggregate). Over no rows, Count gives 0 and the others nil.
func (ds *Dataset) Aggregate(ctx context.Context, aggs ...AggregateFn) (Row, error) {
	rows, err := ds.GroupBy().Aggregate(aggs...).TakeAll(ctx, 0)
	if err != nil {
		return nil, err
	}
	if len(rows) != 1 {
		return nil, fmt.Errorf("sluice: Aggregate: %d result rows, want 1", len(rows))
	}
	return rows[0], nil
}

func (ds *Dataset) aggregateOne(ctx context.Context, a AggregateFn) (any, error) {
	row, err := ds.Aggregate(ctx, a)
	if err != nil {
		return nil, err
	}
	return row[a.Name()], nil
}

// Sum is the sum of column col (Ray's sum): int64 for integers, float64 for floats, nil when
// every value is null or there are no rows.
func (ds *Dataset) Sum(ctx context.Context, col string) (any, error) {
	return ds.aggregateOne(ctx, Sum(col))
}

// Min is the smallest value of column col (Ray's min), nil for no values.
func (ds *Dataset) Min(ctx context.Context, col string) (any, error) {
	return ds.aggregateOne(ctx, Min(col))
}

// Max is the largest value of column col (Ray's max), nil for no values.
func (ds *Dataset) Max(ctx context.Context, col string) (any, error) {
	return ds.aggregateOne(ctx, Max(col))
}

// Mean is the mean of column col as float64 (Ray's mean), nil for no values.
func (ds *Dataset) Mean(ctx context.Context, col string) (any, error) {
	return ds.aggregateOne(ctx, Mean(col))
}

// Std is the sample standard deviation (ddof 1) of column col (Ray's std), nil for fewer than
// two values.
func (ds *Dataset) Std(ctx context.Context, col string) (any, error) {
	return ds.aggregateOne(ctx, Std(col, 1))
}

// Unique lists the distinct non-null values of column col, ascending (Ray's unique).
func (ds *Dataset) Unique(ctx context.Context, col string) ([]any, error) {
	v, err := ds.aggregateOne(ctx, Unique(col))
	if err != nil {
		return nil, err
	}
	switch l := v.(type) {
	case []any:
		return l, nil
	case nil:
		return nil, nil
	}
	return nil, fmt.Errorf("sluice: Unique: unexpected result %T", v)
}

// Summary describes every column of a dataset (Ray's summary): the count of non-null values,
// nulls, min and max, and for numeric columns the mean and standard deviation. String prints it
// as a table.
type Summary struct {
	Rows    int64
	Columns []ColumnSummary
}

// ColumnSummary is one column's line of a Summary; Min, Max, Mean and Std are nil where they do
// not apply or there are no values.
type ColumnSummary struct {
	Name, Type     string
	Count, Nulls   int64
	Min, Max       any
	Mean, Std      any
	numeric, order bool
}

// Summary computes a Summary in one pass over the dataset.
func (ds *Dataset) Summary(ctx context.Context) (*Summary, error) {
	schema, err := ds.Schema(ctx)
	if err != nil {
		return nil, err
	}
	aggs := []AggregateFn{Count().As("rows")}
	var cols []ColumnSummary
	for i, f := range schema.Fields() {
		cs := ColumnSummary{Name: f.Name, Type: TypeString(f.Type), numeric: isNumeric(f.Type), order: orderable(f.Type)}
		p := fmt.Sprintf("c%d.", i)
		aggs = append(aggs, Count(f.Name).As(p+"count"))
		if cs.order {
			aggs = append(aggs, Min(f.Name).As(p+"min"), Max(f.Name).As(p+"max"))
		}
		if cs.numeric {
			aggs = append(aggs, Mean(f.Name).As(p+"mean"), Std(f.Name, 1).As(p+"std"))
		}
		cols = append(cols, cs)
	}
	row, err := ds.Aggregate(ctx, aggs...)
	if err != nil {
		return nil, err
	}
	s := &Summary{Rows: row["rows"].(int64)}
	for i := range cols {
		p := fmt.Sprintf("c%d.", i)
		c := &cols[i]
		c.Count = row[p+"count"].(int64)
		c.Nulls = s.Rows - c.Count
		c.Min, c.Max, c.Mean, c.Std = row[p+"min"], row[p+"max"], row[p+"mean"], row[p+"std"]
	}
	s.Columns = cols
	return s, nil
}

// String prints the summary as a table, one row per column.
func (s *Summary) String() string {
	header := []string{"column", "type", "count", "nulls", "min", "max", "mean", "std"}
	table := [][]string{header}
	for _, c := range s.Columns {
		table = append(table, []string{c.Name, c.Type, fmt.Sprint(c.Count), fmt.Sprint(c.Nulls), summaryCell(c.Min), summaryCell(c.Max), summaryCell(c.Mean), summaryCell(c.Std)})
	}
	widths := make([]int, len(header))
	for _, r := range table {
		for i, cell := range r {
			widths[i] = max(widths[i], len(cell))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d rows\n", s.Rows)
	for ri, r := range table {
		for i, cell := range r {
			if i > 0 {
				b.WriteString("  ")
			}
			if i >= 2 {
				fmt.Fprintf(&b, "%*s", widths[i], cell)
			} else {
				fmt.Fprintf(&b, "%-*s", widths[i], cell)
			}
		}
		b.WriteString("\n")
		if ri == 0 {
			for i, w := range widths {
				if i > 0 {
					b.WriteString("  ")
				}
				b.WriteString(strings.Repeat("-", w))
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func summaryCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return fmt.Sprintf("%.6g", x)
	case float32:
		return fmt.Sprintf("%.6g", x)
	case string:
		if len(x) > 24 {
			return x[:21] + "..."
		}
		return x
	}
	return cell(v)
}
