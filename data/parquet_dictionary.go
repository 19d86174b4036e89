package data

import (
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet/metadata"

	"github.com/sluicedata/sluice/data/expr"
)

// dictionaryFilter is the Parquet dictionary test of a filter's conjuncts (the reader's
// ParquetOptions.DictionaryFilter): a row group that passed its statistics is read unless
// some conjunct cannot be true on any value of its columns' dictionaries, which the pruner
// evaluates exactly (expr.ColumnStats.Values) for a predicate of one column: equality and
// IsIn above all, whose values may lie between a chunk's min and max without occurring in
// it. A dictionary is read only when a conjunct asks for its column.
func dictionaryFilter(filter []expr.Expr) func(rg *metadata.RowGroupMetaData, schema *arrow.Schema, dict func(string) arrow.Array) bool {
	var mu sync.Mutex
	var lastSchema *arrow.Schema
	var bound []*expr.Bound
	return func(rg *metadata.RowGroupMetaData, schema *arrow.Schema, dict func(string) arrow.Array) bool {
		mu.Lock()
		if schema != lastSchema {
			lastSchema, bound = schema, nil
			for _, c := range filter {
				// Only conjuncts of one column: the pruner's exact evaluation needs that.
				if len(c.Columns()) != 1 {
					continue
				}
				if b, err := expr.BindPredicate(c, schema); err == nil {
					bound = append(bound, b)
				}
			}
		}
		bs := bound
		mu.Unlock()
		stats := dictionaryStats{Stats: expr.ParquetRowGroupStats(rg, schema), dict: dict}
		for _, b := range bs {
			if !b.MayMatch(stats) {
				return false
			}
		}
		return true
	}
}

// dictionaryStats adds the dictionary's values to a row group's statistics.
type dictionaryStats struct {
	expr.Stats
	dict func(string) arrow.Array
}

func (s dictionaryStats) Column(name string) (expr.ColumnStats, bool) {
	cs, _ := s.Stats.Column(name)
	cs.Values = s.dict(name)
	return cs, cs.Values != nil || cs.Min != nil || cs.HasNullCount
}
