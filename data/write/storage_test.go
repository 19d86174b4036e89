package write

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLocalCommitAndAbort(t *testing.T) {
	tests := []struct {
		name      string
		run       func(t *testing.T, ctx context.Context, f AtomicFile) error
		wantFiles []string
		wantErr   string
	}{
		{
			name: "commit publishes",
			run: func(t *testing.T, ctx context.Context, f AtomicFile) error {
				if _, err := f.Write([]byte("hello")); err != nil {
					return err
				}
				return f.Commit()
			},
			wantFiles: []string{"out.txt"},
		},
		{
			name: "abort leaves nothing",
			run: func(t *testing.T, ctx context.Context, f AtomicFile) error {
				if _, err := f.Write([]byte("partial")); err != nil {
					return err
				}
				return f.Abort()
			},
		},
		{
			name: "abort after commit is a no-op",
			run: func(t *testing.T, ctx context.Context, f AtomicFile) error {
				if _, err := f.Write([]byte("hello")); err != nil {
					return err
				}
				if err := f.Commit(); err != nil {
					return err
				}
				return f.Abort()
			},
			wantFiles: []string{"out.txt"},
		},
		{
			name: "write after commit fails",
			run: func(t *testing.T, ctx context.Context, f AtomicFile) error {
				if err := f.Commit(); err != nil {
					return err
				}
				_, err := f.Write([]byte("late"))
				return err
			},
			wantFiles: []string{"out.txt"},
			wantErr:   "already committed or aborted",
		},
		{
			name: "commit after abort fails",
			run: func(t *testing.T, ctx context.Context, f AtomicFile) error {
				if err := f.Abort(); err != nil {
					return err
				}
				return f.Commit()
			},
			wantErr: "already committed or aborted",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			dir := filepath.Join(t.TempDir(), "a", "b") // Create makes the parents
			f, err := Local().Create(ctx, filepath.Join(dir, "out.txt"))
			if err != nil {
				t.Fatal(err)
			}
			err = tt.run(t, ctx, f)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
			got := listDir(t, dir)
			if strings.Join(got, ",") != strings.Join(tt.wantFiles, ",") {
				t.Fatalf("dir holds %v, want %v", got, tt.wantFiles)
			}
		})
	}
}

func TestLocalTempIsHiddenUntilCommit(t *testing.T) {
	dir := t.TempDir()
	f, err := Local().Create(context.Background(), filepath.Join(dir, "x.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("a,b\n")); err != nil {
		t.Fatal(err)
	}
	names := listDir(t, dir)
	if len(names) != 1 || !strings.HasPrefix(names[0], ".x.csv.tmp-") {
		t.Fatalf("before commit the dir holds %v, want one .x.csv.tmp-* file", names)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "x.csv"))
	if err != nil || string(b) != "a,b\n" {
		t.Fatalf("committed content %q, %v", b, err)
	}
	st, err := os.Stat(filepath.Join(dir, "x.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm()&0o044 == 0 {
		t.Errorf("committed file mode %v is private; want the umask's usual mode", st.Mode().Perm())
	}
}

func TestLocalFailures(t *testing.T) {
	tests := []struct {
		name string
		// setup returns the context and path to create and, when the failure must come at
		// Commit, a func to run between the write and the Commit.
		setup   func(t *testing.T, dir string) (ctx context.Context, path string, beforeCommit func())
		wantErr string
		keep    []string // entries the setup itself made
	}{
		{
			name: "cancelled before create",
			setup: func(t *testing.T, dir string) (context.Context, string, func()) {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx, filepath.Join(dir, "f.txt"), nil
			},
			wantErr: "context canceled",
		},
		{
			name: "cancelled before commit",
			setup: func(t *testing.T, dir string) (context.Context, string, func()) {
				ctx, cancel := context.WithCancel(context.Background())
				t.Cleanup(cancel)
				return ctx, filepath.Join(dir, "f.txt"), cancel
			},
			wantErr: "context canceled",
		},
		{
			name: "rename onto a non-empty directory",
			setup: func(t *testing.T, dir string) (context.Context, string, func()) {
				target := filepath.Join(dir, "f.txt")
				if err := os.MkdirAll(filepath.Join(target, "inner"), 0o777); err != nil {
					t.Fatal(err)
				}
				return context.Background(), target, func() {}
			},
			wantErr: "commit",
			keep:    []string{"f.txt"},
		},
		{
			name: "parent is a file",
			setup: func(t *testing.T, dir string) (context.Context, string, func()) {
				if err := os.WriteFile(filepath.Join(dir, "plain"), nil, 0o666); err != nil {
					t.Fatal(err)
				}
				return context.Background(), filepath.Join(dir, "plain", "f.txt"), nil
			},
			wantErr: "not a directory",
			keep:    []string{"plain"},
		},
		{
			name: "path names a directory",
			setup: func(t *testing.T, dir string) (context.Context, string, func()) {
				return context.Background(), dir + string(filepath.Separator), nil
			},
			wantErr: "names a directory",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			ctx, path, beforeCommit := tt.setup(t, dir)
			f, err := Local().Create(ctx, path)
			if beforeCommit != nil {
				if err != nil {
					t.Fatalf("create: %v", err)
				}
				if _, err := f.Write([]byte("data")); err != nil {
					t.Fatal(err)
				}
				beforeCommit()
				err = f.Commit()
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "sluice: write") {
				t.Fatalf("error %v, want a sluice error containing %q", err, tt.wantErr)
			}
			if got := listDir(t, dir); strings.Join(got, ",") != strings.Join(tt.keep, ",") {
				t.Fatalf("dir holds %v, want only %v", got, tt.keep)
			}
		})
	}
}

func TestLocalRemove(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, []byte("x"), 0o666); err != nil {
		t.Fatal(err)
	}
	if err := Local().Remove(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	assertEmptyDir(t, dir)
	err := Local().Remove(context.Background(), p)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), p) {
		t.Fatalf("removing a missing file: %v, want fs.ErrNotExist naming the path", err)
	}
}
