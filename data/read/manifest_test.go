package read

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/data/manifest"
)

// TestListHonoursManifest builds directories by hand and checks what ListFiles yields from
// them: the manifest's files exactly, or the errors (and, with Incomplete, the warnings) for
// outputs that are not whole.
func TestListHonoursManifest(t *testing.T) {
	type file struct{ path, body string }
	man := func(paths ...string) file {
		m := &manifest.Manifest{State: manifest.StateCommitted, RunID: "0195f3c2a1b4c0ffee42"}
		for _, p := range paths {
			m.Files = append(m.Files, manifest.File{Path: p, Rows: 1, Bytes: int64(len("data " + p))})
		}
		raw, err := manifest.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		return file{manifest.Name, string(raw)}
	}
	data := func(p string) file { return file{p, "data " + p} }
	tests := []struct {
		name       string
		files      []file
		path       string // relative to the directory; "" is the directory itself
		opts       ListOptions
		want       []string
		err        string
		noManifest bool
	}{
		{"manifest lists a subset, in its order", []file{man("b.csv", "a.csv"), data("a.csv"), data("b.csv"), data("killed.csv")}, "", ListOptions{}, []string{"b.csv", "a.csv"}, "", false},
		{"extension filter applies to the list", []file{man("a.csv", "b.json"), data("a.csv"), data("b.json")}, "", ListOptions{Extensions: []string{"json"}}, []string{"b.json"}, "", false},
		{"nested paths", []file{man("k=1/a.csv"), data("k=1/a.csv"), data("k=2/b.csv")}, "", ListOptions{}, []string{"k=1/a.csv"}, "", false},
		{"an empty dataset is not 'no files'", []file{man()}, "", ListOptions{}, nil, "", false},
		{"another tool's empty _SUCCESS", []file{{manifest.Name, ""}, data("a.csv"), data("b.csv")}, "", ListOptions{}, []string{"a.csv", "b.csv"}, "", true},
		{"s3a success data", []file{{manifest.Name, `{"name":"org.apache.hadoop.fs.s3a.commit.files.SuccessData/1"}`}, data("a.csv")}, "", ListOptions{}, []string{"a.csv"}, "", true},
		{"a glob ignores the manifest", []file{man("a.csv"), data("a.csv"), data("b.csv")}, "*.csv", ListOptions{}, []string{"a.csv", "b.csv"}, "", true},
		{"a file path ignores the manifest", []file{man("a.csv"), data("a.csv"), data("b.csv")}, "b.csv", ListOptions{}, []string{"b.csv"}, "", true},
		{"damaged manifest", []file{{manifest.Name, `{"name": "sluice.manifest/1", "files": [`}, data("a.csv")}, "", ListOptions{}, nil, "_SUCCESS: manifest: damaged", false},
		{"missing file", []file{man("a.csv", "b.csv"), data("a.csv")}, "", ListOptions{}, nil, "lists 1 files that are not as it says: b.csv (missing); the dataset is incomplete", false},
		{"missing file, incomplete", []file{man("a.csv", "b.csv"), data("a.csv")}, "", ListOptions{Incomplete: true}, []string{"a.csv"}, "", false},
		{"changed file", []file{man("a.csv"), {"a.csv", "other bytes"}}, "", ListOptions{}, nil, "a.csv (11 bytes, the manifest says 10)", false},
		{"staging area, no manifest", []file{data("part_01a24254b2fec3f44cef_000000_000000.csv"), {"_sluice/01a24254b2fec3f44cef/_LEDGER", "{}"}}, "", ListOptions{}, nil, "no _SUCCESS manifest, but", false},
		{"staging area, no manifest, incomplete", []file{data("part_01a24254b2fec3f44cef_000000_000000.csv"), {"_sluice/01a24254b2fec3f44cef/_LEDGER", "{}"}}, "", ListOptions{Incomplete: true}, []string{"part_01a24254b2fec3f44cef_000000_000000.csv"}, "", true},
		{"staging area over another tool's files", []file{data("old.csv"), data("part_01a24254b2fec3f44cef_000000_000000.csv"), {"_sluice/01a24254b2fec3f44cef/_LEDGER", "{}"}}, "", ListOptions{}, []string{"old.csv"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			for _, f := range tt.files {
				p := filepath.Join(dir, filepath.FromSlash(f.path))
				os.MkdirAll(filepath.Dir(p), 0o777)
				if err := os.WriteFile(p, []byte(f.body), 0o666); err != nil {
					t.Fatal(err)
				}
			}
			root := dir
			if tt.path != "" {
				root = filepath.Join(dir, tt.path)
			}
			var got []string
			err := ListFiles(context.Background(), Local(), []string{root}, tt.opts, func(f File) error {
				rel, _ := filepath.Rel(dir, f.Path)
				got = append(got, filepath.ToSlash(rel))
				return nil
			})
			switch {
			case tt.err != "":
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), dir) {
					t.Fatalf("err = %v, want one naming %s and saying %q", err, dir, tt.err)
				}
				if strings.Count(err.Error(), "sluice: ") != 1 {
					t.Errorf("error says \"sluice: \" more than once: %v", err)
				}
			case err != nil:
				t.Fatal(err)
			case !slices.Equal(got, tt.want):
				t.Fatalf("listed %q, want %q", got, tt.want)
			}
		})
	}
}

// TestMissingOutputNamesUnfinishedRun: the directory a killed first run was to create does
// not exist; the error says why, naming the staging directory it left beside it.
func TestMissingOutputNamesUnfinishedRun(t *testing.T) {
	parent := t.TempDir()
	stage := filepath.Join(parent, ".out.sluice-01a24254b2fec3f44cef")
	os.Mkdir(stage, 0o777)
	err := ListFiles(context.Background(), Local(), []string{filepath.Join(parent, "out")}, ListOptions{}, func(File) error { return nil })
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "did not finish") || !strings.Contains(err.Error(), stage) {
		t.Fatalf("err = %v", err)
	}
}
