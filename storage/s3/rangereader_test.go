package s3_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/sluicedata/sluice/storage"
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

// rangeCounter is a proxy in front of a test server that counts HEAD requests, ranged GET
// requests and the bytes their Range headers ask for.
type rangeCounter struct {
	srv *httptest.Server

	mu     sync.Mutex
	heads  int
	gets   int
	ranged int64
}

func newRangeCounter(t *testing.T, target string) *rangeCounter {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	c := &rangeCounter{}
	rp := httputil.NewSingleHostReverseProxy(u)
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var from, to, last int64
		c.mu.Lock()
		switch rng := r.Header.Get("Range"); {
		case r.Method == http.MethodHead:
			c.heads++
		case r.Method != http.MethodGet:
		case strings.HasPrefix(rng, "bytes=-"):
			if _, err := fmt.Sscanf(rng, "bytes=-%d", &last); err == nil {
				c.gets++
				c.ranged += last
			}
		default:
			if _, err := fmt.Sscanf(rng, "bytes=%d-%d", &from, &to); err == nil {
				c.gets++
				c.ranged += to - from + 1
			}
		}
		c.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *rangeCounter) counts() (heads, gets int, ranged int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.heads, c.gets, c.ranged
}

// TestPrefetchRequests reads a file laid out as Parquet is, row groups of four 2 MiB column
// chunks read 1 MiB of each chunk in turn, declaring each row group and the next before
// reading it, and counts what reaches the server: every byte is fetched once, in few requests.
// A body cut in the middle resumes where it stopped.
func TestPrefetchRequests(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	ctx := context.Background()
	srv := startFakeS3(t, "bucket")
	const chunk, groups = 2 << 20, 4
	data := make([]byte, groups*4*chunk+100_000) // the last 100 kB stand for the footer
	for i := range data {
		data[i] = byte(i ^ i>>9 ^ i>>17)
	}
	srv.put(t, "bucket", "file.parquet", data)
	counter := newRangeCounter(t, srv.proxy.URL)
	f := newFS(t)
	p, err := f.Resolve(ctx, "s3://bucket/file.parquet?endpoint="+url.QueryEscape(counter.srv.URL)+"&use_path_style=true&region=us-east-1&retry_max_backoff=5ms")
	if err != nil {
		t.Fatal(err)
	}
	group := func(g int) []storage.Span {
		if g >= groups {
			return nil
		}
		var s []storage.Span
		for c := range 4 {
			s = append(s, storage.Span{Off: int64((g*4 + c) * chunk), Len: chunk})
		}
		return s
	}
	read := func(t *testing.T, r storage.RangeReader) {
		for g := range groups {
			r.Prefetch(append(group(g), group(g+1)...))
			for at := 0; at < chunk; at += 1 << 20 {
				for c := range 4 {
					off := int64((g*4+c)*chunk + at)
					buf := make([]byte, 1<<20)
					if k, err := r.ReadAt(buf, off); err != nil || k != len(buf) || !bytes.Equal(buf, data[off:off+int64(k)]) {
						t.Fatalf("ReadAt(%d) = %d, %v or wrong bytes", off, k, err)
					}
				}
			}
		}
	}
	declared := int64(groups * 4 * chunk)
	footer := int64(64 << 10)
	tests := []struct {
		name     string
		fault    func(n int, r *http.Request) fault
		wantGets int // GET requests, the footer's included
		maxBytes int64
	}{
		// The footer with the size (a suffix range, no HEAD), then pieces of at most
		// 16 MiB: row groups 0 and 1 together, then 2 and 3 (each declared with the one
		// before, which is held already).
		{"every byte once", nil, 1 + 3, declared + footer},
		{"a cut body resumes", func(n int, r *http.Request) fault {
			if r.Method == http.MethodGet && strings.HasPrefix(r.Header.Get("Range"), "bytes=0-") {
				return cutBody
			}
			return pass
		}, 1 + 3 + 1, declared + footer + 16<<20 - 1}, // the cut 16 MiB piece is not fetched again whole
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.setFault(tt.fault)
			defer srv.setFault(nil)
			heads0, gets0, bytes0 := counter.counts()
			r, err := f.OpenRange(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			read(t, r)
			r.Close()
			heads, gets, ranged := counter.counts()
			heads, gets, ranged = heads-heads0, gets-gets0, ranged-bytes0
			if heads != 0 || gets != tt.wantGets || ranged < declared+footer || ranged > tt.maxBytes {
				t.Errorf("%d HEADs and %d GETs for %d bytes; want 0 HEADs and %d GETs for %d to %d bytes",
					heads, gets, ranged, tt.wantGets, declared+footer, tt.maxBytes)
			}
		})
	}
}
