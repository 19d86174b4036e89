package s3_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// fakeS3 is an in-process S3 server (gofakes3) behind a proxy that can inject faults and
// records the requests it sees.
type fakeS3 struct {
	backend *s3mem.Backend
	proxy   *httptest.Server

	mu       sync.Mutex
	requests []recorded
	fault    func(n int, r *http.Request) fault // decides the fate of request number n (from 1)
	injected map[fault]int
}

type recorded struct {
	method, path, query string
	signed              bool
}

type fault int

const (
	pass     fault = iota
	slowDown       // 503 SlowDown, as S3 throttles
	drop           // close the connection without an answer
	cutBody        // send the headers and half the body, then close the connection
	forbid         // 403 AccessDenied
)

// startFakeS3 starts gofakes3 with the given buckets and a proxy in front of it, closing both
// when the test ends. Credentials are fake and the AWS config files are ignored.
func startFakeS3(t *testing.T, buckets ...string) *fakeS3 {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", "sluice")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "sluice-secret")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	f := &fakeS3{backend: s3mem.New(), injected: map[fault]int{}}
	for _, b := range buckets {
		if err := f.backend.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	faker := gofakes3.New(f.backend)
	upstream := httptest.NewServer(faker.Server())
	target, _ := url.Parse(upstream.URL)
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ErrorLog = nil
	f.proxy = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests = append(f.requests, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization") != ""})
		n := len(f.requests)
		what := pass
		if f.fault != nil {
			what = f.fault(n, r)
		}
		f.injected[what]++
		f.mu.Unlock()
		switch what {
		case slowDown:
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`))
		case forbid:
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`))
		case drop:
			panic(http.ErrAbortHandler) // the server closes the connection, unanswered
		case cutBody:
			rp.ServeHTTP(&cutWriter{ResponseWriter: w}, r)
		default:
			rp.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(func() {
		f.proxy.Close()
		upstream.Close()
	})
	return f
}

// url returns an s3:// URL for bucket/key on this server, with the options a real program
// would give for an S3-compatible endpoint.
func (f *fakeS3) url(user, bucketKey string) string {
	host := bucketKey
	if user != "" {
		host = user + "@" + bucketKey
	}
	return "s3://" + host + "?endpoint=" + url.QueryEscape(f.proxy.URL) + "&use_path_style=true&region=us-east-1&retry_max_backoff=5ms"
}

func (f *fakeS3) setFault(fn func(n int, r *http.Request) fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fault = fn
}

func (f *fakeS3) count(what fault) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.injected[what]
}

func (f *fakeS3) seen() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.requests...)
}

// objects lists the keys of bucket in the backend directly, bypassing sluice.
func (f *fakeS3) objects(t *testing.T, bucket string) []string {
	t.Helper()
	res, err := f.backend.ListBucket(bucket, &gofakes3.Prefix{}, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range res.Contents {
		keys = append(keys, o.Key)
	}
	return keys
}

// put stores an object in the backend directly.
func (f *fakeS3) put(t *testing.T, bucket, key string, data []byte) {
	t.Helper()
	if _, err := f.backend.PutObject(bucket, key, map[string]string{}, strings.NewReader(string(data)), int64(len(data)), nil); err != nil {
		t.Fatal(err)
	}
}

// cutWriter passes the headers and the first half of a successful body, then aborts the
// connection.
type cutWriter struct {
	http.ResponseWriter
	cutting bool
	left    int64
}

func (c *cutWriter) WriteHeader(code int) {
	if n, err := strconv.ParseInt(c.Header().Get("Content-Length"), 10, 64); err == nil && n > 0 && code < 300 {
		c.cutting, c.left = true, n/2
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *cutWriter) Write(p []byte) (int, error) {
	if !c.cutting {
		return c.ResponseWriter.Write(p)
	}
	if int64(len(p)) >= c.left {
		c.ResponseWriter.Write(p[:c.left])
		if fl, ok := c.ResponseWriter.(http.Flusher); ok {
			fl.Flush()
		}
		panic(http.ErrAbortHandler)
	}
	c.left -= int64(len(p))
	return c.ResponseWriter.Write(p)
}
