package progress

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestBarFinalFrame(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name         string
		total        int
		ok, failed   int
		want, reject string
	}{
		{name: "complete", total: 8, ok: 8, want: "] 8/8 ["},
		{name: "stopped early", total: 8, ok: 5, want: "] 5/8 [", reject: "8/8"},
		{name: "with failures", total: 8, ok: 6, failed: 2, want: "] 8/8 (2 failed) ["},
		{name: "unknown total", total: 0, ok: 3, want: "] 3 ["},
		{name: "more than total", total: 4, ok: 6, want: "] 6/4 ["},
		{name: "nothing done", total: 3, ok: 0, want: "] 0/3 ["},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			b := NewBar("work", tc.total, forced(&buf)...)
			// Items finish concurrently, as tasks do.
			var wg sync.WaitGroup
			for range tc.ok {
				wg.Go(func() { b.Add(1) })
			}
			for range tc.failed {
				wg.Go(func() { b.AddFailed(1) })
			}
			wg.Wait()
			b.Close()
			b.Close() // idempotent
			frame := lastFrame(t, buf.String())
			if !strings.Contains(frame, tc.want) || !strings.HasPrefix(frame, "work ") {
				t.Errorf("last frame %q, want it to start with the name and show %q", frame, tc.want)
			}
			if tc.reject != "" && strings.Contains(frame, tc.reject) {
				t.Errorf("last frame %q shows %q", frame, tc.reject)
			}
			done, failed := b.Count()
			if done != int64(tc.ok+tc.failed) || failed != int64(tc.failed) {
				t.Errorf("Count = %d, %d; want %d, %d", done, failed, tc.ok+tc.failed, tc.failed)
			}
		})
	}
}

func TestBarQuiet(t *testing.T) {
	defer goleak.VerifyNone(t)
	for name, open := range quietCases(t) {
		t.Run(name, func(t *testing.T) {
			w, written := open()
			before := goleak.IgnoreCurrent()
			b := NewBar("work", 5, WithOutput(w))
			if err := goleak.Find(before); err != nil {
				t.Errorf("a quiet bar started a goroutine: %v", err)
			}
			b.Add(4)
			b.AddFailed(1)
			b.Add(0)  // ignored
			b.Add(-3) // ignored
			b.Close()
			b.Add(1) // after Close: counted, nothing drawn
			if got := written(); got != "" {
				t.Errorf("a quiet bar wrote %q", got)
			}
			if done, failed := b.Count(); done != 6 || failed != 1 {
				t.Errorf("Count = %d, %d; want 6, 1", done, failed)
			}
		})
	}
}

func TestBarAddAfterClose(t *testing.T) {
	defer goleak.VerifyNone(t)
	var buf bytes.Buffer
	b := NewBar("work", 2, forced(&buf)...)
	b.Add(1)
	b.Close()
	n := buf.Len()
	b.Add(1) // must not block nor draw
	if buf.Len() != n {
		t.Errorf("Add after Close drew %q", buf.String()[n:])
	}
	if el := b.Elapsed(); el != b.Elapsed() {
		t.Errorf("Elapsed moves after Close: %v", el)
	}
}
