package vision

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"testing"
)

var updateConformance = flag.Bool("update-conformance", false, "rewrite testdata/conformance/images/results.txt")

// conformanceDir holds Pillow's Tests/images (Pillow's license), PIL's decodes of them in
// expected.json (scripts/conformance/images_expected.py) and sluice's results in results.txt.
var conformanceDir = filepath.Join("..", "..", "..", "testdata", "conformance", "images")

type pilArray struct {
	Shape  []int   `json:"shape"`
	Dtype  string  `json:"dtype"`
	SHA256 string  `json:"sha256"`
	Mean   float64 `json:"mean"`
	Mode   string  `json:"mode"`
	Error  string  `json:"error"`
}

type pilFile struct {
	Error         string    `json:"error"`
	Format        string    `json:"format"`
	Mode          string    `json:"mode"`
	Orientation   int       `json:"orientation"`
	RGB           pilArray  `json:"rgb"`
	Native        pilArray  `json:"native"`
	RGBTransposed *pilArray `json:"rgb_transposed"`
}

func loadExpected(t *testing.T) map[string]pilFile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(conformanceDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Pillow string             `json:"pillow"`
		Files  map[string]pilFile `json:"files"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Files) < 600 {
		t.Fatalf("expected.json lists %d files; regenerate it with scripts/conformance/images_expected.py", len(doc.Files))
	}
	return doc.Files
}

// sum returns what images_expected.py records of an array: its shape (HWC, with PIL's
// 2-D shape for one channel), dtype and SHA-256 of its little-endian bytes.
func sum(img Image) (shape []int, dtype, digest string) {
	shape = []int{img.H, img.W, img.C}
	if img.C == 1 {
		shape = shape[:2]
	}
	dtype = "uint8"
	if img.Depth == 16 {
		dtype = "uint16"
	}
	h := sha256.Sum256(img.Pix)
	return shape, dtype, hex.EncodeToString(h[:])
}

func mean(img Image) float64 {
	var s float64
	if img.Depth == 16 {
		for i := 0; i+1 < len(img.Pix); i += 2 {
			s += float64(binary.LittleEndian.Uint16(img.Pix[i:]))
		}
		return s / float64(len(img.Pix)/2)
	}
	for _, v := range img.Pix {
		s += float64(v)
	}
	return s / float64(len(img.Pix))
}

// highBytes returns the 8-bit image of a 16-bit one's high bytes.
func highBytes(img Image) Image {
	out := Image{H: img.H, W: img.W, C: img.C, Pix: make([]uint8, len(img.Pix)/2)}
	for i := range out.Pix {
		out.Pix[i] = img.Pix[2*i+1]
	}
	return out
}

func (a pilArray) matches(img Image) bool {
	shape, dtype, digest := sum(img)
	return fmt.Sprint(shape) == fmt.Sprint(a.Shape) && dtype == a.Dtype && digest == a.SHA256
}

func (a pilArray) describe(img Image) string {
	shape, dtype, _ := sum(img)
	if fmt.Sprint(shape) != fmt.Sprint(a.Shape) || dtype != a.Dtype {
		return fmt.Sprintf("shape %v %s, PIL %v %s", shape, dtype, a.Shape, a.Dtype)
	}
	return fmt.Sprintf("mean %.4f, PIL %.4f", mean(img), a.Mean)
}

// nativeCompared reports whether ModeNative is checked against PIL's np.asarray(Image.open(f)):
// where PIL keeps what the file holds (8-bit L, LA, RGB and RGBA, and 16-bit gray). Palette
// files, which PIL leaves as indices, 1-bit files (PIL: bool), CMYK, Lab and 32-bit modes
// are expanded or converted by sluice and checked in RGB only.
func nativeCompared(mode string) bool {
	switch mode {
	case "L", "LA", "RGB", "RGBA", "I;16", "I;16B", "I;16L":
		return true
	}
	return false
}

// decodeContained decodes like a reader would and turns a panic escaping DecodeBytes
// into a test failure with its stack, so one bad file shows as such.
func decodeContained(t *testing.T, name string, data []byte, opts DecodeOptions) (img Image, err error) {
	defer func() {
		if p := recover(); p != nil {
			t.Errorf("%s: DecodeBytes panicked: %v\n%s", name, p, debug.Stack())
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return DecodeBytes(data, opts)
}

type formatRow struct{ reads, identical, differ, errors, refused, accepted int }

// documented are the files of the formats that must match PIL exactly (PNG, JPEG, GIF, BMP,
// WebP) that do not, and the files PIL refuses that sluice decodes, with the reason.
// TestConformance fails on any other.
var documented = map[string]string{
	"apng/chunk_no_fctl.png":    "PIL refuses the broken APNG frame sequence; sluice decodes the default image, which is intact",
	"png_decompression_dos.png": "PIL refuses a text chunk that inflates past its limit; sluice does not read text chunks and decodes the 1x1 image",
}

// TestConformance decodes every file of Pillow's Tests/images as ReadImages does (RGB) and
// in ModeNative and compares the pixels with PIL's (expected.json). Each file's outcome is
// in results.txt, with the table per format at its top; the test fails when an outcome
// changes (rerun with -update-conformance after a deliberate change and review the diff)
// or when a goal of the conformance work is missed.
//
//	go test ./data/transform/vision -run TestConformance -update-conformance
func TestConformance(t *testing.T) {
	if raceEnabled {
		t.Skip("the decoders are single-goroutine; the walk runs without -race in go test ./...")
	}
	expected := loadExpected(t)
	names := make([]string, 0, len(expected))
	for name := range expected {
		names = append(names, name)
	}
	sort.Strings(names)
	rows := map[string]*formatRow{}
	statusOf := map[string]string{} // the RGB outcome of each file
	oriented, orientedSame := 0, 0  // files with an EXIF orientation, and those ApplyOrientation turns as PIL does
	var lines []string
	for _, name := range names {
		want := expected[name]
		data, err := os.ReadFile(filepath.Join(conformanceDir, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		format := want.Format
		if format == "" {
			format = strings.ToUpper(strings.TrimPrefix(path.Ext(name), "."))
			if f, ok := map[string]string{"JPG": "JPEG", "TIF": "TIFF"}[format]; ok {
				format = f
			}
		}
		row := rows[format]
		if row == nil {
			row = &formatRow{}
			rows[format] = row
		}
		img, err := decodeContained(t, name, data, DecodeOptions{Mode: ModeRGB})
		var status string
		switch {
		case want.Error != "" && err != nil:
			row.refused++
			status = "refused\t" + firstLine(err.Error()) + "\t(PIL: " + want.Error + ")"
		case want.Error != "":
			row.accepted++
			status = fmt.Sprintf("decoded\t%dx%dx%d where PIL refuses\t(PIL: %s)", img.W, img.H, img.C, want.Error)
		case err != nil:
			row.reads++
			row.errors++
			status = "error\t" + firstLine(err.Error())
		case want.RGB.matches(img):
			row.reads++
			row.identical++
			status = "identical"
		default:
			row.reads++
			row.differ++
			status = "differ\t" + want.RGB.describe(img)
		}
		if want.Error == "" && err != nil && !strings.HasPrefix(err.Error(), "sluice: vision: ") {
			t.Errorf("%s: error %q lacks the package prefix", name, err)
		}
		statusOf[name] = status
		line := name + "\t" + status
		if want.Error == "" && nativeCompared(want.Native.Mode) {
			nat, err := decodeContained(t, name, data, DecodeOptions{Mode: ModeNative})
			switch {
			case err != nil:
				line += "\tnative " + want.Native.Mode + ": error " + firstLine(err.Error())
			case want.Native.matches(nat):
				line += "\tnative " + want.Native.Mode + ": identical"
			case nat.Depth == 16 && want.Native.Dtype == "uint8" && want.Native.matches(highBytes(nat)):
				// PIL reads 16-bit RGB(A) and LA files at 8 bits, keeping the high byte.
				line += "\tnative " + want.Native.Mode + ": identical in the high byte of sluice's 16 bits"
			default:
				line += "\tnative " + want.Native.Mode + ": differ, " + want.Native.describe(nat)
			}
		}
		if want.Error == "" && want.RGBTransposed != nil && want.RGBTransposed.Error == "" {
			oriented++
			img, err := decodeContained(t, name, data, DecodeOptions{Mode: ModeRGB, ApplyOrientation: true})
			switch {
			case err != nil:
				line += "\toriented: error " + firstLine(err.Error())
			case want.RGBTransposed.matches(img):
				orientedSame++
				line += "\toriented: identical"
			default:
				line += "\toriented: differ, " + want.RGBTransposed.describe(img)
			}
		}
		lines = append(lines, line)
	}
	for _, name := range names {
		exact := map[string]bool{"PNG": true, "JPEG": true, "GIF": true, "BMP": true, "WEBP": true}[expected[name].Format]
		status := statusOf[name]
		kind, _, _ := strings.Cut(status, "\t")
		if ((exact && kind != "identical") || kind == "decoded") && documented[name] == "" {
			t.Errorf("%s: %s, where PIL's pixels are the goal (add it to documented only with a reason)", name, strings.ReplaceAll(status, "\t", " "))
		}
	}
	var total formatRow
	for _, r := range rows {
		total.reads += r.reads
		total.identical += r.identical
	}
	if 100*total.identical < 97*total.reads {
		t.Errorf("%d of %d files PIL reads are identical, under the 97%% goal", total.identical, total.reads)
	}
	table := conformanceTable(rows) + fmt.Sprintf("\nApplyOrientation: %d of %d files with an EXIF orientation identical to PIL's exif_transpose\n", orientedSame, oriented)
	got := table + "\n" + strings.Join(lines, "\n") + "\n"
	t.Log("\n" + table)
	golden := filepath.Join(conformanceDir, "results.txt")
	if *updateConformance {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if old, err := os.ReadFile(golden); err != nil {
		t.Fatalf("%v (create it with -update-conformance)", err)
	} else if want := string(old); verdicts(want) != verdicts(got) || (!libjpegAvailable && !libwebpAvailable && want != got) {
		t.Errorf("conformance results changed; rerun with -update-conformance and review the diff:\n%s", lineDiff(want, got))
	}
}

// verdicts drops the decoder's own message from each refusal line of a results file. The
// golden holds the pure-Go decoders' words; a build with a C decoder (-tags libjpeg,
// libwebp) refuses the same files in its library's words, so there only the verdicts are
// compared.
func verdicts(results string) string {
	lines := strings.Split(results, "\n")
	for i, l := range lines {
		if f := strings.Split(l, "\t"); len(f) == 4 && f[1] == "refused" {
			lines[i] = f[0] + "\trefused\t" + f[3]
		}
	}
	return strings.Join(lines, "\n")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func conformanceTable(rows map[string]*formatRow) string {
	formats := make([]string, 0, len(rows))
	for f := range rows {
		formats = append(formats, f)
	}
	sort.Strings(formats)
	var b strings.Builder
	b.WriteString("| format | PIL reads | identical | differ | sluice errors | PIL refuses: sluice refuses too | sluice decodes |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|\n")
	var total formatRow
	for _, f := range formats {
		r := rows[f]
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %d |\n", f, r.reads, r.identical, r.differ, r.errors, r.refused, r.accepted)
		total.reads += r.reads
		total.identical += r.identical
		total.differ += r.differ
		total.errors += r.errors
		total.refused += r.refused
		total.accepted += r.accepted
	}
	fmt.Fprintf(&b, "| all | %d | %d (%.1f%%) | %d | %d | %d | %d |\n", total.reads, total.identical,
		100*float64(total.identical)/float64(max(total.reads, 1)), total.differ, total.errors, total.refused, total.accepted)
	return b.String()
}

// lineDiff lists the lines only in old (-) or only in new (+).
func lineDiff(old, new string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	o, n := in(old), in(new)
	var b strings.Builder
	for _, l := range strings.Split(old, "\n") {
		if !n[l] {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range strings.Split(new, "\n") {
		if !o[l] {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}
