package main

import (
	"bytes"
	"context"
	"github.com/sluicedata/sluice/examples/internal/testphotos"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/examples/images/transformimage"
	"github.com/sluicedata/sluice/internal/memcheck"
)

func TestRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, tc := range []struct {
		name          string
		dir           string
		copies        int
		want          int
		before, after transformimage.Size
	}{
		{"two testphotos.Bundled photos", testphotos.Dir(t, 2, 0, 0), 1, 2, transformimage.Size{W: 640, H: 400}, transformimage.Size{W: 64, H: 40}},
		{"crops of three, once", testphotos.Dir(t, 3, 320, 240), 1, 3, transformimage.Size{W: 320, H: 240}, transformimage.Size{W: 64, H: 48}},
		{"crops of three, twice", testphotos.Dir(t, 3, 320, 240), 2, 6, transformimage.Size{W: 320, H: 240}, transformimage.Size{W: 64, H: 48}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			dc := &data.Context{CPUs: 2, Allocator: mem, NoProgress: true}
			res, err := run(context.Background(), config{dir: tc.dir, copies: tc.copies, seed: 3, dc: dc}, &out)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.serial) != tc.want || len(res.parallel) != tc.want || len(res.paths) != tc.want {
				t.Fatalf("%d paths, %d serial and %d sluice results; want %d", len(res.paths), len(res.serial), len(res.parallel), tc.want)
			}
			for i, r := range res.serial {
				if r.Before != tc.before || r.After != tc.after {
					t.Errorf("%s: %v -> %v, want %v -> %v", res.paths[i], r.Before, r.After, tc.before, tc.after)
				}
				if p := res.parallel[i]; p.Before != r.Before || p.After != r.After || p.Pow3Sum != r.Pow3Sum || r.MulSum <= 0 {
					t.Errorf("%s: serial %+v, sluice %+v", res.paths[i], r, p)
				}
			}
			if res.serialTime <= 0 || res.parallelTime <= 0 || res.speedup() <= 0 {
				t.Errorf("times %v and %v", res.serialTime, res.parallelTime)
			}
			for _, want := range []string{
				"Serial transformations of " + strconv.Itoa(tc.want) + " images: ",
				"sluice transformations of " + strconv.Itoa(tc.want) + " images: ",
				"thumbnail shape:" + tc.after.String(),
				"Speed-up: ",
				"Both runs agree on all " + strconv.Itoa(tc.want) + " images",
			} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}

func TestRunBadInput(t *testing.T) {
	defer goleak.VerifyNone(t)
	empty := t.TempDir()
	small := t.TempDir()
	f, err := os.Create(filepath.Join(small, "tiny.png"))
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, image.NewRGBA(image.Rect(0, 0, 100, 80))); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  config
		want string
	}{
		{"no copies", config{dir: testphotos.Bundled, copies: 0}, "sluice: images: -copies 0: "},
		{"missing dir", config{dir: "no/such/dir", copies: 1}, "sluice: images: -dir no/such/dir: "},
		{"no images", config{dir: empty, copies: 1}, "sluice: images: -dir " + empty + ": no .jpg"},
		{"smaller than a crop", config{dir: small, copies: 1}, "sluice: images: transform_image " + filepath.Join(small, "tiny.png") + ": "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			tc.cfg.dc = &data.Context{NoProgress: true}
			_, err := run(context.Background(), tc.cfg, &out)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("got %v, want an error starting %q", err, tc.want)
			}
		})
	}
}
