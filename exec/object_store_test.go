package exec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
	"go.uber.org/goleak"
)

type point struct {
	X, Y  int
	Label string
}

func TestPutGetTypes(t *testing.T) {
	rt := newRuntime(t, Options{CPUs: 1})
	defer rt.Close()
	ctx := context.Background()
	t.Run("bytes", func(t *testing.T) {
		ref, err := Put(rt, []byte("hello"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := ref.Get(ctx)
		if err != nil || string(got) != "hello" || ref.Size() != 5 {
			t.Fatalf("Get = %q, %v, size %d", got, err, ref.Size())
		}
	})
	t.Run("string", func(t *testing.T) {
		ref, err := Put(rt, "héllo")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := ref.Get(ctx); err != nil || got != "héllo" || ref.Size() != 6 {
			t.Fatalf("Get = %q, %v, size %d", got, err, ref.Size())
		}
	})
	t.Run("struct sized by gob", func(t *testing.T) {
		ref, err := Put(rt, point{1, 2, "a"})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := ref.Get(ctx); err != nil || got != (point{1, 2, "a"}) || ref.Size() <= 0 {
			t.Fatalf("Get = %v, %v, size %d", got, err, ref.Size())
		}
	})
	t.Run("explicit size", func(t *testing.T) {
		ref, err := Put(rt, []int{1, 2, 3}, SizeBytes(24))
		if err != nil || ref.Size() != 24 {
			t.Fatalf("Put = size %v, %v", ref, err)
		}
	})
}

// TestSpillAndRestore puts 4x the store budget and reads everything back.
func TestSpillAndRestore(t *testing.T) {
	defer goleak.VerifyNone(t)
	parent := t.TempDir()
	var logMu sync.Mutex
	var logs []string
	rt := newRuntime(t, Options{
		CPUs: 2, ObjectStoreBytes: 4 << 10, SpillDir: parent,
		Logf: func(format string, args ...any) {
			logMu.Lock()
			defer logMu.Unlock()
			logs = append(logs, fmt.Sprintf(format, args...))
		},
	})
	ctx := context.Background()
	const n = 16
	refs := make([]*ObjectRef[[]byte], n)
	for i := range refs {
		var err error
		if refs[i], err = Put(rt, bytes.Repeat([]byte{byte(i)}, 1<<10)); err != nil {
			t.Fatal(err)
		}
	}
	s := rt.Stats()
	if s.ObjectsSpilled != n-4 || s.BytesSpilled != (n-4)<<10 || s.BytesInMemory != 4<<10 || s.ObjectsStored != n {
		t.Fatalf("after puts: %+v; want %d spilled, 4 KiB in memory", s, n-4)
	}
	if filepath.Dir(s.SpillDir) != parent {
		t.Fatalf("SpillDir = %q, want it under %q", s.SpillDir, parent)
	}
	files, _ := os.ReadDir(s.SpillDir)
	if len(files) != n-4 {
		t.Fatalf("%d spill files, want %d", len(files), n-4)
	}
	// Read everything back, from tasks running concurrently.
	fs := make([]*Future[byte], n)
	for i, ref := range refs {
		fs[i] = Go(ctx, rt, func(ctx context.Context) (byte, error) {
			b, err := ref.Get(ctx)
			if err != nil {
				return 0, err
			}
			if len(b) != 1<<10 || b[0] != byte(i) || b[len(b)-1] != byte(i) {
				return 0, fmt.Errorf("object %d came back wrong", i)
			}
			return b[0], nil
		})
	}
	if _, err := GetAll(ctx, fs); err != nil {
		t.Fatal(err)
	}
	s = rt.Stats()
	if s.ObjectsRestored < n-4 || s.BytesInMemory > 4<<10 {
		t.Fatalf("after gets: %+v; want >= %d restored and within budget", s, n-4)
	}
	// Objects are immutable: each is written at most once, however often
	// it is restored and dropped again.
	if s.ObjectsSpilled != n {
		t.Fatalf("ObjectsSpilled = %d after reads, want %d (one write per object)", s.ObjectsSpilled, n)
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(parent); len(left) != 0 {
		t.Fatalf("spill files left after Close: %v", left)
	}
	logMu.Lock()
	defer logMu.Unlock()
	if len(logs) == 0 || !regexp.MustCompile(`^sluice: exec: spilled \d+ MiB, 16 objects, write throughput \d+ MiB/s$`).MatchString(logs[len(logs)-1]) {
		t.Fatalf("spill log = %q, want a final line like Ray's", logs)
	}
}

func TestSpillArrowRecords(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	makeRecord := func(i int) arrow.RecordBatch {
		b := array.NewRecordBuilder(mem, schema)
		defer b.Release()
		for j := range 100 {
			b.Field(0).(*array.Int64Builder).Append(int64(i*1000 + j))
			b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("row-%d-%d", i, j))
		}
		return b.NewRecordBatch()
	}
	first := makeRecord(0)
	size := recordSize(first)
	first.Release()

	rt := newRuntime(t, Options{CPUs: 1, ObjectStoreBytes: 2 * size, SpillDir: t.TempDir(), Allocator: mem})
	ctx := context.Background()
	var want []arrow.RecordBatch
	var refs []*ObjectRef[arrow.RecordBatch]
	for i := range 6 {
		rec := makeRecord(i)
		ref, err := Put(rt, rec)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, rec) // the caller keeps its own reference
		refs = append(refs, ref)
	}
	if s := rt.Stats(); s.ObjectsSpilled != 4 {
		t.Fatalf("ObjectsSpilled = %d, want 4", s.ObjectsSpilled)
	}
	for i, ref := range refs {
		got, err := ref.Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !array.RecordEqual(got, want[i]) {
			t.Fatalf("record %d changed through a spill", i)
		}
		got.Release()
	}
	refs[0].Release()
	if _, err := refs[0].Get(ctx); !errors.Is(err, ErrObjectReleased) {
		t.Fatalf("Get after Release: err = %v, want ErrObjectReleased", err)
	}
	for _, rec := range want {
		rec.Release()
	}
	if err := rt.Close(); err != nil { // releases the store's references
		t.Fatal(err)
	}
}

// failCodec fails to encode, or decodes to the wrong type.
type failCodec struct{ wrongType bool }

func (c failCodec) Encode(w io.Writer, v any) error {
	if c.wrongType {
		_, err := w.Write([]byte("x"))
		return err
	}
	return errors.New("cannot encode")
}

func (c failCodec) Decode(io.Reader, memory.Allocator) (any, error) { return 42, nil }

func TestObjectStoreBadInput(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := context.Background()

	t.Run("object larger than the store", func(t *testing.T) {
		rt := newRuntime(t, Options{ObjectStoreBytes: 1 << 10, SpillDir: t.TempDir()})
		defer rt.Close()
		if _, err := Put(rt, []byte("small")); err != nil {
			t.Fatal(err)
		}
		_, err := Put(rt, make([]byte, 2<<10))
		if !errors.Is(err, ErrObjectTooLarge) || !strings.Contains(err.Error(), "2048 bytes, budget 1024 bytes") {
			t.Fatalf("err = %v, want ErrObjectTooLarge with the sizes", err)
		}
		if s := rt.Stats(); s.ObjectsSpilled != 0 || s.ObjectsStored != 1 {
			t.Fatalf("a refused Put spilled or stored: %+v", s)
		}
	})
	t.Run("spill directory cannot be written", func(t *testing.T) {
		// A path below a regular file cannot be a directory, even for root.
		file := filepath.Join(t.TempDir(), "not-a-dir")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(file, "spill")
		rt := newRuntime(t, Options{ObjectStoreBytes: 1 << 10, SpillDir: dir})
		defer rt.Close()
		first, err := Put(rt, make([]byte, 1<<10))
		if err != nil {
			t.Fatal(err) // fits: no spill yet
		}
		_, err = Put(rt, make([]byte, 1<<10))
		if err == nil || !strings.Contains(err.Error(), "spill directory \""+dir+"\"") {
			t.Fatalf("err = %v, want a spill error naming %s", err, dir)
		}
		if b, err := first.Get(ctx); err != nil || len(b) != 1<<10 {
			t.Fatalf("the object that failed to spill was lost: %v", err)
		}
	})
	t.Run("codec cannot encode", func(t *testing.T) {
		dir := t.TempDir()
		rt := newRuntime(t, Options{ObjectStoreBytes: 1 << 10, SpillDir: dir})
		defer rt.Close()
		if _, err := Put(rt, point{X: 1}, WithCodec(failCodec{})); err == nil || !strings.Contains(err.Error(), "measure size: cannot encode") {
			t.Fatalf("unsized Put with a failing codec: err = %v", err)
		}
		if _, err := Put(rt, []byte("x"), WithCodec(failCodec{}), SizeBytes(1<<10)); err != nil {
			t.Fatal(err)
		}
		_, err := Put(rt, []byte("y"))
		if err == nil || !strings.Contains(err.Error(), "put []uint8: spill object 1 ([]uint8) to "+dir) || !strings.Contains(err.Error(), "cannot encode") {
			t.Fatalf("err = %v, want a spill error naming the object and dir", err)
		}
	})
	t.Run("codec returns the wrong type", func(t *testing.T) {
		rt := newRuntime(t, Options{ObjectStoreBytes: 1 << 10, SpillDir: t.TempDir()})
		defer rt.Close()
		ref, err := Put(rt, []byte("x"), WithCodec(failCodec{wrongType: true}), SizeBytes(1<<10))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Put(rt, []byte("y")); err != nil { // spills ref
			t.Fatal(err)
		}
		if _, err := ref.Get(ctx); err == nil || !strings.Contains(err.Error(), "codec returned int, want []uint8") {
			t.Fatalf("err = %v, want a type mismatch", err)
		}
	})
	t.Run("gob cannot encode the type", func(t *testing.T) {
		rt := newRuntime(t, Options{})
		defer rt.Close()
		if _, err := Put(rt, make(chan int)); err == nil || !strings.Contains(err.Error(), "sluice: exec: put chan int: measure size") {
			t.Fatalf("err = %v, want a measure error naming the type", err)
		}
	})
	t.Run("nil record and nil runtime", func(t *testing.T) {
		rt := newRuntime(t, Options{})
		defer rt.Close()
		var rec arrow.RecordBatch
		if _, err := Put(rt, rec); err == nil || !strings.Contains(err.Error(), "put arrow.RecordBatch: nil value") {
			t.Fatalf("nil record: err = %v", err)
		}
		var arr *array.Int64
		if _, err := Put(rt, arr); err == nil || !strings.Contains(err.Error(), "nil value") {
			t.Fatalf("nil array: err = %v", err)
		}
		if _, err := Put(nil, []byte("x")); err == nil || !strings.Contains(err.Error(), "nil runtime") {
			t.Fatalf("nil runtime: err = %v", err)
		}
		var ref *ObjectRef[int]
		if _, err := ref.Get(ctx); err == nil || !strings.Contains(err.Error(), "nil reference") {
			t.Fatalf("nil ref: err = %v", err)
		}
	})
	t.Run("released and cancelled gets", func(t *testing.T) {
		rt := newRuntime(t, Options{ObjectStoreBytes: 1 << 10, SpillDir: t.TempDir()})
		ref, err := Put(rt, make([]byte, 1<<10))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Put(rt, []byte("push the first out")); err != nil {
			t.Fatal(err)
		}
		path := ref.obj.path
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("spill file missing: %v", err)
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := ref.Get(cancelled); !errors.Is(err, context.Canceled) {
			t.Fatalf("Get with a cancelled ctx: err = %v", err)
		}
		ref.Release()
		ref.Release()
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Fatalf("spill file kept after Release: %v", err)
		}
		if _, err := ref.Get(ctx); !errors.Is(err, ErrObjectReleased) {
			t.Fatalf("Get after Release: err = %v", err)
		}
		rt.Close()
		if _, err := Put(rt, []byte("x")); !errors.Is(err, ErrClosed) {
			t.Fatalf("Put after Close: err = %v", err)
		}
	})
}

func TestConcurrentPutGetWhileSpilling(t *testing.T) {
	defer goleak.VerifyNone(t)
	dir := t.TempDir()
	rt := newRuntime(t, Options{CPUs: 2, ObjectStoreBytes: 8 << 10, SpillDir: dir})
	ctx := context.Background()
	var fs []*Future[int]
	for g := range 4 {
		fs = append(fs, Go(ctx, rt, func(ctx context.Context) (int, error) {
			var refs []*ObjectRef[[]byte]
			for i := range 20 {
				ref, err := Put(rt, bytes.Repeat([]byte{byte(g*20 + i)}, 1<<10))
				if err != nil {
					return 0, err
				}
				refs = append(refs, ref)
			}
			for round := range 2 {
				for i, ref := range refs {
					b, err := ref.Get(ctx)
					if err != nil {
						return 0, err
					}
					if b[0] != byte(g*20+i) {
						return 0, fmt.Errorf("goroutine %d round %d: object %d came back wrong", g, round, i)
					}
				}
			}
			for _, ref := range refs[:10] {
				ref.Release()
			}
			return len(refs), nil
		}, CPUs(0.5)))
	}
	if _, err := GetAll(ctx, fs); err != nil {
		t.Fatal(err)
	}
	if s := rt.Stats(); s.ObjectsStored != 40 || s.BytesInMemory > 8<<10 || s.ObjectsRestored == 0 {
		t.Fatalf("stats = %+v; want 40 live objects within budget, some restored", s)
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("spill files left after Close: %v", left)
	}
}
