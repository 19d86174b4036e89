package storage

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// memFS returns an FS with fast retries; each FS has its own mem:// buckets.
func memFS(t *testing.T) *FS {
	f := &FS{Retry: Retry{Attempts: 2, Base: time.Microsecond, Max: time.Microsecond}}
	t.Cleanup(func() { f.Close() })
	return f
}

// put writes an object through f, failing the test on error.
func put(t *testing.T, f *FS, p string, data string) {
	t.Helper()
	w, err := f.Create(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, data); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestResolve(t *testing.T) {
	ctx := context.Background()
	f := memFS(t)
	tests := []struct {
		in, want, err string
	}{
		{in: "local/x.csv", want: "local/x.csv"},
		{in: "file:///x.csv", want: "file:///x.csv"},
		{in: "mem://b/dir?", want: "mem://b/dir"},
		{in: "mem://b/other", want: "mem://b/other"},
		{in: "mem://c/x?k=v", err: "open bucket mem://c"}, // memblob takes no options
		{in: "file://host/x", err: "names host"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := f.Resolve(ctx, tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Resolve = %q, %v", got, err)
			}
		})
	}
}

func TestConflictingOptionsAndClose(t *testing.T) {
	ctx := context.Background()
	f := &FS{}
	if _, err := f.Resolve(ctx, "mem://b/x"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Open(ctx, "mem://b/x?endpoint=elsewhere"); err == nil || !strings.Contains(err.Error(), "already opened with options") {
		t.Fatalf("err = %v", err)
	}
	if _, err := f.Open(ctx, "plain/path"); err == nil || !strings.Contains(err.Error(), "local path") {
		t.Fatalf("local path: err = %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Open(ctx, "mem://b/x"); !errors.Is(err, errClosed) {
		t.Fatalf("after Close: err = %v", err)
	}
}
