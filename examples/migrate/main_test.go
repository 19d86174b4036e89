package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/internal/memcheck"
	"github.com/sluicedata/sluice/tensor"
	"go.uber.org/goleak"
)

var batchLine = regexp.MustCompile(`^batch (\d+): image \[(\d+) 3 128 128\] label \[(\d+)\] \[([a-z ]+)\] red \[([-+0-9. ]+)\]$`)

func TestRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name   string
		counts map[string]int
		opts   options
	}{
		{"cats and dogs, batch 4", map[string]int{"cat": 5, "dog": 6}, options{workers: 2, batch: 4, seed: 1}},
		{"batch 3, one worker", map[string]int{"cat": 4, "dog": 3}, options{workers: 1, batch: 3, seed: 9}},
		{"exact batches", map[string]int{"cat": 2, "dog": 2}, options{workers: 2, batch: 2, seed: 5}},
		{"batch larger than the data", map[string]int{"cat": 1, "dog": 1}, options{workers: 2, batch: 4, seed: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			dir := t.TempDir()
			if err := writeImages(dir, tc.counts); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := run(context.Background(), &out, &data.Context{Allocator: mem, NoProgress: true}, dir, tc.opts); err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			got := out.String()
			total := tc.counts["cat"] + tc.counts["dog"]
			wantBatches := total / tc.opts.batch

			for _, want := range []string{
				"classes from file names: [cat dog]\n",
				"\nReadImages + Map(extractLabel) + Map(transformImage):\n" +
					"Column             Type\n" +
					"------             ----\n" +
					"path               string\n" +
					"label              int64\n" +
					"transformed_image  tensor(shape=(3, 128, 128), dtype=float32)\n",
				fmt.Sprintf("\n%d batches of %d from %d images (DropLast left out %d)\n", wantBatches, tc.opts.batch, total, total%tc.opts.batch),
				fmt.Sprintf("sampler -> Filter(label == cat): %d rows\n", tc.counts["cat"]),
				"\nfrom_torch -> FromItems (10 rows held in memory):\n" +
					"Column  Type\n" +
					"------  ----\n" +
					"image   tensor(shape=(8, 8), dtype=uint8)\n" +
					"label   int64\n",
			} {
				if !strings.Contains(got, want) {
					t.Errorf("output lacks %q:\n%s", want, got)
				}
			}

			// Every batch is full (DropLast), and each label came with its own pixels: cats are
			// solid red (+1 after Normalize), dogs have no red (-1).
			seen := map[string]int{}
			batches := 0
			for _, line := range strings.Split(got, "\n") {
				if !strings.HasPrefix(line, "batch ") {
					continue
				}
				m := batchLine.FindStringSubmatch(line)
				if m == nil {
					t.Fatalf("batch line %q does not parse", line)
				}
				if m[1] != fmt.Sprint(batches) || m[2] != fmt.Sprint(tc.opts.batch) || m[3] != fmt.Sprint(tc.opts.batch) {
					t.Errorf("batch line %q: want batch %d of %d rows", line, batches, tc.opts.batch)
				}
				names, reds := strings.Fields(m[4]), strings.Fields(m[5])
				if len(names) != tc.opts.batch || len(reds) != tc.opts.batch {
					t.Fatalf("batch line %q: %d labels and %d reds", line, len(names), len(reds))
				}
				for i, name := range names {
					want := map[string]string{"cat": "+1.00", "dog": "-1.00"}[name]
					if reds[i] != want {
						t.Errorf("batch %d row %d: %s with red %s, want %s", batches, i, name, reds[i], want)
					}
					seen[name]++
				}
				batches++
			}
			if batches != wantBatches {
				t.Errorf("%d batches, want %d", batches, wantBatches)
			}
			for label, n := range seen {
				if n > tc.counts[label] {
					t.Errorf("%d %s rows yielded, only %d exist", n, label, tc.counts[label])
				}
			}
		})
	}
}

// TestRunShuffles checks that the loader's order follows the seed: the same seed gives the
// same batches, and over several seeds the order changes.
func TestRunShuffles(t *testing.T) {
	defer goleak.VerifyNone(t)
	dir := t.TempDir()
	if err := writeImages(dir, map[string]int{"cat": 4, "dog": 4}); err != nil {
		t.Fatal(err)
	}
	batches := func(seed uint64) string {
		var out bytes.Buffer
		if err := run(context.Background(), &out, &data.Context{NoProgress: true}, dir, options{workers: 2, batch: 4, seed: seed}); err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(l, "batch ") {
				lines = append(lines, l)
			}
		}
		return strings.Join(lines, "\n")
	}
	first := batches(1)
	if again := batches(1); again != first {
		t.Errorf("seed 1 twice:\n%s\n%s", first, again)
	}
	differ := false
	for seed := uint64(2); seed < 6 && !differ; seed++ {
		differ = batches(seed) != first
	}
	if !differ {
		t.Errorf("seeds 1-5 all gave the order\n%s", first)
	}
}

func TestLabelOf(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/data/cat_001.png", "cat"},
		{"dog_2.jpeg", "dog"},
		{"s3/bucket/17.jpg", "17"}, // the seed's numeric file names
		{"_hidden.png", "_hidden"},
		{"a/b/tabby_cat_3.png", "tabby"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			if got := labelOf(tc.path); got != tc.want {
				t.Errorf("labelOf(%q) = %q, want %q", tc.path, got, tc.want)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	defer goleak.VerifyNone(t)
	t.Run("run", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			files map[string]string
			opts  options
			want  string
		}{
			{"no images", map[string]string{"notes.txt": "x"}, options{workers: 1, batch: 2}, "no image files"},
			{"broken image", map[string]string{"cat_0.png": "not a png"}, options{workers: 1, batch: 2}, "cat_0.png"},
			{"no workers", map[string]string{}, options{workers: 0, batch: 2}, "workers 0"},
			{"batch size 0", map[string]string{}, options{workers: 1, batch: 0}, "batch 0"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				mem := memcheck.New(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				dir := t.TempDir()
				for name, body := range tc.files {
					if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				err := run(context.Background(), &bytes.Buffer{}, &data.Context{Allocator: mem, NoProgress: true}, dir, tc.opts)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("error %v, want one containing %q", err, tc.want)
				}
			})
		}
	})
	t.Run("missing directory", func(t *testing.T) {
		if _, err := classesOf(filepath.Join(t.TempDir(), "gone")); err == nil || !strings.Contains(err.Error(), "gone") {
			t.Fatalf("error %v, want one naming the directory", err)
		}
	})
	t.Run("row functions", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			fn   func(context.Context, data.Row) (data.Row, error)
			row  data.Row
			want string
		}{
			{"no path", extractLabel([]string{"cat"}), data.Row{}, "IncludePaths"},
			{"unknown label", extractLabel([]string{"cat"}), data.Row{"path": "/x/dog_1.png"}, `label "dog" is not one of [cat]`},
			{"no image", transformImage, data.Row{}, `"image" is <nil>`},
			{"float image", transformImage, data.Row{"image": tensor.New([]float32{1, 2, 3}, 1, 1, 3).Tensor()}, "float32"},
			{"grayscale image", transformImage, data.Row{"image": tensor.New([]uint8{1, 2}, 1, 2, 1).Tensor()}, "want contiguous [H, W, 3]"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := tc.fn(context.Background(), tc.row); err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("error %v, want %q", err, tc.want)
				}
			})
		}
	})
}
