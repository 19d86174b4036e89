package onnx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLibraryPath(t *testing.T) {
	dir := t.TempDir()
	lib := filepath.Join(dir, "libonnxruntime.so.1")
	if err := os.WriteFile(lib, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tree := t.TempDir()
	installed := filepath.Join(tree, defaultLibrary)
	if err := os.MkdirAll(filepath.Dir(installed), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(installed, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(tree, "examples", "x")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, env, wd, want, wantErr string
	}{
		{"environment", lib, "", lib, ""},
		{"environment names a missing file", lib + ".gone", "", "", "$SLUICE_ONNXRUNTIME_LIB"},
		{"installed above the working directory", "", sub, installed, ""},
		{"not installed", "", dir, "", "run scripts/install-onnxruntime.sh"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(LibraryEnv, tc.env)
			if tc.wd != "" {
				t.Chdir(tc.wd)
			}
			got, err := LibraryPath()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("LibraryPath() error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("LibraryPath() = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
