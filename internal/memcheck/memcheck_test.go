package memcheck

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

type recorder struct{ errs []string }

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func leakOne(mem memory.Allocator) *array.Int64Builder {
	b := array.NewInt64Builder(mem)
	b.Append(7)
	return b
}

func TestBalanced(t *testing.T) {
	a := New(memory.NewGoAllocator())
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range 200 {
				b := array.NewInt64Builder(a)
				for j := range i {
					b.Append(int64(j))
				}
				arr := b.NewArray()
				b.Release()
				arr.Release()
			}
		})
	}
	wg.Wait()
	var r recorder
	a.AssertSize(&r, 0)
	if len(r.errs) > 0 || a.CurrentAlloc() != 0 {
		t.Fatalf("balanced use reported %v (%d bytes live)", r.errs, a.CurrentAlloc())
	}
}

func TestLeakNamesTheSite(t *testing.T) {
	a := New(memory.NewGoAllocator())
	b := leakOne(a)
	var r recorder
	a.AssertSize(&r, 0)
	if len(r.errs) != 1 || !strings.Contains(r.errs[0], "bytes live, want 0") || !strings.Contains(r.errs[0], "memcheck.leakOne (") || !strings.Contains(r.errs[0], "via github.com/apache/arrow-go/v18/arrow/array.") || !strings.Contains(r.errs[0], "320 bytes in 2 buffers allocated at") {
		t.Fatalf("a leak was reported as %q", r.errs)
	}
	b.Release()
	r = recorder{}
	a.AssertSize(&r, 0)
	if len(r.errs) != 0 {
		t.Fatalf("after the release: %q", r.errs)
	}
}

func TestBadFrees(t *testing.T) {
	a := New(memory.NewGoAllocator())
	p := a.Allocate(64)
	a.Free(p[:32])           // another length
	a.Free(make([]byte, 16)) // never allocated here
	q := a.Allocate(8)
	a.Free(q)
	a.Free(q) // twice
	var r recorder
	a.AssertSize(&r, 8) // the sizes add up as freed (64-32-16+8-8-8): the bad frees are reported
	if len(r.errs) != 3 || !strings.Contains(r.errs[0], "32 bytes of a 64-byte buffer allocated at") ||
		!strings.Contains(r.errs[1], "did not allocate") || !strings.Contains(r.errs[2], "did not allocate") {
		t.Fatalf("bad frees were reported as %q", r.errs)
	}
	if !strings.Contains(r.errs[0], "memcheck.TestBadFrees") {
		t.Fatalf("the bad free does not name its site: %q", r.errs[0])
	}
}
