package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
)

func TestRangeReader(t *testing.T) {
	ctx := context.Background()
	data := make([]byte, 3*splitBytes+12345) // large enough for split reads
	for i := range data {
		data[i] = byte(i ^ i>>9 ^ i>>17) // no period that a misplaced read could match
	}
	for _, ahead := range []int64{0, -1, 1000} { // default, disabled, tiny
		t.Run(fmt.Sprintf("ReadAhead=%d", ahead), func(t *testing.T) { testRangeReader(t, ctx, data, ahead) })
	}
}

func testRangeReader(t *testing.T, ctx context.Context, data []byte, ahead int64) {
	f := memFS(t)
	f.ReadAhead = ahead
	put(t, f, "mem://b/blob", string(data))
	put(t, f, "mem://b/empty", "")
	r, err := f.OpenRange(ctx, "mem://b/blob")
	if err != nil {
		t.Fatal(err)
	}
	if r.Size() != int64(len(data)) {
		t.Fatalf("Size = %d", r.Size())
	}
	n := int64(len(data))
	tests := []struct {
		name    string
		off     int64
		len     int
		wantN   int
		wantErr error
	}{
		{"footer magic", n - 8, 8, 8, nil},
		{"footer block", n - footerBytes, footerBytes, footerBytes, nil},
		{"start", 0, 100, 100, nil},
		{"nearby small read", 150, 100, 100, nil},
		{"straddles a block", DefaultReadAhead - 10, 100, 100, nil},
		{"large split read", 1000, 2*splitBytes + 5, 2*splitBytes + 5, nil},
		{"whole file", 0, int(n), int(n), nil},
		{"past the end", n - 10, 100, 10, io.EOF},
		{"at the end", n, 10, 0, io.EOF},
		{"empty read at the end", n, 0, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := make([]byte, tt.len)
			got, err := r.ReadAt(p, tt.off)
			if got != tt.wantN || err != tt.wantErr {
				t.Fatalf("ReadAt = %d, %v; want %d, %v", got, err, tt.wantN, tt.wantErr)
			}
			if !bytes.Equal(p[:got], data[tt.off:tt.off+int64(got)]) {
				t.Fatal("wrong bytes")
			}
		})
	}
	t.Run("concurrent random reads", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := range 8 {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(g), 7))
				for range 50 {
					// A window of a few blocks, so that readers share blocks, some of
					// them still being fetched.
					off := rng.Int64N(3 * DefaultReadAhead / 2)
					p := make([]byte, rng.IntN(3000))
					k, err := r.ReadAt(p, off)
					if err != nil && err != io.EOF || !bytes.Equal(p[:k], data[off:off+int64(k)]) {
						errs <- errors.New("concurrent ReadAt returned wrong bytes")
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	})
	if _, err := r.ReadAt(make([]byte, 1), -1); err == nil || !strings.Contains(err.Error(), "negative offset") {
		t.Fatalf("negative offset: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadAt(make([]byte, 10), 0); err == nil {
		t.Fatal("ReadAt after Close succeeded")
	}
	e, err := f.OpenRange(ctx, "mem://b/empty")
	if err != nil {
		t.Fatal(err)
	}
	if k, err := e.ReadAt(make([]byte, 4), 0); k != 0 || err != io.EOF || e.Size() != 0 {
		t.Fatalf("empty object: %d, %v", k, err)
	}
	e.Close()
}

func TestRangeReaderCancelled(t *testing.T) {
	f := memFS(t)
	put(t, f, "mem://b/blob", strings.Repeat("x", 1<<21))
	ctx, cancel := context.WithCancel(context.Background())
	r, err := f.OpenRange(ctx, "mem://b/blob")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cancel()
	if _, err := r.ReadAt(make([]byte, 10), 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}
