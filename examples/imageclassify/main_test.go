package main

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/onnx"
	"github.com/sluicedata/sluice/examples/internal/mlp"
	"github.com/sluicedata/sluice/internal/memcheck"
	"github.com/sluicedata/sluice/tensor"
	"go.uber.org/goleak"
)

// directScores runs the classifier on the images in dir without the actor pool: the same
// read and normalize, one session, one image at a time. It returns path -> top-1 score.
func directScores(t *testing.T, dc *data.Context, dir string) map[string]float32 {
	t.Helper()
	model, err := mlp.ModelPath("tiny_cnn.onnx")
	if err != nil {
		t.Fatal(err)
	}
	s, err := onnx.Open(model, onnx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	scores := map[string]float32{}
	ds := data.ReadImages(dir, data.ImageSize(size, size), data.IncludePaths()).WithContext(dc).MapBatches(normalize)
	for b, err := range ds.IterBatches(context.Background(), data.BatchSize(1)) {
		if err != nil {
			t.Fatal(err)
		}
		paths, err := b.Strings("path")
		if err != nil {
			t.Fatal(err)
		}
		img, err := data.TensorView[float32](b, "image")
		if err != nil {
			t.Fatal(err)
		}
		outs, err := s.Run(context.Background(), img)
		if err != nil {
			t.Fatal(err)
		}
		scores[paths[0]] = slices.Max(outs[0].Data)
	}
	return scores
}

func TestRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	images := t.TempDir()
	if err := writeImages(images, 5); err != nil {
		t.Fatal(err)
	}
	corrupt := t.TempDir()
	if err := writeImages(corrupt, 2); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(corrupt, "broken.jpg")
	if err := os.WriteFile(bad, []byte("not a jpeg"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		dir     string
		actors  int
		batch   int
		wantErr string
	}{
		{"two actors, batches of 2", images, 2, 2, ""},
		{"one actor, one batch", images, 1, 16, ""},
		{"corrupt image", corrupt, 2, 2, bad},
		{"missing directory", filepath.Join(images, "nope"), 2, 2, "nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			dc := &data.Context{Allocator: mem, NoProgress: true}
			out := filepath.Join(t.TempDir(), "predictions")
			var text bytes.Buffer
			files, err := run(context.Background(), &text, dc, config{dir: tc.dir, out: out, actors: tc.actors, batch: tc.batch})
			if !onnx.Available() {
				if !errors.Is(err, onnx.ErrNotBuilt) {
					t.Fatalf("run error = %v, want ErrNotBuilt without the onnx tag", err)
				}
				return
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("run error = %v, want one containing %q", err, tc.wantErr)
				}
				if left, _ := filepath.Glob(filepath.Join(out, "*.parquet")); len(left) != 0 {
					t.Errorf("a failed run left %v", left)
				}
				return
			}
			if err != nil {
				t.Fatalf("run: %v\n%s", err, text.String())
			}
			for _, want := range []string{"wrote " + out, "first predictions", "MapBatches(tiny_cnn)", "Actors: "} {
				if !strings.Contains(text.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, text.String())
				}
			}
			rows, err := data.ReadParquet(files).WithContext(dc).TakeAll(context.Background(), 0)
			if err != nil {
				t.Fatal(err)
			}
			want := directScores(t, dc, tc.dir)
			if len(rows) != len(want) || len(rows) != 5 {
				t.Fatalf("%d rows written, %d images classified directly, want 5", len(rows), len(want))
			}
			for _, r := range rows {
				path, _ := r["path"].(string)
				class, _ := r["class"].(int32)
				score, _ := r["score"].(float32)
				if class < 0 || class >= 10 || score < 0.1 || score > 1 {
					t.Errorf("%s: class %d score %v, want a class in [0, 10) and a top-1 score in [0.1, 1]", path, class, score)
				}
				w, ok := want[path]
				if !ok {
					t.Errorf("row for %q, which is not an input image", path)
				} else if math.Abs(float64(w-score)) > 1e-5 {
					t.Errorf("%s: pipeline score %v, direct run %v", path, score, w)
				}
			}
		})
	}
}

// TestTop1 checks the arg-max on hand-made probabilities, inside a MapBatches call as the
// pipeline runs it (the engine owns the batches top1 derives).
func TestTop1(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name    string
		probs   tensor.View[float32]
		class   []int32
		score   []float32
		wantErr string
	}{
		{"two rows", tensor.New([]float32{0.1, 0.7, 0.2, 0.5, 0.25, 0.25}, 2, 3), []int32{1, 0}, []float32{0.7, 0.5}, ""},
		{"ties keep the first", tensor.New([]float32{0.5, 0.5}, 1, 2), []int32{0}, []float32{0.5}, ""},
		{"one probability per row", tensor.New([]float32{0.3, 0.7}, 2), nil, nil, "probs of shape [2], want [N, classes]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			ds := data.FromNumpy(tc.probs.Tensor()).WithContext(&data.Context{Allocator: mem, NoProgress: true}).
				MapBatches(func(ctx context.Context, b *data.Batch) (*data.Batch, error) {
					col, err := b.Column("data")
					if err != nil {
						return nil, err
					}
					if b, err = b.With("probs", col); err != nil {
						return nil, err
					}
					if b, err = b.With("path", make([]string, b.NumRows())); err != nil {
						return nil, err
					}
					return top1(ctx, b)
				})
			rows, err := ds.TakeAll(context.Background(), 0)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("top1 error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(tc.class) {
				t.Fatalf("%d rows, want %d", len(rows), len(tc.class))
			}
			for i, r := range rows {
				if len(r) != 3 || r["class"] != tc.class[i] || r["score"] != tc.score[i] {
					t.Errorf("row %d = %v, want class %d score %v and a path", i, r, tc.class[i], tc.score[i])
				}
			}
		})
	}
}
