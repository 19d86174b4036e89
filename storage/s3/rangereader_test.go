package s3_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"go.uber.org/goleak"
)

// TestRangeRequests counts the requests a RangeReader makes with the default 4 MiB blocks: the
// footer comes with the open, nearby reads share one block, a large read is split into parts,
// and a forward scan prefetches the next block.
func TestRangeRequests(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	ctx := context.Background()
	srv := startFakeS3(t, "bucket")
	data := bytes.Repeat([]byte("0123456789abcdef"), 2<<20) // 32 MiB
	srv.put(t, "bucket", "big.bin", data)
	f := newFS(t)
	p, err := f.Resolve(ctx, srv.url("", "bucket/big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	gets := func() int {
		n := 0
		for _, r := range srv.seen() {
			if r.method == http.MethodGet {
				n++
			}
		}
		return n
	}
	r, err := f.OpenRange(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	n := int64(len(data))
	steps := []struct {
		name     string
		off      int64
		len      int
		wantGets int // GET requests made by this step
	}{
		{"footer magic", n - 8, 8, 0},
		{"footer", n - 40_000, 40_000, 0},
		{"first small read", 4096, 100, 1},
		{"nearby reads coalesce", 8192, 5000, 0},
		{"another nearby read", 300_000, 200_000, 0},
		{"far read", 20 << 20, 100, 1},
		{"large read is split", 0, 20 << 20, 3}, // 8 MiB parts, past the blocks
	}
	for _, s := range steps {
		before := gets()
		buf := make([]byte, s.len)
		if k, err := r.ReadAt(buf, s.off); err != nil || k != s.len || !bytes.Equal(buf, data[s.off:s.off+int64(s.len)]) {
			t.Fatalf("%s: ReadAt = %d, %v or wrong bytes", s.name, k, err)
		}
		if got := gets() - before; got != s.wantGets {
			t.Errorf("%s: %d GETs, want %d", s.name, got, s.wantGets)
		}
	}
	r.Close()

	// Sequential 2 MiB reads, as Parquet reads the column chunks of a row group.
	r, err = f.OpenRange(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	before := gets()
	const chunk = 2 << 20
	for i := range 5 {
		buf := make([]byte, chunk)
		off := int64(i * chunk)
		if k, err := r.ReadAt(buf, off); err != nil || k != chunk || !bytes.Equal(buf, data[off:off+chunk]) {
			t.Fatalf("sequential read %d: %d, %v or wrong bytes", i, k, err)
		}
	}
	r.Close() // waits for the prefetches
	// Block [0,4M) for the first read; the second reaches its end and prefetches [4M,8M),
	// the fourth prefetches [8M,12M); reads 2 to 5 cost no request of their own.
	if got := gets() - before; got != 3 {
		t.Errorf("sequential reads: %d GETs, want 3", got)
	}
	if _, err := r.ReadAt(make([]byte, 1), 0); err == nil {
		t.Error("ReadAt after Close succeeded")
	}
}

// TestPersistentThrottlingFails checks the retry bound: a server that always answers 503
// fails the write and the read in bounded time, and the failed write leaves no object.
func TestPersistentThrottlingFails(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	ctx := context.Background()
	srv := startFakeS3(t, "bucket")
	srv.put(t, "bucket", "in/x.txt", []byte("data"))
	f := newFS(t)
	dir, err := f.Resolve(ctx, srv.url("", "bucket/out"))
	if err != nil {
		t.Fatal(err)
	}
	srv.setFault(func(int, *http.Request) fault { return slowDown })
	mem := memoryChecked(t)
	if _, err := writeParquet(ctx, mem, writeStorage(f), dir, 10, 0); err == nil {
		t.Fatal("write succeeded against a server that always throttles")
	}
	before := len(srv.seen())
	if _, err := f.Open(ctx, "s3://bucket/in/x.txt"); err == nil || !bytesContains(err.Error(), "s3://bucket/in/x.txt") {
		t.Fatalf("open: err = %v", err)
	}
	// FS attempts (4) times the SDK's attempts (3) bound the requests of one call.
	if n := len(srv.seen()) - before; n > 12 || n < 4 {
		t.Fatalf("%d requests for one open", n)
	}
	srv.setFault(nil)
	if got := srv.objects(t, "bucket"); len(got) != 1 {
		t.Fatalf("objects %q; the failed write must leave none", got)
	}
}
