package bench

import (
	"bytes"
	"context"
	"testing"

	"github.com/sluicedata/sluice/exec"
)

// BenchmarkTaskThroughput submits b.N trivial tasks from one goroutine and
// gathers them all, on one CPU slot per core. Goal: 500,000 tasks/s on 2
// cores (Ray: about 8,000 async tasks/s per client).
func BenchmarkTaskThroughput(b *testing.B) {
	rt, err := exec.New(exec.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	ctx := context.Background()
	fs := make([]*exec.Future[int], b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range fs {
		fs[i] = exec.Go(ctx, rt, func(context.Context) (int, error) { return i, nil })
	}
	if _, err := exec.GetAll(ctx, fs); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tasks/s")
}

// BenchmarkGetPut is the round trip of a small object: Put, Get, Release.
// Goal: 2 us or less (Ray: put 193 us, get 94 us).
func BenchmarkGetPut(b *testing.B) {
	rt, err := exec.New(exec.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	ctx := context.Background()
	payload := []byte("a small object of 32 bytes......")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ref, err := exec.Put(rt, payload)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ref.Get(ctx); err != nil {
			b.Fatal(err)
		}
		ref.Release()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "us/op")
}

// BenchmarkSpill puts 4x a 16 MiB store budget as 1 MiB objects (48 of
// them spill to disk) and reads them all back; MB/s counts each object's
// bytes once per round trip.
func BenchmarkSpill(b *testing.B) {
	const (
		objectBytes = 1 << 20
		budget      = 16 << 20
		objects     = 4 * budget / objectBytes
	)
	ctx := context.Background()
	payloads := make([][]byte, objects)
	for i := range payloads {
		payloads[i] = bytes.Repeat([]byte{byte(i)}, objectBytes)
	}
	dir := b.TempDir()
	b.SetBytes(objects * objectBytes)
	b.ResetTimer()
	for b.Loop() {
		rt, err := exec.New(exec.Options{ObjectStoreBytes: budget, SpillDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		refs := make([]*exec.ObjectRef[[]byte], objects)
		for i, p := range payloads {
			if refs[i], err = exec.Put(rt, p); err != nil {
				b.Fatal(err)
			}
		}
		for i, ref := range refs {
			got, err := ref.Get(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if got[0] != byte(i) {
				b.Fatalf("object %d came back wrong", i)
			}
		}
		if s := rt.Stats(); s.ObjectsSpilled < objects-budget/objectBytes {
			b.Fatalf("only %d objects spilled", s.ObjectsSpilled)
		}
		if err := rt.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*objects*objectBytes/1e6/b.Elapsed().Seconds(), "MB/s")
}
