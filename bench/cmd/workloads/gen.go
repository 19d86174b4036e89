package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/tensor"
)

// The generated inputs, at scale 1. Values are multiples of 1/1024 so every sum the
// checksums take is exact in float64 whatever the order of addition: outputs of different
// systems compare equal bit for bit.
const (
	tablesRows     = 1_000_000 // W3: id int64, x float64, y float64, emb float32[32]
	tablesFiles    = 16
	tablesEmbWidth = 32
	ingestRows     = 262_144 // W5: label int64, emb float32[256] (1 KiB a row)
	ingestFiles    = 8
	ingestEmbWidth = 256
)

// generate writes the W3 inputs to dir/w3 and the W5 inputs to dir/w5 as Parquet with
// sluice (the tensor columns as arrow.fixed_shape_tensor, which pyarrow and Ray read).
// A directory that already holds files is left alone. mem nil means the Go allocator.
func generate(ctx context.Context, dir string, scale float64, mem memory.Allocator) error {
	if scale <= 0 || scale > 1 {
		return fmt.Errorf("sluice: workloads gen: -scale %g: want a fraction in (0, 1]", scale)
	}
	if mem == nil {
		mem = memory.NewGoAllocator()
	}
	sets := []struct {
		name         string
		rows, files  int
		width        int
		withFeatures bool
	}{
		{"w3", int(tablesRows * scale), tablesFiles, tablesEmbWidth, true},
		{"w5", int(ingestRows * scale), ingestFiles, ingestEmbWidth, false},
	}
	for _, s := range sets {
		out := filepath.Join(dir, s.name)
		if m, _ := filepath.Glob(filepath.Join(out, "*.parquet")); len(m) > 0 {
			continue
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			return fmt.Errorf("sluice: workloads gen: %s: %w", out, err)
		}
		perFile := max(s.rows/s.files, 1)
		var recs []arrow.RecordBatch
		for f := 0; f*perFile < s.rows; f++ {
			rec, err := genFile(mem, f, f*perFile, min(perFile, s.rows-f*perFile), s.width, s.withFeatures)
			if err != nil {
				return err
			}
			recs = append(recs, rec)
		}
		src := data.FromArrow(recs...)
		ds := src.WithContext(&data.Context{Allocator: mem, NoProgress: true})
		_, err := ds.WriteParquet(ctx, out, data.MaxRowsPerFile(int64(perFile)))
		src.Release()
		for _, r := range recs {
			r.Release()
		}
		if err != nil {
			return fmt.Errorf("sluice: workloads gen: %s: %w", out, err)
		}
	}
	return nil
}

// genFile builds one file's rows, numbered from first; the caller releases the batch.
func genFile(mem memory.Allocator, file, first, rows, width int, withFeatures bool) (arrow.RecordBatch, error) {
	rng := rand.New(rand.NewPCG(1, uint64(file)))
	var fields []arrow.Field
	var cols []arrow.Array
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	ids := array.NewInt64Builder(mem)
	defer ids.Release()
	for i := range rows {
		if withFeatures {
			ids.Append(int64(first + i))
		} else {
			ids.Append(int64(rng.IntN(1000))) // a class label
		}
	}
	if withFeatures {
		fields = append(fields, arrow.Field{Name: "id", Type: arrow.PrimitiveTypes.Int64})
	} else {
		fields = append(fields, arrow.Field{Name: "label", Type: arrow.PrimitiveTypes.Int64})
	}
	cols = append(cols, ids.NewArray())
	if withFeatures {
		for _, name := range []string{"x", "y"} {
			b := array.NewFloat64Builder(mem)
			for range rows {
				b.Append(float64(rng.IntN(1<<20)) / 1024)
			}
			fields = append(fields, arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Float64})
			cols = append(cols, b.NewArray())
			b.Release()
		}
	}
	emb := make([]float32, rows*width)
	for i := range emb {
		emb[i] = float32(rng.IntN(2048)-1024) / 1024
	}
	t, err := tensor.FromSlice(mem, []int{width}, emb, rows)
	if err != nil {
		return nil, fmt.Errorf("sluice: workloads gen: emb: %w", err)
	}
	fields = append(fields, arrow.Field{Name: "emb", Type: t.DataType()})
	cols = append(cols, t)
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(rows)), nil
}
