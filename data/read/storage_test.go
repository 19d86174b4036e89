package read

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"testing"
)

func TestLocalStorage(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "f.bin", "hello world")
	st := Local()
	ctx := context.Background()

	t.Run("open reads the file", func(t *testing.T) {
		rc, err := st.Open(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil || string(b) != "hello world" {
			t.Fatalf("read %q, %v", b, err)
		}
	})
	t.Run("range reader has size and random access", func(t *testing.T) {
		rr, err := st.OpenRange(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		defer rr.Close()
		buf := make([]byte, 5)
		if _, err := rr.ReadAt(buf, 6); err != nil || string(buf) != "world" || rr.Size() != 11 {
			t.Fatalf("ReadAt = %q, %v; size %d", buf, err, rr.Size())
		}
	})
	t.Run("range reader on a directory fails", func(t *testing.T) {
		if _, err := st.OpenRange(ctx, dir); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("walk on a file yields itself", func(t *testing.T) {
		var got []File
		if err := st.Walk(ctx, p, func(f File) error { got = append(got, f); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0] != (File{Path: p, Size: 11}) {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("missing paths are fs.ErrNotExist", func(t *testing.T) {
		missing := filepath.Join(dir, "nope")
		_, err1 := st.Open(ctx, missing)
		_, err2 := st.OpenRange(ctx, missing)
		err3 := st.Walk(ctx, missing, func(File) error { return nil })
		for _, err := range []error{err1, err2, err3} {
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%v is not fs.ErrNotExist", err)
			}
		}
	})
}
