package data

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// rangesSource is a Datasource of `tasks` tasks of `rows` rows each, columns a and b
// (b = 10a). Task `fail` (when >= 0) fails after its first block.
type rangesSource struct {
	tasks, rows, fail int
	projected         atomic.Value // the columns ReadTasks was given
	counted           atomic.Bool
}

var rangesSchema = arrow.NewSchema([]arrow.Field{
	{Name: "a", Type: arrow.PrimitiveTypes.Int64}, {Name: "b", Type: arrow.PrimitiveTypes.Int64}}, nil)

func (s *rangesSource) Name() string     { return "ReadRanges" }
func (s *rangesSource) Describe() string { return fmt.Sprintf("tasks=%d", s.tasks) }
func (s *rangesSource) Schema(context.Context) (*arrow.Schema, error) {
	return rangesSchema, nil
}
func (s *rangesSource) Count(context.Context) (int64, error) {
	s.counted.Store(true)
	return int64(s.tasks * s.rows), nil
}

func (s *rangesSource) ReadTasks(_ context.Context, columns []string) ([]ReadTask, error) {
	s.projected.Store(columns)
	var out []ReadTask
	for t := range s.tasks {
		out = append(out, ReadTask{Origin: fmt.Sprintf("range %d", t), Read: func(ctx context.Context, mem memory.Allocator, emit func(arrow.RecordBatch) error) error {
			for lo := 0; lo < s.rows; lo += 100 {
				if t == s.fail && lo > 0 {
					return errors.New("the range broke")
				}
				hi := min(lo+100, s.rows)
				bld := array.NewRecordBuilder(mem, rangesSchema)
				for i := lo; i < hi; i++ {
					v := int64(t*s.rows + i)
					bld.Field(0).(*array.Int64Builder).Append(v)
					bld.Field(1).(*array.Int64Builder).Append(10 * v)
				}
				rec := bld.NewRecordBatch()
				bld.Release()
				if columns != nil {
					var cols []arrow.Array
					var fields []arrow.Field
					for _, c := range columns {
						i := rangesSchema.FieldIndices(c)[0]
						cols, fields = append(cols, rec.Column(i)), append(fields, rangesSchema.Field(i))
					}
					p := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, rec.NumRows())
					rec.Release()
					rec = p
				}
				if err := emit(rec); err != nil {
					return err
				}
			}
			return nil
		}})
	}
	return out, nil
}

func TestReadDatasource(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	src := &rangesSource{tasks: 4, rows: 250, fail: -1}
	ds := ReadDatasource(src).WithContext(c)
	if e := ds.Explain(); !strings.Contains(e, "ReadRanges") || !strings.Contains(e, "tasks=4") {
		t.Errorf("Explain does not name the source and its detail:\n%s", e)
	}
	n, err := ds.Count(ctx)
	if err != nil || n != 1000 || !src.counted.Load() {
		t.Fatalf("Count = %d, %v (from the source's Count: %v), want 1000", n, err, src.counted.Load())
	}
	sum, err := ds.SelectColumns("b").Sum(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(10 * 999 * 1000 / 2); sum != want {
		t.Errorf("sum(b) = %v (%T), want %d", sum, sum, want)
	}
	if cols, _ := src.projected.Load().([]string); len(cols) != 1 || cols[0] != "b" {
		t.Errorf("ReadTasks got columns %v, want the pushed-down [b]", cols)
	}
	s, err := ReadDatasource(src).WithContext(c).SelectColumns("b").Schema(ctx)
	if err != nil || len(s.Fields()) != 1 || s.Field(0).Name != "b" {
		t.Errorf("projected Schema = %v, %v", s.Schema, err)
	}
}

func TestReadDatasourceErrors(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	_, err := ReadDatasource(&rangesSource{tasks: 3, rows: 500, fail: 1}).WithContext(c).TakeAll(ctx, 0)
	if err == nil || !strings.Contains(err.Error(), "ReadRanges") || !strings.Contains(err.Error(), "range 1") || !strings.Contains(err.Error(), "the range broke") {
		t.Fatalf("error %v: want one naming the operator, the task and the cause", err)
	}
	if strings.Count(err.Error(), "ReadRanges") != 1 {
		t.Errorf("the operator is named more than once: %v", err)
	}
	if _, err := ReadDatasource(nil).TakeAll(ctx, 0); err == nil || !strings.Contains(err.Error(), "nil Datasource") {
		t.Errorf("nil source: %v", err)
	}
}
