package storage_test

// Tests of the adapters in data/read/storage.go and data/write/storage.go, which route local
// paths to the OS and URLs to an FS. They live here because data/ belongs to another author.

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/data/read"
	"github.com/sluicedata/sluice/data/write"
	"github.com/sluicedata/sluice/storage"
)

func TestRoutedStorage(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	f := &storage.FS{}
	defer f.Close()
	rs, ws := read.NewStorage(f), write.NewStorage(f)
	tests := []struct {
		name string
		root string // output directory
		join func(root, name string) string
	}{
		{"plain path", dir, func(r, n string) string { return filepath.Join(r, n) }},
		{"file URL", "file://" + filepath.ToSlash(dir), func(r, n string) string { return r + "/" + n }},
		{"mem URL", "mem://bucket/out", func(r, n string) string { return r + "/" + n }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, name := range []string{"a.txt", "sub/b.txt"} {
				w, err := ws.Create(ctx, tt.join(tt.root, name))
				if err != nil {
					t.Fatal(err)
				}
				io.WriteString(w, "data "+name)
				if err := w.Commit(); err != nil {
					t.Fatal(err)
				}
			}
			var got []string
			err := read.ListFiles(ctx, rs, []string{tt.root}, read.ListOptions{Extensions: []string{"txt"}}, func(file read.File) error {
				rc, err := rs.Open(ctx, file.Path)
				if err != nil {
					return err
				}
				defer rc.Close()
				b, err := io.ReadAll(rc)
				got = append(got, file.Path+"="+string(b))
				return err
			})
			want := []string{tt.join(tt.root, "a.txt") + "=data a.txt", tt.join(tt.root, "sub/b.txt") + "=data sub/b.txt"}
			if err != nil || !slices.Equal(got, want) {
				t.Fatalf("got %q, %v; want %q", got, err, want)
			}
			rr, err := rs.OpenRange(ctx, tt.join(tt.root, "a.txt"))
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 4)
			if _, err := rr.ReadAt(buf, 1); err != nil || string(buf) != "ata " || rr.Size() != 10 {
				t.Fatalf("ReadAt %q, %v, size %d", buf, err, rr.Size())
			}
			rr.Close()
			if err := ws.Remove(ctx, tt.join(tt.root, "a.txt")); err != nil {
				t.Fatal(err)
			}
			if _, err := rs.Open(ctx, tt.join(tt.root, "a.txt")); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("open removed file: %v", err)
			}
			if err := ws.Remove(ctx, tt.join(tt.root, "sub/b.txt")); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("bad file URL", func(t *testing.T) {
		_, err1 := rs.Open(ctx, "file://host/x")
		_, err2 := ws.Create(ctx, "file://host/x")
		for _, err := range []error{err1, err2} {
			if err == nil || !strings.Contains(err.Error(), "names host") {
				t.Errorf("err = %v", err)
			}
		}
	})
	t.Run("missing driver", func(t *testing.T) {
		_, err := read.Default().Open(ctx, "s3://bucket/x.csv")
		if !errors.Is(err, storage.ErrNoDriver) || !strings.Contains(err.Error(), "github.com/sluicedata/sluice/storage/s3") {
			t.Fatalf("err = %v", err)
		}
		if _, err := write.Default().Create(ctx, "gs://bucket/x.csv"); !errors.Is(err, storage.ErrNoDriver) {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestBeginRunModes checks the save modes of the commit protocol on a local directory and on
// a mem:// prefix: before the run commits, no mode touches what the output holds; after it,
// the output holds what the mode says.
func TestBeginRunModes(t *testing.T) {
	ctx := context.Background()
	f := &storage.FS{}
	defer f.Close()
	ws := write.NewStorage(f)
	fill := func(t *testing.T, dir string) {
		t.Helper()
		for _, n := range []string{"old.parquet", "sub/old2.parquet"} {
			w, err := ws.Create(ctx, dir+"/"+n)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Commit(); err != nil {
				t.Fatal(err)
			}
		}
	}
	count := func(t *testing.T, dir string) int {
		t.Helper()
		n := 0
		err := read.ListFiles(ctx, read.NewStorage(f), []string{dir}, read.ListOptions{IgnoreMissing: true}, func(read.File) error { n++; return nil })
		if err != nil && !errors.Is(err, read.ErrNoFiles) {
			t.Fatal(err)
		}
		return n
	}
	// commit writes one file through the run and commits it.
	commit := func(t *testing.T, run *write.Run) {
		t.Helper()
		w, err := run.Storage().Create(ctx, run.Dir()+"/"+run.Prefix()+"_000000_000000.txt")
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, "new")
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		info := write.FileInfo{Path: run.Dir() + "/" + run.Prefix() + "_000000_000000.txt", Name: run.Prefix() + "_000000_000000.txt", Bytes: 3, Rows: 1}
		if _, _, err := run.Commit(ctx, []write.FileInfo{info}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		mode    write.SaveMode
		proceed bool
		err     error
		after   int // files listed after the commit
	}{
		{write.SaveError, false, write.ErrExists, 2},
		{write.SaveOverwrite, true, nil, 1},
		{write.SaveAppend, true, nil, 3},
		{write.SaveIgnore, false, nil, 2},
	}
	for _, where := range []string{"local", "mem"} {
		for _, tt := range tests {
			t.Run(where+" "+tt.mode.String(), func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "out")
				if where == "mem" {
					dir = "mem://" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")) + "/out"
				}
				run, err := write.BeginRun(ctx, dir, write.RunOptions{Mode: tt.mode, FS: f})
				if run == nil || err != nil {
					t.Fatalf("missing output: %v, %v", run, err)
				}
				run.Abort()
				fill(t, dir)
				run, err = write.BeginRun(ctx, dir, write.RunOptions{Mode: tt.mode, FS: f})
				if (run != nil) != tt.proceed || !errors.Is(err, tt.err) {
					t.Fatalf("BeginRun = %v, %v", run, err)
				}
				if err != nil && !strings.Contains(err.Error(), dir) {
					t.Fatalf("error %v does not name %s", err, dir)
				}
				if n := count(t, dir); n != 2 {
					t.Fatalf("%d files before the commit, want 2", n)
				}
				if run != nil {
					commit(t, run)
				}
				if n := count(t, dir); n != tt.after {
					t.Fatalf("%d files after the commit, want %d", n, tt.after)
				}
			})
		}
	}
	t.Run("local file and unknown mode", func(t *testing.T) {
		dir := t.TempDir()
		file := filepath.Join(dir, "f")
		os.WriteFile(file, nil, 0o666)
		if _, err := write.BeginRun(ctx, file, write.RunOptions{Mode: write.SaveAppend}); err == nil || !strings.Contains(err.Error(), "is a file") {
			t.Fatalf("file: %v", err)
		}
		if _, err := write.BeginRun(ctx, dir, write.RunOptions{Mode: write.SaveMode(7)}); err == nil {
			t.Fatal("unknown mode accepted")
		}
	})
}
