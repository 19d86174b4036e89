package storage

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
)

func TestWriter(t *testing.T) {
	tests := []struct {
		name    string
		end     func(w Writer, cancel context.CancelFunc) error
		visible bool
		wantErr error
	}{
		{"commit", func(w Writer, _ context.CancelFunc) error { return w.Commit() }, true, nil},
		{"abort", func(w Writer, _ context.CancelFunc) error { return w.Abort() }, false, nil},
		{"commit after cancel", func(w Writer, cancel context.CancelFunc) error { cancel(); return w.Commit() }, false, context.Canceled},
		{"abort after cancel", func(w Writer, cancel context.CancelFunc) error { cancel(); return w.Abort() }, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := memFS(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			w, err := f.Create(ctx, "mem://b/out/x.bin")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write([]byte("payload")); err != nil {
				t.Fatal(err)
			}
			if err := tt.end(w, cancel); !errors.Is(err, tt.wantErr) {
				t.Fatalf("end: %v, want %v", err, tt.wantErr)
			}
			_, err = f.Stat(context.Background(), "mem://b/out/x.bin")
			if visible := err == nil; visible != tt.visible {
				t.Fatalf("visible = %v (%v)", visible, err)
			}
			if !tt.visible && !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("stat: %v", err)
			}
			if err := w.Abort(); err != nil {
				t.Fatalf("Abort after end: %v", err)
			}
			if err := w.Commit(); err != ErrFileDone {
				t.Fatalf("Commit after end: %v", err)
			}
			if _, err := w.Write([]byte("x")); err != ErrFileDone {
				t.Fatalf("Write after end: %v", err)
			}
		})
	}
}

func TestCreateRejects(t *testing.T) {
	f := memFS(t)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		path string
		want string
	}{
		{"directory", context.Background(), "mem://b/dir/", "names a directory"},
		{"bucket root", context.Background(), "mem://b", "names a directory"},
		{"cancelled", cancelled, "mem://b/x", "context canceled"},
		{"local path", context.Background(), "/tmp/x", "local path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.Create(tt.ctx, tt.path); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
