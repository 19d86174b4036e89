package storage

import (
	"sync"

	"gocloud.dev/blob"
)

// TailRequest returns reader options that turn Bucket.NewRangeReader(ctx, key, 0, -1, opts)
// into a request for the object's last n bytes (HTTP "Range: bytes=-n"), whose reader's Size
// is the whole object's. Drivers register one with RegisterTailRequest.
type TailRequest func(n int64) *blob.ReaderOptions

var tailRequests = struct {
	sync.RWMutex
	m map[string]TailRequest
}{m: map[string]TailRequest{}}

// RegisterTailRequest lets OpenRange fetch the footer of objects of scheme and learn their size
// with one request instead of a metadata request followed by a range request: a round trip
// less for every Parquet file opened. Driver packages call it from init, after Register; it
// panics when scheme already has one or tail is nil, which is a programming error. OpenRange
// falls back to the two requests when the tail request fails for any reason but a missing
// object, or when the server answers with the whole object.
func RegisterTailRequest(scheme string, tail TailRequest) {
	tailRequests.Lock()
	defer tailRequests.Unlock()
	if tail == nil {
		panic("sluice: storage: RegisterTailRequest of a nil request for " + scheme)
	}
	if _, dup := tailRequests.m[scheme]; dup {
		panic("sluice: storage: RegisterTailRequest called twice for " + scheme)
	}
	tailRequests.m[scheme] = tail
}

func tailRequest(scheme string) TailRequest {
	tailRequests.RLock()
	defer tailRequests.RUnlock()
	return tailRequests.m[scheme]
}
