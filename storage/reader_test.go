package storage

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"
)

func TestOpenAndRemove(t *testing.T) {
	ctx := context.Background()
	f := memFS(t)
	put(t, f, "mem://b/x.txt", "hello world")
	rc, err := f.Open(ctx, "mem://b/x.txt")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	if err != nil || string(b) != "hello world" {
		t.Fatalf("read %q, %v", b, err)
	}
	if err := rc.Close(); err != nil {
		t.Fatal(err)
	}
	if n, err := rc.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Fatalf("Read after Close = %d, %v", n, err)
	}
	if o, err := f.Stat(ctx, "mem://b/x.txt"); err != nil || o.Size != 11 {
		t.Fatalf("Stat = %+v, %v", o, err)
	}
	if err := f.Remove(ctx, "mem://b/x.txt"); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"open":   func() error { _, err := f.Open(ctx, "mem://b/x.txt"); return err }(),
		"range":  func() error { _, err := f.OpenRange(ctx, "mem://b/x.txt"); return err }(),
		"stat":   func() error { _, err := f.Stat(ctx, "mem://b/x.txt"); return err }(),
		"remove": f.Remove(ctx, "mem://b/x.txt"),
	} {
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "mem://b/x.txt") {
			t.Errorf("%s of a removed object: %v", name, err)
		}
	}
}
