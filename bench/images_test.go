package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/transform/vision"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// The real-photo corpora that bench/corpus/build.sh writes (git-ignored). The directories
// can be moved with SLUICE_IMAGENET_DIR and SLUICE_LARGE_DIR.
const (
	imagenetCorpusDir = "data/images/imagenet"
	largeCorpusDir    = "data/images/large"
	buildCorpusHint   = "build it from the repository root with: sh bench/corpus/build.sh"
)

// BenchmarkReadImages224 reads the ImageNet-like corpus (1000 JPEGs about 500x375, q90) with
// data.ReadImages(ImageSize(224, 224)): decode, antialiased bilinear resize and the fixed-shape
// tensor column, on all cores. It reports images/s, images/s per core and images per CPU
// second (the process's user+system time, which stays honest on a machine shared with other
// work), and, when python3 with Pillow and numpy is present, the PIL loop pinned to one core on
// the same files in the same run, and the ratios x-PIL and x-PIL-draft: sluice's images per CPU
// second over PIL's, without and with Image.draft. Run it as
//
//	go test ./bench -run '^$' -bench 'ReadImages224$' -benchtime 2x [-tags libjpeg]
func BenchmarkReadImages224(b *testing.B) {
	benchReadImages224(b, corpusDir("SLUICE_IMAGENET_DIR", imagenetCorpusDir))
}

// BenchmarkReadImages224Large is BenchmarkReadImages224 on the large-photo corpus (40 JPEGs
// about 4000x3000, q90), where libjpeg's DCT-scaled decode skips most of the work.
func BenchmarkReadImages224Large(b *testing.B) {
	benchReadImages224(b, corpusDir("SLUICE_LARGE_DIR", largeCorpusDir))
}

// BenchmarkReadImages224Progressive is BenchmarkReadImages224 on progressive copies of
// the first 200 ImageNet-like photos (web crawls are full of progressive JPEGs), which
// progressiveCorpus makes once with PIL (same quality and subsampling) under bench/data.
func BenchmarkReadImages224Progressive(b *testing.B) {
	benchReadImages224(b, progressiveCorpus(b, corpusDir("SLUICE_IMAGENET_DIR", imagenetCorpusDir), 200))
}

// BenchmarkReadImages224LargeProgressive is BenchmarkReadImages224Large on progressive
// copies of the first 16 large photos: at 1/8 the decoder skips the AC scans' data.
func BenchmarkReadImages224LargeProgressive(b *testing.B) {
	benchReadImages224(b, progressiveCorpus(b, corpusDir("SLUICE_LARGE_DIR", largeCorpusDir), 16))
}

// progressiveCorpus returns dir+"-progressive", holding progressive re-encodings (PIL,
// quality 90, 4:2:0) of the first limit JPEGs of dir, made on first use; it skips the
// benchmark when dir is missing or python3 lacks Pillow.
func progressiveCorpus(b *testing.B, dir string, limit int) string {
	b.Helper()
	out := dir + "-progressive"
	if n, err := countJPEGs(out); err == nil && n == limit {
		return out
	}
	names, err := filepath.Glob(filepath.Join(dir, "*.jpg"))
	if err != nil || len(names) < limit {
		b.Skipf("no image corpus at bench/%s (%v); %s", dir, err, buildCorpusHint)
	}
	sort.Strings(names)
	if err := os.MkdirAll(out, 0o755); err != nil {
		b.Fatal(err)
	}
	const script = `import os, sys
from PIL import Image
out = sys.argv[1]
for p in sys.argv[2:]:
    Image.open(p).save(os.path.join(out, os.path.basename(p)), quality=90, subsampling=2, progressive=True)
`
	cmd := exec.Command("python3", append([]string{"-c", script, out}, names[:limit]...)...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Skipf("making progressive copies needs python3 with Pillow: %v: %s", err, msg)
	}
	return out
}

func corpusDir(env, def string) string {
	if d := os.Getenv(env); d != "" {
		return d
	}
	return def
}

func benchReadImages224(b *testing.B, dir string) {
	n, err := countJPEGs(dir)
	if err != nil || n == 0 {
		b.Skipf("no image corpus at bench/%s (%v); %s", dir, err, buildCorpusHint)
	}
	// The baselines run first, outside the timed loop, on the same files.
	peer, peerErr := pilPeer(dir)
	if peerErr != nil {
		b.Logf("no PIL baseline: %v", peerErr)
	}
	loop, err := plainLoop(dir)
	if err != nil {
		b.Fatal(err)
	}
	mem := memcheck.New(memory.NewGoAllocator())
	cores := runtime.GOMAXPROCS(0)
	dc := &data.Context{CPUs: cores, Allocator: mem, NoProgress: true}
	ctx := context.Background()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		got, err := readAll224(ctx, dc, dir)
		if err != nil {
			b.Fatal(err)
		}
		if got != n {
			b.Fatalf("read %d images from %s, want %d", got, dir, n)
		}
	}
	cpu := cpuTime() - cpu0
	images := float64(n) * float64(b.N)
	perSec := images / b.Elapsed().Seconds()
	perCore := perSec / float64(cores)
	perCPU := images / cpu.Seconds()
	b.ReportMetric(perSec, "images/s")
	b.ReportMetric(perCore, "images/s/core")
	b.ReportMetric(perCPU, "images/cpu-s")
	b.Logf("%s: %d images, jpeg decoder %s, %d cores: %.0f images/s, %.0f per core, %.0f per CPU second",
		dir, n, vision.JPEGDecoder(), cores, perSec, perCore, perCPU)
	b.ReportMetric(loop, "loop-images/cpu-s")
	b.Logf("plain Go loop on one goroutine (vision.DecodeBytes to 224x224): %.0f images per CPU second; ReadImages keeps %.0f%% of it",
		loop, 100*perCPU/loop)
	if peerErr == nil {
		b.ReportMetric(peer.PILCPU, "PIL-images/cpu-s")
		b.ReportMetric(peer.PILDraftCPU, "PIL-draft-images/cpu-s")
		b.ReportMetric(perCPU/peer.PILCPU, "x-PIL")
		b.ReportMetric(perCPU/peer.PILDraftCPU, "x-PIL-draft")
		b.Logf("PIL %s (numpy %s) on one core: %.0f images/s (%.0f per CPU second), draft %.0f (%.0f); sluice per CPU second: %.2fx PIL, %.2fx PIL with draft",
			peer.Pillow, peer.Numpy, peer.PIL, peer.PILCPU, peer.PILDraft, peer.PILDraftCPU, perCPU/peer.PILCPU, perCPU/peer.PILDraftCPU)
	}
	if a := mem.CurrentAlloc(); a != 0 {
		b.Errorf("%d bytes of Arrow memory left after the runs", a)
	}
}

// readAll224 iterates every image of dir at 224x224 RGB and returns how many it saw, checking
// the column's shape on the way.
func readAll224(ctx context.Context, dc *data.Context, dir string) (int, error) {
	ds := data.ReadImages(dir, data.ImageSize(224, 224), data.ImageMode("RGB")).WithContext(dc)
	n := 0
	for batch, err := range ds.IterBatches(ctx) {
		if err != nil {
			return n, err
		}
		img, err := batch.Tensor("image")
		if err != nil {
			return n, err
		}
		if shape := img.Shape; len(shape) != 4 || shape[1] != 224 || shape[2] != 224 || shape[3] != 3 {
			return n, fmt.Errorf("image column of shape %v, want [N 224 224 3]", shape)
		}
		n += batch.NumRows()
	}
	return n, nil
}

// plainLoops caches plainLoop's figure per directory.
var plainLoops sync.Map // dir -> float64

// plainLoop decodes and resizes every JPEG of dir to 224x224 RGB with vision.DecodeBytes in
// one goroutine, into one reused buffer, and returns images per CPU second: the floor that
// ReadImages' per-core figure is measured against (what the engine costs on top).
func plainLoop(dir string) (float64, error) {
	if v, ok := plainLoops.Load(dir); ok {
		return v.(float64), nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var files [][]byte
	for _, e := range entries {
		if ext := strings.ToLower(filepath.Ext(e.Name())); ext == ".jpg" || ext == ".jpeg" {
			raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				return 0, err
			}
			files = append(files, raw)
		}
	}
	dst := make([]uint8, 224*224*3)
	start := cpuTime()
	for i, raw := range files {
		img, err := vision.DecodeBytes(raw, vision.DecodeOptions{Mode: vision.ModeRGB, H: 224, W: 224, Dst: dst})
		if err != nil {
			return 0, fmt.Errorf("%s file %d: %w", dir, i, err)
		}
		if img.H != 224 || img.W != 224 || img.C != 3 {
			return 0, fmt.Errorf("%s file %d: decoded %dx%dx%d", dir, i, img.H, img.W, img.C)
		}
	}
	perCPU := float64(len(files)) / (cpuTime() - start).Seconds()
	plainLoops.Store(dir, perCPU)
	return perCPU, nil
}

// countJPEGs counts the .jpg and .jpeg files directly in dir.
func countJPEGs(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if ext := strings.ToLower(filepath.Ext(e.Name())); e.Type().IsRegular() && (ext == ".jpg" || ext == ".jpeg") {
			n++
		}
	}
	return n, nil
}

// pilResult is what bench/peers/pil_images.py prints: images per second on one core.
type pilResult struct {
	Images   int     `json:"images"`
	PIL      float64 `json:"pil"`
	PILDraft float64 `json:"pil_draft"`
	// Per CPU second (process time).
	PILCPU      float64 `json:"pil_cpu"`
	PILDraftCPU float64 `json:"pil_draft_cpu"`
	Pillow      string  `json:"pillow"`
	Numpy       string  `json:"numpy"`
}

// pilPeers caches the PIL figures per directory: a benchmark function runs several times
// (once per b.N tried) and the peer need run only once per process.
var pilPeers sync.Map // dir -> pilOutcome

type pilOutcome struct {
	res pilResult
	err error
}

// pilPeer runs the PIL loop on dir once per process with the peer venv's python
// (bench/peers/.venv, from bench/peers/install.sh) or python3, or $SLUICE_PYTHON.
func pilPeer(dir string) (pilResult, error) {
	if v, ok := pilPeers.Load(dir); ok {
		o := v.(pilOutcome)
		return o.res, o.err
	}
	res, err := runPILPeer(dir)
	pilPeers.Store(dir, pilOutcome{res, err})
	return res, err
}

func runPILPeer(dir string) (pilResult, error) {
	py := os.Getenv("SLUICE_PYTHON")
	if py == "" {
		py = "python3"
		if _, err := os.Stat("peers/.venv/bin/python"); err == nil {
			py = "peers/.venv/bin/python"
		}
	}
	cmd := exec.Command(py, "peers/pil_images.py", dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return pilResult{}, fmt.Errorf("%s peers/pil_images.py %s: %w: %s", py, dir, err, strings.TrimSpace(stderr.String()))
	}
	return parsePILResult(stdout.Bytes())
}

// parsePILResult decodes the peer's JSON line and checks that it measured something.
func parsePILResult(out []byte) (pilResult, error) {
	var res pilResult
	if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil {
		return pilResult{}, fmt.Errorf("pil_images.py output %q: %w", out, err)
	}
	if res.Images < 1 || !(res.PIL > 0) || !(res.PILDraft > 0) || !(res.PILCPU > 0) || !(res.PILDraftCPU > 0) {
		return pilResult{}, errors.New("pil_images.py measured nothing: " + string(bytes.TrimSpace(out)))
	}
	return res, nil
}

func TestReadAll224(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, tc := range []struct {
		name    string
		dir     string
		want    int
		wantErr string
	}{
		{"bundled photos", "../testdata/images", 8, ""},
		{"no images", t.TempDir(), 0, "no files found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := countJPEGs(tc.dir)
			if err != nil || n != tc.want {
				t.Fatalf("countJPEGs(%s) = %d, %v; want %d", tc.dir, n, err, tc.want)
			}
			got, err := readAll224(context.Background(), &data.Context{CPUs: 2, Allocator: mem, NoProgress: true}, tc.dir)
			if got != tc.want || (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("readAll224(%s) = %d, %v; want %d and error %q", tc.dir, got, err, tc.want, tc.wantErr)
			}
		})
	}
	if _, err := countJPEGs("no/such/dir"); err == nil {
		t.Error("countJPEGs on a missing directory: no error")
	}
}

func TestParsePILResult(t *testing.T) {
	for _, tc := range []struct {
		name, out string
		want      pilResult
		wantErr   bool
	}{
		{"both modes", `{"images": 8, "pil": 226.5, "pil_draft": 408.9, "pil_cpu": 230, "pil_draft_cpu": 410, "pillow": "13.0.0", "numpy": "2.4.6"}` + "\n",
			pilResult{Images: 8, PIL: 226.5, PILDraft: 408.9, PILCPU: 230, PILDraftCPU: 410, Pillow: "13.0.0", Numpy: "2.4.6"}, false},
		{"not json", "Traceback (most recent call last):", pilResult{}, true},
		{"no images", `{"images": 0, "pil": 1, "pil_draft": 1, "pil_cpu": 1, "pil_draft_cpu": 1}`, pilResult{}, true},
		{"zero rate", `{"images": 3, "pil": 0, "pil_draft": 1, "pil_cpu": 1, "pil_draft_cpu": 1}`, pilResult{}, true},
		{"no CPU figures", `{"images": 3, "pil": 1, "pil_draft": 1}`, pilResult{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parsePILResult([]byte(tc.out))
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("got %+v, %v; want %+v, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}
