package exec

import (
	"bufio"
	"container/list"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// refCounted is what Arrow values (records, arrays) implement: the store
// keeps its own reference while an object is in memory.
type refCounted interface {
	Retain()
	Release()
}

// object is one value in the store. Objects are immutable, so a spill file,
// once written, stays valid: spilling again only drops the memory.
type object struct {
	id       uint64
	size     int64
	codec    Codec
	value    any  // set while in memory
	inMem    bool // value is held and counted in store.used
	path     string
	released bool
	elem     *list.Element // position in store.lru while in memory
}

// store holds Put objects within a byte budget, spilling the least recently
// used to files under a private directory. All state is guarded by mu;
// spill and restore I/O runs under it too, which keeps the accounting simple
// at the cost of serializing object access during a spill.
type store struct {
	opts *Options

	mu      sync.Mutex
	used    int64
	lru     list.List // of *object in memory; front is most recently used
	objects map[uint64]*object
	nextID  uint64
	dir     string // created at the first spill
	closed  bool

	spilledObjects, spilledBytes   int64
	restoredObjects, restoredBytes int64
	spillWriteTime                 time.Duration
	lastLog                        time.Time
	unlogged                       bool
}

func (s *store) init(opts *Options) {
	s.opts = opts
	s.objects = make(map[uint64]*object)
}

// put adds o, spilling others to make room. v is held by the store.
func (s *store) put(o *object) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	spilled, err := s.makeRoomLocked(o.size)
	if err == nil {
		s.nextID++
		o.id = s.nextID
		s.objects[o.id] = o
		s.insertLocked(o)
	}
	s.mu.Unlock()
	if spilled {
		s.maybeLog(false)
	}
	return err
}

func (s *store) insertLocked(o *object) {
	o.inMem = true
	o.elem = s.lru.PushFront(o)
	s.used += o.size
}

// makeRoomLocked spills least recently used objects until size more bytes fit.
func (s *store) makeRoomLocked(size int64) (spilled bool, err error) {
	for s.used+size > s.opts.ObjectStoreBytes {
		back := s.lru.Back()
		if back == nil {
			return spilled, fmt.Errorf("%w: %d bytes do not fit in %d", ErrObjectTooLarge, size, s.opts.ObjectStoreBytes)
		}
		if err := s.spillLocked(back.Value.(*object)); err != nil {
			return spilled, err
		}
		spilled = true
	}
	return spilled, nil
}

// spillLocked writes o to its file unless it already has one, then drops it
// from memory.
func (s *store) spillLocked(o *object) error {
	if o.path == "" {
		if s.dir == "" {
			dir, err := os.MkdirTemp(s.opts.SpillDir, "sluice-spill-")
			if err != nil {
				return fmt.Errorf("spill object %d: spill directory %q: %w", o.id, s.opts.SpillDir, err)
			}
			s.dir = dir
		}
		path := filepath.Join(s.dir, "object-"+strconv.FormatUint(o.id, 10))
		start := time.Now()
		if err := writeObject(path, o); err != nil {
			os.Remove(path)
			return fmt.Errorf("spill object %d (%T) to %s: %w", o.id, o.value, path, err)
		}
		s.spillWriteTime += time.Since(start)
		o.path = path
		s.spilledObjects++
		s.spilledBytes += o.size
		s.unlogged = true
	}
	s.dropLocked(o)
	return nil
}

func writeObject(path string, o *object) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	err = o.codec.Encode(w, o.value)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// dropLocked removes o's value from memory.
func (s *store) dropLocked(o *object) {
	if !o.inMem {
		return
	}
	s.lru.Remove(o.elem)
	o.elem = nil
	o.inMem = false
	s.used -= o.size
	if rc, ok := o.value.(refCounted); ok {
		rc.Release()
	}
	o.value = nil
}

// get returns o's value, restoring it from its spill file if needed. A
// reference-counted value is retained for the caller.
func (s *store) get(o *object) (any, error) {
	s.mu.Lock()
	if o.released || s.closed {
		s.mu.Unlock()
		return nil, ErrObjectReleased
	}
	spilled := false
	if o.inMem {
		s.lru.MoveToFront(o.elem)
	} else {
		v, err := s.readLocked(o)
		if err == nil {
			spilled, err = s.makeRoomLocked(o.size)
			if err != nil {
				if rc, ok := v.(refCounted); ok {
					rc.Release()
				}
			}
		}
		if err != nil {
			s.mu.Unlock()
			return nil, err
		}
		o.value = v
		s.insertLocked(o)
		s.restoredObjects++
		s.restoredBytes += o.size
	}
	v := o.value
	if rc, ok := v.(refCounted); ok {
		rc.Retain()
	}
	s.mu.Unlock()
	if spilled {
		s.maybeLog(false)
	}
	return v, nil
}

func (s *store) readLocked(o *object) (any, error) {
	f, err := os.Open(o.path)
	if err != nil {
		return nil, fmt.Errorf("restore object %d from %s: %w", o.id, o.path, err)
	}
	defer f.Close()
	v, err := o.codec.Decode(bufio.NewReaderSize(f, 1<<16), s.opts.Allocator)
	if err != nil {
		return nil, fmt.Errorf("restore object %d from %s: %w", o.id, o.path, err)
	}
	return v, nil
}

// release frees o from memory and disk; later gets fail.
func (s *store) release(o *object) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.releaseLocked(o)
}

func (s *store) releaseLocked(o *object) {
	if o.released {
		return
	}
	o.released = true
	s.dropLocked(o)
	if o.path != "" {
		os.Remove(o.path)
	}
	delete(s.objects, o.id)
}

// close releases every object and removes the spill directory.
func (s *store) close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for _, o := range s.objects {
		s.releaseLocked(o)
	}
	var err error
	if s.dir != "" {
		if rerr := os.RemoveAll(s.dir); rerr != nil {
			err = fmt.Errorf("sluice: exec: close: remove spill directory %s: %w", s.dir, rerr)
		}
	}
	s.mu.Unlock()
	s.maybeLog(true)
	return err
}

// maybeLog writes the cumulative spill line at most once a second, and a
// last one at close if spills happened since the previous line.
func (s *store) maybeLog(final bool) {
	s.mu.Lock()
	if !s.unlogged || (!final && time.Since(s.lastLog) < time.Second) {
		s.mu.Unlock()
		return
	}
	s.unlogged = false
	s.lastLog = time.Now()
	mib := float64(s.spilledBytes) / (1 << 20)
	rate := 0.0
	if secs := s.spillWriteTime.Seconds(); secs > 0 {
		rate = mib / secs
	}
	line := fmt.Sprintf("sluice: exec: spilled %.0f MiB, %d objects, write throughput %.0f MiB/s", mib, s.spilledObjects, rate)
	s.mu.Unlock()
	s.opts.Logf("%s", line)
}
