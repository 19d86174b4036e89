package storage

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"
)

// Two in-memory schemes whose tail requests do not work: memblob ignores a request that only
// S3 understands and answers with the whole object, and a request can fail before it is sent.
func init() {
	Register("memwhole", &memblob.URLOpener{})
	RegisterTailRequest("memwhole", func(int64) *blob.ReaderOptions { return &blob.ReaderOptions{} })
	Register("memfail", &memblob.URLOpener{})
	RegisterTailRequest("memfail", func(int64) *blob.ReaderOptions {
		return &blob.ReaderOptions{BeforeRead: func(func(any) bool) error { return errors.New("no tail here") }}
	})
}

func TestOpenRangeTail(t *testing.T) {
	ctx := context.Background()
	big := prefetchData(3*footerBytes + 5)
	small := big[:1000]
	for _, scheme := range []string{"memwhole", "memfail"} {
		t.Run(scheme, func(t *testing.T) {
			f := memFS(t)
			tests := []struct {
				name string
				data []byte
			}{
				{"larger than the footer: the whole-object answer is no tail", big},
				{"smaller than the footer: the whole object is the tail", small},
				{"empty", nil},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					p := scheme + "://b/obj"
					put(t, f, p, string(tt.data))
					r, err := f.OpenRange(ctx, p)
					if err != nil {
						t.Fatal(err)
					}
					defer r.Close()
					if r.Size() != int64(len(tt.data)) {
						t.Fatalf("Size = %d, want %d", r.Size(), len(tt.data))
					}
					got := make([]byte, len(tt.data))
					if k, err := r.ReadAt(got, 0); k != len(got) || err != nil && err != io.EOF || !bytes.Equal(got, tt.data) {
						t.Fatalf("ReadAt = %d, %v or wrong bytes", k, err)
					}
					if rr := r.(*rangeReader); rr.footer.n != min(int64(len(tt.data)), footerBytes) || rr.footer.end() != rr.size {
						t.Fatalf("footer [%d,%d), want the last %d bytes", rr.footer.off, rr.footer.end(), min(len(tt.data), footerBytes))
					}
				})
			}
			if _, err := f.OpenRange(ctx, scheme+"://b/missing"); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("missing object: %v", err)
			}
		})
	}
}

func TestRegisterTailRequest(t *testing.T) {
	for _, tt := range []struct {
		name string
		call func()
	}{
		{"twice", func() { RegisterTailRequest("memwhole", tailRequest("memwhole")) }},
		{"nil", func() { RegisterTailRequest("nil-scheme", nil) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			tt.call()
		})
	}
}
