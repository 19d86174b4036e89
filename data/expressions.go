package data

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/sluicedata/sluice/data/expr"
	"github.com/sluicedata/sluice/streaming"
)

// Col refers to a column in an expression (package data/expr): data.Col("price").Mul(2).
func Col(name string) expr.Expr { return expr.Col(name) }

// Lit is a constant in an expression (see expr.Lit for the Go values it takes).
func Lit(v any) expr.Expr { return expr.Lit(v) }

// exprKind says which expression call made an operator.
type exprKind int

const (
	exprWhere      exprKind = iota // a predicate: rows where it is true stay
	exprWithColumn                 // one computed column added or replaced
	exprSelect                     // the output is exactly the computed columns
)

// exprOp is what an expression operator (Where, WithColumn, Select) keeps for the
// planner's pushdown rules: they can read the predicate (to prune row groups, pages and
// partitions, and to decode its columns first), and the columns each operator reads
// (expr.Expr.Columns) to push projections past it.
type exprOp struct {
	kind  exprKind
	exprs []expr.Expr // Where: one predicate; WithColumn: one value; Select: the outputs
	names []string    // WithColumn: the column; Select: the output names
}

// Where keeps the rows for which e is true, Ray's filter(expr=...): a row where e is null
// goes, as in Arrow's filter and Ray's. e is evaluated over whole blocks with Arrow
// kernels (package data/expr), and type-checked against the input schema before the run
// when the schema is known then (after a read, through column operations); otherwise at
// the first block. Options: Concurrency, Name.
//
//	ds.Where(data.Col("price").Mul(data.Col("qty")).Gt(100).And(data.Col("region").IsIn("eu", "us")))
func (ds *Dataset) Where(e expr.Expr, opts ...Option) *Dataset {
	c, err := parseOptions("Where", opts, append([]string{"Concurrency"}, retryOptions...)...)
	if err == nil && e.IsZero() {
		err = errors.New("sluice: Where: the zero Expr")
	}
	name := exprName("Where", c, e.String())
	if err != nil {
		return ds.derive(&logicalOp{kind: opMap, name: "Where"}, err)
	}
	op := &exprOp{kind: exprWhere, exprs: []expr.Expr{e}}
	return ds.derive(&logicalOp{
		kind: opMap, name: name, fuse: true, concurrency: c.concurrency, expr: op,
		stage: streaming.Stage{Name: name, Retry: c.retryPolicy(), Fn: func(ctx context.Context, tc *streaming.TaskContext, in arrow.RecordBatch, emit streaming.Emit) error {
			bound, err := op.bind(tc, in.Schema())
			if err != nil {
				return err
			}
			out, err := expr.Filter(ctx, tc.Mem, bound[0], in)
			if err != nil {
				return op.describe(err)
			}
			return emit(out)
		}},
		schemaOut: func(in *arrow.Schema) (*arrow.Schema, error) {
			if _, err := op.bindSchema(in); err != nil {
				return nil, err
			}
			return in, nil
		},
	}, nil)
}

// WithColumn adds column name holding e's values (or replaces the column of that name, in
// place), Ray's with_column. A bare column keeps its type (a dictionary stays one).
// Options: Concurrency, Name.
//
//	ds.WithColumn("total", data.Col("price").Mul(data.Col("qty")))
func (ds *Dataset) WithColumn(name string, e expr.Expr, opts ...Option) *Dataset {
	c, err := parseOptions("WithColumn", opts, append([]string{"Concurrency"}, retryOptions...)...)
	switch {
	case err != nil:
	case name == "":
		err = errors.New("sluice: WithColumn: the column needs a name")
	case e.IsZero():
		err = fmt.Errorf("sluice: WithColumn(%s): the zero Expr", name)
	}
	label := exprName("WithColumn", c, fmt.Sprintf("%q, %s", name, e))
	if err != nil {
		return ds.derive(&logicalOp{kind: opMap, name: "WithColumn"}, err)
	}
	op := &exprOp{kind: exprWithColumn, exprs: []expr.Expr{e}, names: []string{name}}
	return ds.derive(&logicalOp{
		kind: opMap, name: label, fuse: true, oneToOne: true, concurrency: c.concurrency, expr: op,
		stage:     op.stage(label, c.retryPolicy()),
		schemaOut: op.schemaOut,
	}, nil)
}

// Select keeps the columns the expressions compute, in their order, Ray's select_columns
// with expressions as well as names: Col("a") keeps column a as it is, and
// Col("a").Mul(2).Alias("a2") computes a2. An output is named by its Alias, else by the
// first column it reads (Col("a").Add(1) is "a"); two outputs of one name are an error, as
// is an unnamed one of literals only. A Select of bare columns is a SelectColumns (pushed
// into readers that project).
func (ds *Dataset) Select(exprs ...expr.Expr) *Dataset {
	var err error
	if len(exprs) == 0 {
		err = errors.New("sluice: Select: name at least one column")
	}
	exprs = slices.Clone(exprs)
	var names, bare []string
	var printed []string
	for i, e := range exprs {
		printed = append(printed, e.String())
		n, ok := e.OutputName()
		switch {
		case err != nil:
		case e.IsZero():
			err = fmt.Errorf("sluice: Select: output %d is the zero Expr", i)
		case !ok:
			err = fmt.Errorf("sluice: Select: %s reads no column: name it with Alias", e)
		case slices.Contains(names, n):
			err = fmt.Errorf("sluice: Select: two outputs are named %q (name one with Alias)", n)
		}
		names = append(names, n)
		if e.Op() == expr.OpCol {
			bare = append(bare, n)
		}
	}
	label := "Select(" + strings.Join(printed, ", ") + ")"
	if err != nil {
		return ds.derive(&logicalOp{kind: opMap, name: "Select"}, err)
	}
	op := &exprOp{kind: exprSelect, exprs: exprs, names: names}
	lo := &logicalOp{kind: opMap, name: label, fuse: true, oneToOne: true, expr: op, stage: op.stage(label, streaming.RetryPolicy{}), schemaOut: op.schemaOut}
	if len(bare) == len(exprs) {
		lo.project = bare // a pure column selection: readers can do it
	}
	return ds.derive(lo, nil)
}

// exprName is "Kind(detail)", or "Kind(name)" with the Name option.
func exprName(kind string, c *config, detail string) string {
	if c != nil && c.name != "" {
		return fmt.Sprintf("%s(%s)", kind, c.name)
	}
	return fmt.Sprintf("%s(%s)", kind, detail)
}

// boundExprs are an exprOp's expressions bound to one schema, kept per task.
type boundExprs struct {
	schema *arrow.Schema
	bound  []*expr.Bound // nil entries: outputs taken as they are (bare columns)
}

// bind returns op's expressions bound to schema, from the task's cache when the task's
// blocks keep one schema (the usual case), else bound anew.
func (op *exprOp) bind(tc *streaming.TaskContext, schema *arrow.Schema) ([]*expr.Bound, error) {
	if b, ok := tc.Scratch[op].(*boundExprs); ok && (b.schema == schema || b.schema.Equal(schema)) {
		return b.bound, nil
	}
	bound, err := op.bindSchema(schema)
	if err != nil {
		return nil, err
	}
	if tc.Scratch == nil {
		tc.Scratch = map[any]any{}
	}
	tc.Scratch[op] = &boundExprs{schema: schema, bound: bound}
	return bound, nil
}

func (op *exprOp) bindSchema(schema *arrow.Schema) ([]*expr.Bound, error) {
	bound := make([]*expr.Bound, len(op.exprs))
	for i, e := range op.exprs {
		var (
			b   *expr.Bound
			err error
		)
		switch {
		case op.kind == exprWhere:
			b, err = expr.BindPredicate(e, schema)
		case bareColumn(e) != "":
			if len(schema.FieldIndices(bareColumn(e))) == 0 {
				_, err = expr.Bind(e, schema) // for its error
			}
		default:
			b, err = expr.Bind(e, schema)
		}
		if err != nil {
			return nil, op.describe(err)
		}
		bound[i] = b
	}
	return bound, nil
}

// bareColumn is the column a Col or an aliased Col reads as it is; "" otherwise.
func bareColumn(e expr.Expr) string {
	if e.Op() == expr.OpAlias {
		e = e.Args()[0]
	}
	if e.Op() == expr.OpCol {
		return e.Name()
	}
	return ""
}

// describe drops the package prefix of an expression error: the operator's name, which
// the executor prints first, already shows the expression. A failure of the whole
// expression says only its cause.
func (op *exprOp) describe(err error) error {
	var xe *expr.Error
	if !errors.As(err, &xe) {
		return err
	}
	for _, e := range op.exprs {
		if xe.Expr.Equal(e) {
			return exprError{xe, xe.Err.Error()}
		}
	}
	return exprError{xe, xe.Detail()}
}

type exprError struct {
	err *expr.Error
	msg string
}

func (e exprError) Error() string { return e.msg }
func (e exprError) Unwrap() error { return e.err }

// outputs computes the columns of a WithColumn or Select over in (the caller releases
// them) with their fields.
func (op *exprOp) outputs(ctx context.Context, tc *streaming.TaskContext, in arrow.RecordBatch) ([]arrow.Field, []arrow.Array, error) {
	bound, err := op.bind(tc, in.Schema())
	if err != nil {
		return nil, nil, err
	}
	fields := make([]arrow.Field, len(op.exprs))
	cols := make([]arrow.Array, len(op.exprs))
	for i, e := range op.exprs {
		if bound[i] == nil {
			f := in.Schema().Field(in.Schema().FieldIndices(bareColumn(e))[0])
			f.Name = op.names[i]
			fields[i], cols[i] = f, in.Column(in.Schema().FieldIndices(bareColumn(e))[0])
			cols[i].Retain()
			continue
		}
		arr, err := bound[i].Eval(ctx, tc.Mem, in)
		if err != nil {
			for _, c := range cols[:i] {
				c.Release()
			}
			return nil, nil, op.describe(err)
		}
		fields[i], cols[i] = arrow.Field{Name: op.names[i], Type: arr.DataType(), Nullable: true}, arr
	}
	return fields, cols, nil
}

func (op *exprOp) stage(name string, retry streaming.RetryPolicy) streaming.Stage {
	return streaming.Stage{Name: name, Retry: retry, Fn: func(ctx context.Context, tc *streaming.TaskContext, in arrow.RecordBatch, emit streaming.Emit) error {
		fields, cols, err := op.outputs(ctx, tc, in)
		if err != nil {
			return err
		}
		defer func(owned []arrow.Array) {
			for _, c := range owned {
				c.Release()
			}
		}(cols)
		if op.kind == exprWithColumn {
			fields, cols = withColumn(in, fields[0], cols[0])
		}
		// The record retains its columns; the ones computed here are released above.
		return emit(array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, in.NumRows()))
	}}
}

// withColumn is in's fields and columns with f (values a) replacing the column of its
// name, or appended; no column is retained.
func withColumn(in arrow.RecordBatch, f arrow.Field, a arrow.Array) ([]arrow.Field, []arrow.Array) {
	fields := slices.Clone(in.Schema().Fields())
	cols := slices.Clone(in.Columns())
	if idx := in.Schema().FieldIndices(f.Name); len(idx) > 0 {
		fields[idx[0]], cols[idx[0]] = f, a
	} else {
		fields, cols = append(fields, f), append(cols, a)
	}
	return fields, cols
}

// schemaOut is the output schema of a WithColumn or Select, for the check before the run.
func (op *exprOp) schemaOut(in *arrow.Schema) (*arrow.Schema, error) {
	bound, err := op.bindSchema(in)
	if err != nil {
		return nil, err
	}
	fields := make([]arrow.Field, len(op.exprs))
	for i, e := range op.exprs {
		if bound[i] == nil {
			fields[i] = in.Field(in.FieldIndices(bareColumn(e))[0])
			fields[i].Name = op.names[i]
		} else {
			fields[i] = arrow.Field{Name: op.names[i], Type: bound[i].Type(), Nullable: true}
		}
	}
	if op.kind == exprWithColumn {
		out := slices.Clone(in.Fields())
		if idx := in.FieldIndices(op.names[0]); len(idx) > 0 {
			out[idx[0]] = fields[0]
		} else {
			out = append(out, fields[0])
		}
		return arrow.NewSchema(out, nil), nil
	}
	return arrow.NewSchema(fields, nil), nil
}
