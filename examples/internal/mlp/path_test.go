package mlp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o644) }

func TestModelPath(t *testing.T) {
	dir := t.TempDir()
	if err := writeFile(filepath.Join(dir, "m.json"), "{}"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, env, file, want, wantErr string
	}{
		{"found by walking up", "", "mlp100.json", filepath.Join("testdata", "models", "mlp100.json"), ""},
		{"not in the checkout", "", "nope.onnx", "", "no testdata/models/nope.onnx"},
		{"from the environment", dir, "m.json", filepath.Join(dir, "m.json"), ""},
		{"missing from the environment's dir", dir, "x.json", "", "SLUICE_MODELS_DIR=" + dir},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("SLUICE_MODELS_DIR", tc.env)
			got, err := ModelPath(tc.file)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ModelPath(%q) error = %v, want %q", tc.file, err, tc.wantErr)
				}
				return
			}
			if err != nil || !strings.HasSuffix(got, tc.want) {
				t.Fatalf("ModelPath(%q) = %q, %v; want a path ending in %s", tc.file, got, err, tc.want)
			}
		})
	}
}
