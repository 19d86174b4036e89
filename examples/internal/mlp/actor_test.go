package mlp

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/internal/memcheck"
	"github.com/sluicedata/sluice/tensor"
	"go.uber.org/goleak"
)

func TestPredictorOnActors(t *testing.T) {
	defer goleak.VerifyNone(t)
	path, err := ModelPath("mlp100.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ones64 := make([]float64, 5*100)
	ones32 := make([]float32, 5*100)
	for i := range ones64 {
		ones64[i], ones32[i] = 1, 1
	}
	for _, tc := range []struct {
		name    string
		in      tensor.Tensor
		path    string
		wantErr string
	}{
		{"float64 ones like np.ones", tensor.New(ones64, 5, 100).Tensor(), path, ""},
		{"float32 ones", tensor.New(ones32, 5, 100).Tensor(), path, ""},
		{"wrong width", tensor.New(ones32, 10, 50).Tensor(), path, "MapBatches(mlp100): block 0 rows 0-1: mlp predictor: column \"data\" has shape [2 50], want [N, 100]"},
		{"missing model", tensor.New(ones32, 5, 100).Tensor(), path + ".missing", "mlp100.json.missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			ds := data.FromNumpy(tc.in).WithContext(&data.Context{Allocator: mem, NoProgress: true}).
				MapBatchesActor(NewPredictor(tc.path, "data", "output"), data.Actors(2, 2), data.BatchSize(2), data.Name("mlp100"))
			rows, err := ds.TakeAll(context.Background(), 0)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 5 {
				t.Fatalf("%d rows, want 5", len(rows))
			}
			for i, r := range rows {
				out, ok := r["output"].(tensor.Tensor)
				if !ok {
					t.Fatalf("row %d output is %T", i, r["output"])
				}
				v, err := tensor.ViewOf[float32](out)
				if err != nil {
					t.Fatal(err)
				}
				if v.Len() != 1 || math.Abs(float64(v.At(0))-m.OnesOutput[0]) > 1e-6 {
					t.Errorf("row %d output = %v, want [%v]", i, v.Data[:v.Len()], m.OnesOutput[0])
				}
			}
		})
	}
}
