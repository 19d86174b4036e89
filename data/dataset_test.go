package data

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

func ids(t *testing.T, ds *Dataset) []int64 {
	t.Helper()
	var out []int64
	for b, err := range ds.IterBatches(context.Background(), BatchSize(100)) {
		if err != nil {
			t.Fatal(err)
		}
		v, err := b.Int64s("id")
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v...)
	}
	return out
}

func wantRange(t *testing.T, got []int64, n int64, f func(int64) int64) {
	t.Helper()
	if int64(len(got)) != n {
		t.Fatalf("got %d rows, want %d", len(got), n)
	}
	for i, v := range got {
		if v != f(int64(i)) {
			t.Fatalf("row %d: got %d, want %d", i, v, f(int64(i)))
		}
	}
}

func TestTransforms(t *testing.T) {
	id := func(v int64) int64 { return v }
	double := func(ctx context.Context, b *Batch) (*Batch, error) {
		v, err := b.Int64s("id")
		if err != nil {
			return nil, err
		}
		out := make([]int64, len(v))
		for i := range v {
			out[i] = 2 * v[i]
		}
		return b.With("id", out)
	}
	cases := []struct {
		name string
		ds   func(c *Context) *Dataset
		n    int64
		f    func(int64) int64
	}{
		{"range", func(c *Context) *Dataset { return Range(10000).WithContext(c) }, 10000, id},
		{"map batches", func(c *Context) *Dataset { return Range(5000).WithContext(c).MapBatches(double, BatchSize(64)) }, 5000, func(v int64) int64 { return 2 * v }},
		{"map rows", func(c *Context) *Dataset {
			return Range(3000).WithContext(c).Map(func(ctx context.Context, r Row) (Row, error) { return Row{"id": r["id"].(int64) + 1}, nil })
		}, 3000, func(v int64) int64 { return v + 1 }},
		{"filter even", func(c *Context) *Dataset {
			return Range(4000).WithContext(c).Filter(func(ctx context.Context, r Row) (bool, error) { return r["id"].(int64)%2 == 0, nil })
		}, 2000, func(i int64) int64 { return 2 * i }},
		{"flat map", func(c *Context) *Dataset {
			return Range(1000).WithContext(c).FlatMap(func(ctx context.Context, r Row) ([]Row, error) {
				v := r["id"].(int64)
				return []Row{{"id": 2 * v}, {"id": 2*v + 1}}, nil
			})
		}, 2000, id},
		{"limit", func(c *Context) *Dataset { return Range(1_000_000).WithContext(c).MapBatches(double).Limit(777) }, 777, func(v int64) int64 { return 2 * v }},
		{"limit zero", func(c *Context) *Dataset { return Range(1000).WithContext(c).Limit(0) }, 0, id},
		{"select rename select", func(c *Context) *Dataset {
			return Range(100).WithContext(c).AddColumn("x", func(ctx context.Context, b *Batch) (any, error) {
				v, _ := b.Int64s("id")
				out := make([]float64, len(v))
				return out, nil
			}).RenameColumns(map[string]string{"id": "key"}).SelectColumns("key").RenameColumns(map[string]string{"key": "id"})
		}, 100, id},
		{"unfused map after limit", func(c *Context) *Dataset {
			return Range(10000).WithContext(c).Limit(5000).MapBatches(double, BatchSize(1000), Concurrency(1))
		}, 5000, func(v int64) int64 { return 2 * v }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantRange(t, ids(t, c.ds(testContext(t))), c.n, c.f)
		})
	}
}

type sample struct {
	ID    int64   `sluice:"id"`
	Name  string  `sluice:"name"`
	Score float64 `json:"score"`
	Skip  int     `sluice:"-"`
}

type scored struct {
	ID     int64 `sluice:"id"`
	Passed bool  `sluice:"passed"`
}

func TestTypedRows(t *testing.T) {
	c := testContext(t)
	items := []sample{{1, "a", 0.5, 9}, {2, "b", 0.9, 9}, {3, "c", 0.2, 9}}
	ds := FromItems(items).WithContext(c)
	sc, err := ds.Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(schemaNames(sc.Schema)); got != "[id name score]" {
		t.Fatalf("columns %s", got)
	}
	out := MapTyped(FilterTyped(ds, func(ctx context.Context, s sample) (bool, error) { return s.ID != 2, nil }),
		func(ctx context.Context, s sample) (scored, error) {
			return scored{ID: s.ID, Passed: s.Score > 0.3}, nil
		})
	var got []scored
	for s, err := range IterTyped[scored](context.Background(), out) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	if fmt.Sprint(got) != "[{1 true} {3 false}]" {
		t.Fatalf("got %v", got)
	}
	// A struct whose field has no column is an error naming both.
	type other struct {
		Missing string `sluice:"missing"`
	}
	for _, err := range IterTyped[other](context.Background(), ds) {
		if err == nil || !strings.Contains(err.Error(), `no column "missing"`) {
			t.Fatalf("got %v", err)
		}
	}
}

func TestFromItemsKinds(t *testing.T) {
	c := testContext(t)
	rows, err := FromItems([]Row{{"a": int64(1), "b": "x"}, {"a": 2.5}}).WithContext(c).TakeAll(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rows) != "[map[a:1 b:x] map[a:2.5 b:<nil>]]" {
		t.Fatalf("rows %v", rows)
	}
	rows, err = FromItems([]string{"x", "y"}).WithContext(c).TakeAll(context.Background(), 0)
	if err != nil || fmt.Sprint(rows) != "[map[item:x] map[item:y]]" {
		t.Fatalf("rows %v err %v", rows, err)
	}
	if _, err := FromItems([]Row{{"a": 1}, {"a": 2}, {"a": 3}}).WithContext(c).TakeAll(context.Background(), 2); err == nil || !strings.Contains(err.Error(), "more than 2 rows") {
		t.Fatalf("TakeAll past its limit: %v", err)
	}
}

func TestConsumers(t *testing.T) {
	c := testContext(t)
	ctx := context.Background()
	ds := Range(1000).WithContext(c)
	if n, err := ds.Count(ctx); err != nil || n != 1000 {
		t.Fatalf("count %d %v", n, err)
	}
	if n, err := ds.Filter(func(ctx context.Context, r Row) (bool, error) { return r["id"].(int64) < 10, nil }).Count(ctx); err != nil || n != 10 {
		t.Fatalf("count after filter %d %v", n, err)
	}
	rows, err := ds.Take(ctx, 3)
	if err != nil || fmt.Sprint(rows) != "[map[id:0] map[id:1] map[id:2]]" {
		t.Fatalf("take %v %v", rows, err)
	}
	b, err := ds.TakeBatch(ctx, 5)
	if err != nil || b.NumRows() != 5 {
		t.Fatalf("take batch %v", err)
	}
	b.Release()
	var buf bytes.Buffer
	if err := ds.AddColumn("name", func(ctx context.Context, b *Batch) (any, error) {
		v, _ := b.Int64s("id")
		s := make([]string, len(v))
		for i := range v {
			s[i] = fmt.Sprintf("n%d", v[i])
		}
		return s, nil
	}).Show(ctx, &buf, 2); err != nil {
		t.Fatal(err)
	}
	if want := "id  name\n--  ----\n0   n0\n1   n1\n"; buf.String() != want {
		t.Fatalf("show:\n%q\nwant\n%q", buf.String(), want)
	}
	cols, err := ds.Columns(ctx)
	if err != nil || fmt.Sprint(cols) != "[id]" {
		t.Fatalf("columns %v %v", cols, err)
	}
	m, err := ds.Map(func(ctx context.Context, r Row) (Row, error) {
		r["sq"] = r["id"].(int64) * r["id"].(int64)
		return r, nil
	}).Materialize(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	if st := m.Stats(); len(st.Ops) != 1 || st.Ops[0].OutputRows != 1000 || !strings.Contains(st.String(), "Range->Map(TestConsumers.func") {
		t.Fatalf("stats of the run that materialized:\n%s", st)
	}
	for i := 0; i < 2; i++ {
		if n, err := m.Count(ctx); err != nil || n != 1000 {
			t.Fatalf("materialized count %d %v", n, err)
		}
		lim := m.Limit(2)
		rows, err := lim.TakeAll(ctx, 0)
		if err != nil || fmt.Sprint(rows) != "[map[id:0 sq:0] map[id:1 sq:1]]" {
			t.Fatalf("materialized rows %v %v", rows, err)
		}
		if st := lim.Stats(); st.Ops[0].Name != "Materialized[limit=2]" {
			t.Fatalf("stats after materialize:\n%s", st)
		}
	}
}

func TestIterBatchesOptions(t *testing.T) {
	ctx := context.Background()
	t.Run("drop last", func(t *testing.T) {
		c := testContext(t)
		var sizes []int
		for b, err := range Range(1000).WithContext(c).IterBatches(ctx, BatchSize(300), DropLast(), Prefetch(0)) {
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, b.NumRows())
		}
		if fmt.Sprint(sizes) != "[300 300 300]" {
			t.Fatalf("sizes %v", sizes)
		}
	})
	t.Run("local shuffle is a deterministic permutation", func(t *testing.T) {
		c := testContext(t)
		run := func() []int64 {
			var out []int64
			for b, err := range Range(5000).WithContext(c).IterBatches(ctx, BatchSize(64), LocalShuffle(500, 7)) {
				if err != nil {
					t.Fatal(err)
				}
				v, _ := b.Int64s("id")
				out = append(out, v...)
			}
			return out
		}
		a, b := run(), run()
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatal("same seed gave different orders")
		}
		seen := make([]bool, 5000)
		moved := 0
		for i, v := range a {
			seen[v] = true
			if v != int64(i) {
				moved++
			}
		}
		for v, ok := range seen {
			if !ok {
				t.Fatalf("row %d missing", v)
			}
		}
		if len(a) != 5000 || moved < 4000 {
			t.Fatalf("%d rows, %d moved: not shuffled", len(a), moved)
		}
	})
	t.Run("break stops the run", func(t *testing.T) {
		c := testContext(t)
		n := 0
		for _, err := range Range(100_000_000).WithContext(c).IterBatches(ctx, BatchSize(10)) {
			if err != nil {
				t.Fatal(err)
			}
			if n++; n == 3 {
				break
			}
		}
	})
	t.Run("cancel stops the run with the context's error", func(t *testing.T) {
		c := testContext(t)
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		var last error
		n := 0
		for _, err := range Range(100_000_000).WithContext(c).IterBatches(cctx, BatchSize(10)) {
			if err != nil {
				last = err
				break
			}
			if n++; n == 3 {
				cancel()
			}
		}
		if !errors.Is(last, context.Canceled) {
			t.Fatalf("got %v", last)
		}
	})
}

func TestBadInputs(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		ds   func(c *Context) *Dataset
		iter []Option
		want []string
	}{
		{"batch size 0", func(c *Context) *Dataset { return Range(10).WithContext(c).MapBatches(nil, BatchSize(0)) }, nil, []string{"sluice: MapBatches: BatchSize(0): must be at least 1"}},
		{"negative prefetch", func(c *Context) *Dataset { return Range(10).WithContext(c) }, []Option{Prefetch(-1)}, []string{"sluice: IterBatches: Prefetch(-1): must not be negative"}},
		{"option that does not apply", func(c *Context) *Dataset { return Range(10).WithContext(c) }, []Option{IncludePaths()}, []string{"option IncludePaths does not apply"}},
		{"unknown column, caught before the run", func(c *Context) *Dataset { return Range(10).WithContext(c).SelectColumns("nope") }, nil, []string{`sluice: SelectColumns([nope]): no column "nope" (columns: [id])`}},
		{"unknown rename after a limit, caught before the run", func(c *Context) *Dataset {
			return Range(10).WithContext(c).Limit(5).RenameColumns(map[string]string{"x": "y"})
		}, nil, []string{`sluice: RenameColumns(x->y): no column "x"`}},
		{"unknown column after a user function, caught in the run", func(c *Context) *Dataset {
			return Range(10).WithContext(c).MapBatches(func(ctx context.Context, b *Batch) (*Batch, error) { return b, nil }, Name("f")).DropColumns("nope")
		}, nil, []string{`sluice: DropColumns([nope]): range[0:10] rows 0-9: no column "nope" (columns: [id])`}},
		{"user error", func(c *Context) *Dataset {
			return Range(3000).WithContext(c).MapBatches(func(ctx context.Context, b *Batch) (*Batch, error) {
				if v, _ := b.Int64s("id"); v[0] >= 2048 {
					return nil, errors.New("bad value")
				}
				return b, nil
			}, BatchSize(1024), Name("check"))
		}, nil, []string{"sluice: MapBatches(check): range[2048:3000] rows 0-951: bad value"}},
		{"user panic", func(c *Context) *Dataset {
			return Range(10).WithContext(c).Map(func(ctx context.Context, r Row) (Row, error) { return Row{"x": r["id"].(string)}, nil })
		}, nil, []string{"sluice: Map(", "panic: interface conversion", "dataset_test.go"}},
		{"wrong row count", func(c *Context) *Dataset {
			return Range(10).WithContext(c).AddColumn("x", func(ctx context.Context, b *Batch) (any, error) { return []int64{1}, nil })
		}, nil, []string{`sluice: AddColumn(x): range[0:10] rows 0-9: column "x" has 1 rows, the batch has 10`}},
		{"negative limit", func(c *Context) *Dataset { return Range(10).WithContext(c).Limit(-1) }, nil, []string{"sluice: Limit(-1)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got error
			for _, err := range c.ds(testContext(t)).IterBatches(ctx, c.iter...) {
				if err != nil {
					got = err
				}
			}
			if got == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(got.Error(), w) {
					t.Errorf("error %q does not contain %q", got, w)
				}
			}
		})
	}
}

func TestTolerateErroredBlocks(t *testing.T) {
	c := testContext(t)
	c.MaxErroredBlocks = 1
	ds := Range(4096).WithContext(c).MapBatches(func(ctx context.Context, b *Batch) (*Batch, error) {
		if v, _ := b.Int64s("id"); v[0] == 1024 {
			return nil, errors.New("corrupt")
		}
		return b, nil
	}, BatchSize(1024))
	n, err := ds.Count(context.Background())
	if err != nil || n != 3072 {
		t.Fatalf("count %d, %v", n, err)
	}
	st := ds.Stats()
	if st.Ops[0].TasksSkipped != 1 || !strings.Contains(st.String(), "corrupt") {
		t.Fatalf("stats:\n%s", st)
	}
}

func TestFromArrowZeroCopy(t *testing.T) {
	c := testContext(t)
	mem := c.Allocator
	b := array.NewFloat32Builder(mem)
	for i := 0; i < 1000; i++ {
		b.Append(float32(i))
	}
	a := b.NewArray()
	b.Release()
	rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Float32}}, nil), []arrow.Array{a}, 1000)
	a.Release()
	ds := FromArrow(rec)
	ds = ds.WithContext(c)
	off := 0
	for batch, err := range ds.IterBatches(context.Background(), BatchSize(100)) {
		if err != nil {
			t.Fatal(err)
		}
		v, _ := batch.Float32s("x")
		if &v[0] != &rec.Column(0).(*array.Float32).Float32Values()[off] {
			t.Fatalf("batch at row %d was copied", off)
		}
		off += len(v)
	}
	ds.Release()
	rec.Release()
}
