package read

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

func TestListFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{
		"b.csv", "a.CSV", "notes.txt", ".hidden.csv", "_SUCCESS",
		"sub/c.csv", "sub/d.json", "sub/deeper/e.csv",
		".git/config.csv", "_temporary/part.csv",
		"year=2024/x.csv", "year=2025/y.csv", ".cache/z.csv",
	} {
		writeFile(t, dir, name, "x")
	}
	rel := func(files []string) []string {
		out := make([]string, len(files))
		for i, f := range files {
			r, err := filepath.Rel(dir, f)
			if err != nil {
				r = f
			}
			out[i] = filepath.ToSlash(r)
		}
		return out
	}
	p := func(s string) string { return filepath.Join(dir, filepath.FromSlash(s)) }
	tests := []struct {
		name  string
		paths []string
		opts  ListOptions
		want  []string
		err   string
	}{
		{name: "directory, recursive, lexical, hidden skipped", paths: []string{dir},
			want: []string{"a.CSV", "b.csv", "notes.txt", "sub/c.csv", "sub/d.json", "sub/deeper/e.csv", "year=2024/x.csv", "year=2025/y.csv"}},
		{name: "extension filter ignores case and dot", paths: []string{dir}, opts: ListOptions{Extensions: []string{".csv"}},
			want: []string{"a.CSV", "b.csv", "sub/c.csv", "sub/deeper/e.csv", "year=2024/x.csv", "year=2025/y.csv"}},
		{name: "input order, then lexical", paths: []string{p("sub"), p("b.csv"), p("a.CSV")},
			want: []string{"sub/c.csv", "sub/d.json", "sub/deeper/e.csv", "b.csv", "a.CSV"}},
		{name: "explicit hidden file is read", paths: []string{p(".hidden.csv")}, want: []string{".hidden.csv"}},
		{name: "glob in one segment", paths: []string{p("*.csv")}, want: []string{"b.csv"}},
		{name: "glob matching directories yields their files", paths: []string{p("year=*")}, want: []string{"year=2024/x.csv", "year=2025/y.csv"}},
		{name: "double star", paths: []string{p("**/*.csv")}, want: []string{"b.csv", "sub/c.csv", "sub/deeper/e.csv", "year=2024/x.csv", "year=2025/y.csv"}},
		{name: "glob naming a hidden directory", paths: []string{p(".cache/*")}, want: []string{".cache/z.csv"}},
		{name: "ignore missing", paths: []string{p("nope"), p("b.csv"), p("none*.csv")}, opts: ListOptions{IgnoreMissing: true}, want: []string{"b.csv"}},
		{name: "missing path", paths: []string{p("b.csv"), p("nope.csv")}, err: "sluice: list: " + p("nope.csv") + ": no such file or directory"},
		{name: "glob with no match", paths: []string{p("*.parquet")}, err: "sluice: list: " + p("*.parquet") + ": no file matches the pattern"},
		{name: "bad glob", paths: []string{p("[.csv")}, err: "sluice: list: " + p("[.csv") + `: bad glob pattern "[.csv"`},
		{name: "no files after filter", paths: []string{p("sub")}, opts: ListOptions{Extensions: []string{"parquet"}}, err: `sluice: list: no files found in ["` + p("sub") + `"] with extensions ["parquet"]`},
		{name: "empty path", paths: []string{""}, err: "sluice: list: empty path"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			err := ListFiles(context.Background(), Local(), tc.paths, tc.opts, func(f File) error {
				if f.Size != 1 {
					t.Errorf("%s: size %d, want 1", f.Path, f.Size)
				}
				got = append(got, f.Path)
				return nil
			})
			wantError(t, err, tc.err)
			if tc.err != "" {
				return
			}
			if strings.Join(rel(got), ",") != strings.Join(tc.want, ",") {
				t.Fatalf("got %q, want %q", rel(got), tc.want)
			}
		})
	}
}

func TestListFilesErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.csv", "x")
	writeFile(t, dir, "b.csv", "x")

	err := ListFiles(context.Background(), Local(), []string{filepath.Join(dir, "nope")}, ListOptions{}, func(File) error { return nil })
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing path: %v is not fs.ErrNotExist", err)
	}
	err = ListFiles(context.Background(), Local(), []string{dir}, ListOptions{Extensions: []string{"x"}}, func(File) error { return nil })
	if !errors.Is(err, ErrNoFiles) {
		t.Errorf("no files: %v is not ErrNoFiles", err)
	}

	stop := errors.New("stop")
	calls := 0
	err = ListFiles(context.Background(), Local(), []string{dir}, ListOptions{}, func(File) error {
		calls++
		return stop
	})
	if err != stop || calls != 1 {
		t.Errorf("fn error: got %v after %d calls, want stop after 1", err, calls)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = ListFiles(ctx, Local(), []string{dir}, ListOptions{}, func(File) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
}

func TestMatchSegs(t *testing.T) {
	tests := []struct {
		pat, path string
		want      bool
	}{
		{"*.csv", "a.csv", true},
		{"*.csv", "d/a.csv", false},
		{"**/*.csv", "a.csv", true},
		{"**/*.csv", "d/e/a.csv", true},
		{"d/**", "d/e/a.csv", true},
		{"d/?.csv", "d/ab.csv", false},
		{"[ab].csv", "b.csv", true},
	}
	for _, tc := range tests {
		t.Run(tc.pat+"~"+tc.path, func(t *testing.T) {
			if got := matchSegs(strings.Split(tc.pat, "/"), strings.Split(tc.path, "/")); got != tc.want {
				t.Fatalf("matchSegs(%q, %q) = %v, want %v", tc.pat, tc.path, got, tc.want)
			}
		})
	}
}
