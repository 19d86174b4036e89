package main

import (
	"bytes"
	"context"
	"errors"
	"github.com/sluicedata/sluice/examples/internal/testphotos"
	goimage "image"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/sluicedata/sluice/examples/images/transformimage"
	"github.com/sluicedata/sluice/exec"
)

func TestRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	const cropBytes = 320 * 240 * 3
	for _, tc := range []struct {
		name          string
		dir           string
		copies        int
		maxBytes      int64
		want          int
		before, after transformimage.Size
	}{
		{"two testphotos.Bundled photos", testphotos.Dir(t, 2, 0, 0), 1, 0, 2, transformimage.Size{W: 640, H: 400}, transformimage.Size{W: 64, H: 40}},
		{"crops of three, twice", testphotos.Dir(t, 3, 320, 240), 2, 0, 6, transformimage.Size{W: 320, H: 240}, transformimage.Size{W: 64, H: 48}},
		{"store spills", testphotos.Dir(t, 4, 320, 240), 1, 2 * cropBytes, 4, transformimage.Size{W: 320, H: 240}, transformimage.Size{W: 64, H: 48}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "charts")
			var stdout bytes.Buffer
			var spills []string
			logf := func(format string, args ...any) { spills = append(spills, format) }
			res, err := run(context.Background(), config{dir: tc.dir, copies: tc.copies, seed: 5, out: out,
				cpus: 2, maxBytes: tc.maxBytes, logf: logf}, &stdout)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.serial) != tc.want || len(res.parallel) != tc.want || len(res.names) != tc.want {
				t.Fatalf("%d names, %d serial and %d parallel results; want %d", len(res.names), len(res.serial), len(res.parallel), tc.want)
			}
			for i, r := range res.serial {
				if r.Before != tc.before || r.After != tc.after {
					t.Errorf("%s: %v -> %v, want %v -> %v", res.names[i], r.Before, r.After, tc.before, tc.after)
				}
				if r != res.parallel[i] || r.MulSum <= 0 || r.Pow3Sum != r.Pow3SumT {
					t.Errorf("%s: serial %+v, parallel %+v", res.names[i], r, res.parallel[i])
				}
			}
			if (tc.maxBytes > 0) != (len(spills) > 0) {
				t.Errorf("store of %d bytes logged %d spill lines", tc.maxBytes, len(spills))
			}
			n := strconv.Itoa(tc.want)
			for _, want := range []string{
				n + " images in the object store",
				"Serial transformations of " + n + " images: ",
				"Distributed transformations of " + n + " images: ",
				"thumbnail shape:" + tc.after.String(),
				"Speed-up: ",
				"Both runs agree on all " + n + " images",
				"Wrote " + res.chartPath,
			} {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, stdout.String())
				}
			}
			f, err := os.Open(filepath.Join(out, "serial-vs-parallel.png"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if img, err := png.Decode(f); err != nil || img.Bounds().Empty() {
				t.Errorf("chart: %v", err)
			}
		})
	}
}

func TestRunBadInput(t *testing.T) {
	defer goleak.VerifyNone(t)
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	small := t.TempDir()
	f, err := os.Create(filepath.Join(small, "tiny.png"))
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, goimage.NewRGBA(goimage.Rect(0, 0, 100, 80))); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "text.jpg"), []byte("not a jpeg"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		cfg    config
		want   string
		wantIs error
	}{
		{"no copies", config{dir: testphotos.Bundled, copies: 0}, "sluice: imageproc: -copies 0: ", nil},
		{"missing dir", config{dir: "no/such/dir", copies: 1}, "sluice: imageproc: -dir no/such/dir: ", nil},
		{"out under a file", config{dir: testphotos.Bundled, copies: 1, out: filepath.Join(file, "dir")}, "sluice: imageproc: -out " + filepath.Join(file, "dir") + ": ", nil},
		{"not an image", config{dir: bad, copies: 1}, "sluice: imageproc: " + filepath.Join(bad, "text.jpg") + ": ", nil},
		{"smaller than a crop", config{dir: small, copies: 1}, "sluice: imageproc: transform_image " + filepath.Join(small, "tiny.png") + ": ", nil},
		{"photo larger than the store", config{dir: testphotos.Bundled, copies: 1, maxBytes: 1000}, "sluice: imageproc: put " + filepath.Join(testphotos.Bundled, "autumn.jpg") + ": ", exec.ErrObjectTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.cfg.out == "" {
				tc.cfg.out = t.TempDir()
			}
			var stdout bytes.Buffer
			_, err := run(context.Background(), tc.cfg, &stdout)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("got %v, want an error starting %q", err, tc.want)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("got %v, want one wrapping %v", err, tc.wantIs)
			}
		})
	}
}
