package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/internal/memcheck"
	"github.com/sluicedata/sluice/tensor"
	"go.uber.org/goleak"
)

const cancerRows = 569

func cancerPath() string { return filepath.Join(repoRoot(), "testdata", "breast_cancer.csv") }

func checkedContext(t *testing.T) *data.Context {
	mem := memcheck.New(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return &data.Context{Allocator: mem, NoProgress: true}
}

func TestTrain(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name string
		cfg  config
	}{
		{"seed's two trainers, two epochs, batch 128", config{trainers: 2, epochs: 2, batchSize: 128, lr: 0.1, seed: 42}},
		{"three trainers, four epochs, batch 32", config{trainers: 3, epochs: 4, batchSize: 32, lr: 0.1, seed: 7}},
		{"one trainer", config{trainers: 1, epochs: 3, batchSize: 64, lr: 0.1, seed: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.path = cancerPath()
			res, err := train(context.Background(), checkedContext(t), tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			n := tc.cfg.trainers
			perShard := cancerRows / n
			wantBatches := (perShard + tc.cfg.batchSize - 1) / tc.cfg.batchSize
			for rank := range n {
				if len(res.losses[rank]) != tc.cfg.epochs {
					t.Fatalf("trainer %d: %d epoch losses, want %d", rank, len(res.losses[rank]), tc.cfg.epochs)
				}
				// The loss falls from every epoch to the next, on every trainer.
				for e := 1; e < tc.cfg.epochs; e++ {
					if prev, cur := res.losses[rank][e-1], res.losses[rank][e]; !(cur < prev) {
						t.Errorf("trainer %d: loss %.4f in epoch %d after %.4f in epoch %d", rank, cur, e, prev, e-1)
					}
				}
				// A fresh logistic regression starts near ln 2.
				if l := res.losses[rank][0]; l < 0.3 || l > 1.2 {
					t.Errorf("trainer %d: first epoch loss %.4f, want about ln 2", rank, l)
				}
				for e, b := range res.batches[rank] {
					if b != wantBatches {
						t.Errorf("trainer %d epoch %d: %d batches, want %d", rank, e, b, wantBatches)
					}
				}
				if want := int64(tc.cfg.epochs * perShard); res.shardRows[rank] != want {
					t.Errorf("trainer %d: %d rows, want %d", rank, res.shardRows[rank], want)
				}
				// Averaged gradients keep every replica identical.
				if !slices.Equal(res.models[rank].w, res.models[0].w) || res.models[rank].b != res.models[0].b {
					t.Errorf("trainer %d's model differs from trainer 0's", rank)
				}
			}
			if want := int64(tc.cfg.epochs * (cancerRows % n)); res.dropped != want {
				t.Errorf("dropped %d rows, want %d", res.dropped, want)
			}
			if res.rows != cancerRows || len(res.features) != 30 {
				t.Errorf("%d rows and %d features, want %d and 30", res.rows, len(res.features), cancerRows)
			}
			if res.accuracy < 0.85 {
				t.Errorf("accuracy %.3f, want at least 0.85", res.accuracy)
			}

			var out bytes.Buffer
			report(&out, tc.cfg, res)
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if want := 2 + tc.cfg.epochs*n + 2; len(lines) != want {
				t.Fatalf("%d lines printed, want %d:\n%s", len(lines), want, out.String())
			}
			if want := fmt.Sprintf("breast_cancer.csv: %d rows, 30 features + target, standardized from a first pass", cancerRows); lines[0] != want {
				t.Errorf("line 0: %q, want %q", lines[0], want)
			}
			for e := range tc.cfg.epochs {
				for rank := range n {
					want := fmt.Sprintf("epoch %d trainer %d: loss %.4f (%d batches)", e, rank, res.losses[rank][e], wantBatches)
					if got := lines[2+e*n+rank]; got != want {
						t.Errorf("printed %q, want %q", got, want)
					}
				}
			}
			if want := fmt.Sprintf("accuracy of the trained model on all %d rows: %.1f%%", cancerRows, 100*res.accuracy); lines[len(lines)-1] != want {
				t.Errorf("last line %q, want %q", lines[len(lines)-1], want)
			}
		})
	}
}

// TestTrainDeterministic runs the example twice with one seed: same shuffles, same split, same
// losses to the last bit. A different seed changes them.
func TestTrainDeterministic(t *testing.T) {
	defer goleak.VerifyNone(t)
	cfg := config{path: cancerPath(), trainers: 2, epochs: 2, batchSize: 128, lr: 0.1, seed: 42}
	print := func(cfg config) string {
		res, err := train(context.Background(), checkedContext(t), cfg)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		report(&out, cfg, res)
		return out.String() + fmt.Sprint(res.losses, res.models[0].w)
	}
	first := print(cfg)
	if again := print(cfg); again != first {
		t.Errorf("two runs with seed 42 differ:\n%s\n%s", first, again)
	}
	cfg.seed = 43
	if other := print(cfg); other == first {
		t.Errorf("seeds 42 and 43 gave the same run")
	}
}

// TestLossAndGrad checks the analytic gradient against central differences of the loss.
func TestLossAndGrad(t *testing.T) {
	for _, tc := range []struct {
		name string
		x    []float32
		y    []float32
		k    int
	}{
		{"one row", []float32{0.5, -1, 2}, []float32{1}, 3},
		{"three rows", []float32{1, 0, -0.5, 2, 0.3, -1}, []float32{0, 1, 1}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newModel(tc.k, 3)
			x := tensor.New(tc.x, len(tc.y), tc.k)
			grad := make([]float64, tc.k+1)
			m.lossAndGrad(x, tc.y, grad)
			const h = 1e-6
			scratch := make([]float64, tc.k+1)
			for j := range tc.k + 1 {
				param := &m.b
				if j < tc.k {
					param = &m.w[j]
				}
				orig := *param
				*param = orig + h
				up := m.lossAndGrad(x, tc.y, scratch)
				*param = orig - h
				down := m.lossAndGrad(x, tc.y, scratch)
				*param = orig
				if num := (up - down) / (2 * h); math.Abs(num-grad[j]) > 1e-6 {
					t.Errorf("d loss / d param %d: analytic %.8f, numeric %.8f", j, grad[j], num)
				}
			}
		})
	}
}

func TestAllReduce(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name    string
		grads   [][]float64
		want    []float64
		wantErr string
	}{
		{"average", [][]float64{{1, 2}, {3, 6}}, []float64{2, 4}, ""},
		{"end of epoch together", [][]float64{nil, nil}, nil, ""},
		{"uneven batch counts", [][]float64{{1, 2}, nil}, nil, "different numbers of batches"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &allReduce{n: len(tc.grads)}
			got := make([][]float64, len(tc.grads))
			errs := make([]error, len(tc.grads))
			var wg sync.WaitGroup
			for rank, g := range tc.grads {
				wg.Go(func() { got[rank], errs[rank] = a.average(context.Background(), rank, g) })
			}
			wg.Wait()
			for rank := range tc.grads {
				if tc.wantErr != "" {
					if errs[rank] == nil || !strings.Contains(errs[rank].Error(), tc.wantErr) {
						t.Errorf("trainer %d: error %v, want %q", rank, errs[rank], tc.wantErr)
					}
					continue
				}
				if errs[rank] != nil || !slices.Equal(got[rank], tc.want) {
					t.Errorf("trainer %d: %v, %v; want %v", rank, got[rank], errs[rank], tc.want)
				}
			}
		})
	}
	t.Run("cancelled while waiting", func(t *testing.T) {
		a := &allReduce{n: 2}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := a.average(ctx, 0, []float64{1}); err != context.Canceled {
			t.Fatalf("error %v, want context.Canceled", err)
		}
	})
}

func TestTrainBadInput(t *testing.T) {
	defer goleak.VerifyNone(t)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := config{trainers: 2, epochs: 2, batchSize: 128, lr: 0.1, seed: 1, path: cancerPath()}
	for _, tc := range []struct {
		name string
		edit func(*config)
		want string
	}{
		{"no trainers", func(c *config) { c.trainers = 0 }, "-trainers 0"},
		{"no epochs", func(c *config) { c.epochs = 0 }, "-epochs 0"},
		{"batch size 0", func(c *config) { c.batchSize = 0 }, "-batch 0"},
		{"negative rate", func(c *config) { c.lr = -1 }, "-lr -1"},
		{"NaN rate", func(c *config) { c.lr = math.NaN() }, "-lr NaN"},
		{"missing file", func(c *config) { c.path = filepath.Join(dir, "nope.csv") }, "nope.csv"},
		{"no target column", func(c *config) { c.path = write("notarget.csv", "a,b\n1,2\n3,4\n") }, `"target"`},
		{"target not 0 or 1", func(c *config) { c.path = write("three.csv", "a,target\n1,0\n2,3\n") }, "want 0 or 1"},
		{"text feature", func(c *config) { c.path = write("text.csv", "a,target\nx,0\ny,1\n") }, `column "a" is string`},
		{"more trainers than rows", func(c *config) { c.path = write("tiny.csv", "a,target\n1,0\n"); c.trainers = 2 }, "no rows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.edit(&cfg)
			_, err := train(context.Background(), checkedContext(t), cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
