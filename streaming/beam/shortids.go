package beam

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"strconv"
	"sync/atomic"
	"unsafe"

	// The package of the symbols below.
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/core/runtime/harness"
)

// Disjoint metric short ids for the worker pools of one job.
//
// A Go SDK worker names each metric it reports by a short id, numbered from 1 in every
// process (harness.shortIDCache). Prism (v2.78.0) keeps one table of short ids per job, not
// per worker (jobservices.metricsStore.shortIDsToKeys): with two worker processes in one job
// (two environments, see placeOnWorkers) the second one's id "3" is read as the first one's
// "3", and prism panics decoding a distribution as a counter. Each worker pool process
// therefore starts its short ids at a random offset, so that no two processes share one.
// Short ids are opaque strings to the runner (they are looked up by MonitoringMetadata), so
// any distinct values are correct.
//
// This reaches into the Go SDK's harness (v2.78.0, pinned in go.mod): the cache variable and
// its counter, the fourth field (after a sync.Mutex and two maps). startShortIDsAt checks
// the result through the SDK's own getNextShortID and fails if the layout has moved.

//go:linkname harnessShortIDCache github.com/apache/beam/sdks/v2/go/pkg/beam/core/runtime/harness.defaultShortIDCache
var harnessShortIDCache unsafe.Pointer

//go:linkname harnessNextShortID github.com/apache/beam/sdks/v2/go/pkg/beam/core/runtime/harness.(*shortIDCache).getNextShortID
func harnessNextShortID(c unsafe.Pointer) string

// shortIDCounterOffset is the offset of shortIDCache.lastShortID: a sync.Mutex (8 bytes) and
// two maps (a pointer each).
const shortIDCounterOffset = 8 + 2*unsafe.Sizeof(uintptr(0))

// spreadShortIDs starts this process's metric short ids at a random offset below 2^52.
func spreadShortIDs() error {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	return startShortIDsAt(int64(binary.LittleEndian.Uint64(b[:])>>12) | 1<<40)
}

// startShortIDsAt makes the next short id of this process at+1.
func startShortIDsAt(at int64) error {
	if harnessShortIDCache == nil {
		return fmt.Errorf("sluice: beam: the Go SDK's short id cache is not initialized")
	}
	counter := (*int64)(unsafe.Add(harnessShortIDCache, shortIDCounterOffset))
	if n := atomic.LoadInt64(counter); n != 0 {
		return fmt.Errorf("sluice: beam: this process has given out metric short ids already (%d), or the Go SDK's short id cache has another layout", n)
	}
	atomic.StoreInt64(counter, at-1)
	// The SDK gives out at; the real ids start after it.
	if got, want := harnessNextShortID(harnessShortIDCache), strconv.FormatInt(at, 36); got != want {
		return fmt.Errorf("sluice: beam: the Go SDK's short id cache has another layout (got id %q, want %q)", got, want)
	}
	return nil
}
