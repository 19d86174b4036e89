package write_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/tensor"
)

// writeOutputs writes one output of every directory sink under root (Parquet with an append,
// CSV, JSON, NumPy, PNG, and an empty Parquet dataset) and returns their directories.
func writeOutputs(t *testing.T, c *data.Context, root string) []string {
	t.Helper()
	ctx := context.Background()
	ds := writeIDs(0, 2500).WithContext(c)
	steps := []struct {
		dir   string
		write func(dir string) error
	}{
		{"parquet", func(dir string) error {
			if _, err := ds.WriteParquet(ctx, dir, data.MaxRowsPerFile(1000)); err != nil {
				return err
			}
			_, err := writeIDs(5000, 300).WithContext(c).WriteParquet(ctx, dir, data.Mode(data.SaveAppend))
			return err
		}},
		{"csv", func(dir string) error { _, err := ds.WriteCSV(ctx, dir, data.MaxRowsPerFile(1000)); return err }},
		{"json", func(dir string) error { _, err := ds.WriteJSON(ctx, dir, data.MaxRowsPerFile(1000)); return err }},
		{"npy", func(dir string) error { _, err := ds.WriteNumpy(ctx, dir, "id", data.MaxRowsPerFile(1000)); return err }},
		{"png", func(dir string) error {
			img := tensor.New(make([]uint8, 36), 3, 2, 2, 3) // 3 images of 2x2 RGB
			_, err := data.FromNumpy(img.Tensor()).WithContext(c).RenameColumns(map[string]string{"data": "image"}).WriteImages(ctx, dir, "image", "png")
			return err
		}},
		{"empty", func(dir string) error { _, err := writeIDs(0, 0).WithContext(c).WriteParquet(ctx, dir); return err }},
	}
	var dirs []string
	for _, s := range steps {
		dir := filepath.Join(root, s.dir)
		if err := s.write(dir); err != nil {
			t.Fatalf("%s: %v", s.dir, err)
		}
		dirs = append(dirs, dir)
	}
	return dirs
}

// TestCheckManifestScript runs scripts/check_manifest.py, the second tool that reads our
// manifests, on an output of every sink, and on damaged copies it must refuse.
func TestCheckManifestScript(t *testing.T) {
	python(t, "import pyarrow, numpy") // skips without them
	c := testContext(t)
	dirs := writeOutputs(t, c, t.TempDir())
	script := filepath.Join("..", "..", "scripts", "check_manifest.py")
	out, err := exec.Command("python3", append([]string{script, "--strict"}, dirs...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("check_manifest.py: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "\nok ") + strings.Count(string(out)[:3], "ok "); n != len(dirs) {
		t.Fatalf("%d of %d directories passed:\n%s", n, len(dirs), out)
	}
	// The Parquet output holds 2,500 rows and the 300 appended, in generation 2.
	if !strings.Contains(string(out), " files, 2800 rows") || !strings.Contains(string(out), "generation 2") {
		t.Fatalf("output:\n%s", out)
	}
	damage := []struct {
		name string
		do   func(dir string) error
		want string
	}{
		{"flipped byte", func(dir string) error {
			p := filepath.Join(dir, "part_000000_000001.csv")
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b[len(b)-2] ^= 1
			return os.WriteFile(p, b, 0o666)
		}, "crc32"},
		{"missing file", func(dir string) error { return os.Remove(filepath.Join(dir, "part_000000_000000.csv")) }, "missing"},
		{"extra file", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "part_killed.csv"), []byte("id\n1\n"), 0o666)
		}, "not in the manifest"},
		{"no manifest", func(dir string) error { return os.Remove(filepath.Join(dir, "_SUCCESS")) }, "no _SUCCESS manifest"},
	}
	for _, d := range damage {
		t.Run(d.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "csv")
			if _, err := writeIDs(0, 2500).WithContext(c).WriteCSV(context.Background(), dir, data.MaxRowsPerFile(1000)); err != nil {
				t.Fatal(err)
			}
			if err := d.do(dir); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("python3", script, "--strict", dir).CombinedOutput()
			if err == nil || !strings.Contains(string(out), "FAIL") || !strings.Contains(string(out), d.want) {
				t.Fatalf("check_manifest.py accepted a damaged output (%v):\n%s", err, out)
			}
		})
	}
}

// TestWriteOutputsForCheck writes the outputs of every sink into $SLUICE_MANIFEST_OUT, for
// .ci/run to check with scripts/check_manifest.py as a separate step; it is skipped when the
// variable is unset.
func TestWriteOutputsForCheck(t *testing.T) {
	root := os.Getenv("SLUICE_MANIFEST_OUT")
	if root == "" {
		t.Skip("SLUICE_MANIFEST_OUT not set: .ci/run sets it and checks the outputs with scripts/check_manifest.py")
	}
	writeOutputs(t, testContext(t), root)
	if base := versitygw(t, false); base != "" {
		dir := base + "/check-manifest-" + strings.ToLower(t.Name()) + "/parquet"
		if _, err := writeIDs(0, 2500).WriteParquet(context.Background(), dir, data.MaxRowsPerFile(1000), data.Mode(data.SaveOverwrite)); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(root, "s3-outputs"), []byte(dir+"\n"), 0o666)
	}
}
