package vision

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/sluicedata/sluice/data/transform/vision/internal/jpegdec"
)

// jpegExpected is what scripts/conformance/jpeg_expected.py prints: per JPEG of Pillow's
// Tests/images, the mode, size and hashes of what PIL decodes, or the error it raises.
type jpegExpected struct {
	Pillow string                   `json:"pillow"`
	Files  map[string]jpegFileEntry `json:"files"`
}

type jpegFileEntry struct {
	Mode   string            `json:"mode"`
	Width  int               `json:"width"`
	Height int               `json:"height"`
	RGB    string            `json:"rgb"`
	L      string            `json:"l"`
	Scaled map[string]string `json:"scaled"`
	Error  string            `json:"error"`
}

// pillowImagesDir finds Pillow's test images: $SLUICE_PILLOW_IMAGES, the repository's
// vendored copy, or the shared corpora beside the repository.
func pillowImagesDir(t *testing.T) string {
	t.Helper()
	for _, d := range []string{os.Getenv("SLUICE_PILLOW_IMAGES"), "../../../testdata/conformance/images", "../../../../shared/corpora/pillow-images"} {
		if d == "" {
			continue
		}
		if m, _ := filepath.Glob(filepath.Join(d, "*.jpg")); len(m) > 0 {
			return d
		}
	}
	t.Skip("no Pillow test images: set SLUICE_PILLOW_IMAGES, or vendor them into testdata/conformance/images")
	return ""
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// TestJPEGConformance decodes every JPEG of Pillow's test images and compares the RGB
// pixels with PIL's (np.asarray(Image.open(f).convert("RGB")), hashed in
// testdata/jpeg_conformance.json by scripts/conformance/jpeg_expected.py), in this build's
// default path and the pure-Go one, and ModeL with PIL's convert("L"). Files PIL refuses
// must not crash sluice.
func TestJPEGConformance(t *testing.T) {
	dir := pillowImagesDir(t)
	raw, err := os.ReadFile("testdata/jpeg_conformance.json")
	if err != nil {
		t.Fatal(err)
	}
	var want jpegExpected
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(want.Files))
	for name := range want.Files {
		names = append(names, name)
	}
	sort.Strings(names)
	identical, refused := 0, 0
	for _, name := range names {
		e := want.Files[name]
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if e.Error != "" {
			refused++
			_, _ = DecodeBytes(data, DecodeOptions{Mode: ModeRGB, PureGo: true}) // must not panic
			continue
		}
		ok := true
		for _, pureGo := range []bool{false, true} {
			img, err := DecodeBytes(data, DecodeOptions{Mode: ModeRGB, PureGo: pureGo})
			if err != nil {
				t.Errorf("%s (pure Go %v): %v", name, pureGo, err)
				ok = false
				continue
			}
			if img.W != e.Width || img.H != e.Height || sha256Hex(img.Pix) != e.RGB {
				t.Errorf("%s (pure Go %v): %dx%d RGB differs from PIL's %dx%d", name, pureGo, img.W, img.H, e.Width, e.Height)
				ok = false
			}
			l, err := DecodeBytes(data, DecodeOptions{Mode: ModeL, PureGo: pureGo})
			if err != nil || sha256Hex(l.Pix) != e.L {
				t.Errorf("%s (pure Go %v): L differs from PIL's (%v)", name, pureGo, err)
				ok = false
			}
		}
		if ok {
			identical++
		}
	}
	t.Logf("JPEG conformance against Pillow %s: %d of %d files PIL reads identical, %d PIL refuses", want.Pillow, identical, len(names)-refused, refused)
	if identical+refused < 50 {
		t.Fatalf("only %d files checked", identical+refused)
	}
}

// TestJPEGInteropPIL runs scripts/conformance/jpeg_expected.py --scaled live on Pillow's
// test images and holds sluice to it: the committed hashes must still be PIL's (so a new
// Pillow that decodes differently is noticed), and jpegdec's DCT-scaled decodes at 1/2, 1/4
// and 1/8 must be PIL's Image.draft decodes. It skips when python3 lacks Pillow or numpy
// (scripts/install-python-deps.sh installs them).
func TestJPEGInteropPIL(t *testing.T) {
	dir := pillowImagesDir(t)
	if err := exec.Command("python3", "-c", "import PIL, numpy").Run(); err != nil {
		t.Skip("python3 with Pillow and numpy is needed (scripts/install-python-deps.sh): ", err)
	}
	out, err := exec.Command("python3", "../../../scripts/conformance/jpeg_expected.py", "--scaled", dir).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("jpeg_expected.py: %v: %s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var live, committed jpegExpected
	if err := json.Unmarshal(out, &live); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("testdata/jpeg_conformance.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &committed); err != nil {
		t.Fatal(err)
	}
	scaled := 0
	for name, e := range live.Files {
		c := committed.Files[name]
		if e.Error != c.Error || e.RGB != c.RGB || e.L != c.L {
			t.Errorf("%s: Pillow %s decodes differently from the committed hashes (Pillow %s); rerun jpeg_expected.py", name, live.Pillow, committed.Pillow)
		}
		if e.Error != "" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		for ds, h := range e.Scaled {
			denom, _ := strconv.Atoi(ds)
			img, err := jpegdec.DecodeScaled(data, denom, jpegdec.Options{})
			if err != nil {
				t.Errorf("%s at 1/%d: %v", name, denom, err)
				continue
			}
			if sha256Hex(img.Pix) != h {
				t.Errorf("%s at 1/%d: differs from PIL's draft decode", name, denom)
			}
			scaled++
		}
	}
	t.Logf("Pillow %s: %d files, %d DCT-scaled decodes compared", live.Pillow, len(live.Files), scaled)
}
