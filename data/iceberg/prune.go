package iceberg

import (
	"context"

	ice "github.com/apache/iceberg-go"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/expr"
)

// ReadTasksFiltered makes Read a data.PruningDatasource: the conjuncts of a Where right after
// Read that translate into Iceberg expressions prune data files and partitions at planning
// (from the manifests' partition values and column bounds), as RowFilter does. The Where
// still filters the rows, so local files keep sluice's Parquet reader.
func (s *source) ReadTasksFiltered(ctx context.Context, columns []string, filter []expr.Expr) ([]data.ReadTask, error) {
	p, err := s.planPruned(ctx, columns, s.pruneFilter(filter))
	if err != nil {
		return nil, err
	}
	return s.tasksOf(p), nil
}

// pruneFilter is the conjunction of the conjuncts that translate and bind against the
// schema of the snapshot read; nil when none does.
func (s *source) pruneFilter(conjuncts []expr.Expr) ice.BooleanExpression {
	if s.tbl == nil {
		return nil
	}
	// The scan binds its row filter against the schema of the snapshot it reads, which a
	// rename since may have given another column of the same name.
	schema, err := s.tbl.Scan(s.snapshotOptions()...).Projection()
	if err != nil {
		return nil
	}
	var out ice.BooleanExpression
	for _, c := range conjuncts {
		e, ok := toIceberg(c)
		if !ok {
			continue
		}
		// A literal the column's type cannot hold (an int64 past an int32 column) does not
		// bind: that conjunct is left to the Where.
		if _, err := ice.BindExpr(schema, e, true); err != nil {
			continue
		}
		if out == nil {
			out = e
		} else {
			out = ice.NewAnd(out, e)
		}
	}
	return out
}

// toIceberg translates e into an Iceberg expression that holds for every row e holds for;
// false when some part of e has no such translation (then e prunes nothing).
func toIceberg(e expr.Expr) (ice.BooleanExpression, bool) {
	args := e.Args()
	switch e.Op() {
	case expr.OpAnd, expr.OpOr:
		var parts []ice.BooleanExpression
		for _, a := range args {
			p, ok := toIceberg(a)
			if !ok {
				if e.Op() == expr.OpAnd {
					continue // a wider And still keeps every row e keeps
				}
				return nil, false
			}
			parts = append(parts, p)
		}
		switch {
		case len(parts) == 0:
			return nil, false
		case len(parts) == 1:
			return parts[0], true
		case e.Op() == expr.OpAnd:
			return ice.NewAnd(parts[0], parts[1], parts[2:]...), true
		default:
			return ice.NewOr(parts[0], parts[1], parts[2:]...), true
		}
	case expr.OpIsNull, expr.OpIsNotNull:
		if args[0].Op() != expr.OpCol {
			return nil, false
		}
		if e.Op() == expr.OpIsNull {
			return ice.IsNull(ice.Reference(args[0].Name())), true
		}
		return ice.NotNull(ice.Reference(args[0].Name())), true
	case expr.OpIsIn:
		if args[0].Op() != expr.OpCol {
			return nil, false
		}
		var lits []ice.Literal
		for _, a := range args[1:] {
			l, ok := literal(a)
			if !ok {
				return nil, false
			}
			lits = append(lits, l)
		}
		return ice.SetPredicate(ice.OpIn, ice.Reference(args[0].Name()), lits), true
	case expr.OpBetween:
		lo, ok1 := compare(ice.OpGTEQ, args[0], args[1])
		hi, ok2 := compare(ice.OpLTEQ, args[0], args[2])
		if !ok1 || !ok2 {
			return nil, false
		}
		return ice.NewAnd(lo, hi), true
	}
	ops := map[expr.Op]ice.Operation{expr.OpEqual: ice.OpEQ, expr.OpNotEqual: ice.OpNEQ, expr.OpLess: ice.OpLT,
		expr.OpLessEqual: ice.OpLTEQ, expr.OpGreater: ice.OpGT, expr.OpGreaterEqual: ice.OpGTEQ}
	op, ok := ops[e.Op()]
	if !ok || len(args) != 2 {
		return nil, false
	}
	if args[0].Op() == expr.OpLit && args[1].Op() == expr.OpCol { // 5 < x is x > 5
		flip := map[ice.Operation]ice.Operation{ice.OpEQ: ice.OpEQ, ice.OpNEQ: ice.OpNEQ, ice.OpLT: ice.OpGT,
			ice.OpLTEQ: ice.OpGTEQ, ice.OpGT: ice.OpLT, ice.OpGTEQ: ice.OpLTEQ}
		return compare(flip[op], args[1], args[0])
	}
	return compare(op, args[0], args[1])
}

// compare is column op literal, when col is a column and lit a literal Iceberg can hold.
func compare(op ice.Operation, col, lit expr.Expr) (ice.BooleanExpression, bool) {
	if col.Op() != expr.OpCol {
		return nil, false
	}
	l, ok := literal(lit)
	if !ok {
		return nil, false
	}
	return ice.LiteralPredicate(op, ice.Reference(col.Name()), l), true
}

// literal is a non-null integer, string or boolean literal as Iceberg's. Float literals are
// left to the Where: Iceberg rounds one to a float32 or decimal column's type (x < 0.7 on a
// float32 column would drop 0.7f), and its IsIn never matches NaN where sluice's does.
func literal(e expr.Expr) (ice.Literal, bool) {
	if e.Op() != expr.OpLit {
		return nil, false
	}
	switch v := e.Value().(type) {
	case int64:
		return ice.NewLiteral(v), true
	case string:
		return ice.NewLiteral(v), true
	case bool:
		return ice.NewLiteral(v), true
	}
	return nil, false
}
