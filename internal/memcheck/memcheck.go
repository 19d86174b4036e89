// Package memcheck is the checked allocator of sluice's tests: it counts the bytes handed out
// and not yet freed, exactly, and when a test ends with bytes still live it names where each
// was allocated.
//
// It checks what arrow's memory.CheckedAllocator checks, at a fraction of the cost per call:
// that one symbolizes its caller (runtime.Caller) and keeps a runtime.Frames per live
// allocation in a sync.Map, which cost the relational tests a fifth of their CPU, and more in
// the garbage collector, which scanned every entry. This one keeps a few program counters per
// allocation in a map the collector need not scan, and symbolizes them only when it reports. It
// also fails a test that frees a buffer it did not hand out, or frees it with another length.
package memcheck

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// frames is how many callers an allocation records: enough to climb out of arrow's buffers and
// sluice's allocator wrappers to the code that asked for the memory.
const frames = 12

// Allocator is a memory.Allocator that checks its callers; safe for concurrent use.
type Allocator struct {
	mem  memory.Allocator
	size atomic.Int64

	mu   sync.Mutex
	live map[uintptr]block // by the address of the first byte
	bad  []string          // frees of buffers not live, or of another length
}

type block struct {
	size int
	pcs  [frames]uintptr
}

// New checks the allocations made from mem.
func New(mem memory.Allocator) *Allocator {
	return &Allocator{mem: mem, live: make(map[uintptr]block)}
}

// CurrentAlloc is the number of bytes allocated and not freed.
func (a *Allocator) CurrentAlloc() int { return int(a.size.Load()) }

func (a *Allocator) Allocate(size int) []byte {
	out := a.mem.Allocate(size)
	a.size.Add(int64(size))
	if size > 0 {
		a.add(out)
	}
	return out
}

func (a *Allocator) Reallocate(size int, b []byte) []byte {
	if len(b) > 0 {
		a.remove(b)
	}
	out := a.mem.Reallocate(size, b)
	a.size.Add(int64(size - len(b)))
	if size > 0 {
		a.add(out)
	}
	return out
}

func (a *Allocator) Free(b []byte) {
	if len(b) > 0 {
		a.remove(b)
	}
	a.size.Add(-int64(len(b)))
	a.mem.Free(b)
}

func (a *Allocator) add(b []byte) {
	bl := block{size: len(b)}
	runtime.Callers(3, bl.pcs[:]) // from the caller of Allocate or Reallocate
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	a.mu.Lock()
	a.live[p] = bl
	a.mu.Unlock()
}

func (a *Allocator) remove(b []byte) {
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	a.mu.Lock()
	bl, ok := a.live[p]
	delete(a.live, p)
	if !ok || bl.size != len(b) {
		var pcs [frames]uintptr
		runtime.Callers(3, pcs[:])
		what := "a buffer it did not allocate (or freed already)"
		if ok {
			what = fmt.Sprintf("%d bytes of a %d-byte buffer allocated at %s", len(b), bl.size, site(bl.pcs[:]))
		}
		a.bad = append(a.bad, fmt.Sprintf("free of %s, at %s", what, site(pcs[:])))
	}
	a.mu.Unlock()
}

// T is the part of testing.TB AssertSize uses.
type T interface {
	Helper()
	Errorf(format string, args ...any)
}

// AssertSize fails t unless exactly sz bytes are live, listing where the live bytes were
// allocated (by site, the most bytes first), and fails it for every bad free.
func (a *Allocator) AssertSize(t T, sz int) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, b := range a.bad {
		t.Errorf("memcheck: %s", b)
	}
	got := int(a.size.Load())
	if got == sz {
		return
	}
	type agg struct {
		site         string
		count, bytes int
	}
	bySite := map[string]*agg{}
	for _, bl := range a.live {
		s := site(bl.pcs[:])
		g := bySite[s]
		if g == nil {
			g = &agg{site: s}
			bySite[s] = g
		}
		g.count++
		g.bytes += bl.size
	}
	var sites []*agg
	for _, g := range bySite {
		sites = append(sites, g)
	}
	slices.SortFunc(sites, func(x, y *agg) int { return y.bytes - x.bytes })
	var w strings.Builder
	for i, g := range sites {
		if i == 20 {
			fmt.Fprintf(&w, "\n\t... and %d more sites", len(sites)-i)
			break
		}
		fmt.Fprintf(&w, "\n\t%d bytes in %d buffers allocated at %s", g.bytes, g.count, g.site)
	}
	t.Errorf("memcheck: %d bytes live, want %d:%s", got, sz, w.String())
}

// site names the first caller outside arrow-go and the allocators that wrap one another
// (their Allocate and Reallocate methods), with the arrow function it called, if any.
func site(pcs []uintptr) string {
	fr := runtime.CallersFrames(pcs)
	var first, via string
	for {
		f, more := fr.Next()
		if f.Function == "" {
			break
		}
		name := fmt.Sprintf("%s (%s:%d)", f.Function, f.File, f.Line)
		if first == "" {
			first = name
		}
		switch {
		case strings.HasSuffix(f.Function, ".Allocate") || strings.HasSuffix(f.Function, ".Reallocate") ||
			strings.Contains(f.Function, "arrow/memory."):
		case strings.HasPrefix(f.Function, "github.com/apache/arrow-go/"):
			via = f.Function
		default:
			if via != "" {
				return name + " via " + via
			}
			return name
		}
		if !more {
			break
		}
	}
	if first == "" {
		return "an unknown caller"
	}
	return first + " (deeper than the frames kept)"
}
