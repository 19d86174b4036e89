//go:build unix

package read

import (
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// mapKey identifies one version of a file: a replaced or rewritten file gets a new mapping.
type mapKey struct {
	dev, ino uint64
	size     int64
	mtime    time.Time
}

var (
	mapsMu sync.Mutex
	maps   = map[mapKey]*mapping{}
)

// mapFile maps the file at path read-only, or returns the mapping made earlier of the same
// version of it; nil (and no error) for an empty file or one that cannot be mapped.
func mapFile(path string) (*mapping, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close() // a mapping outlives the descriptor
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, errIsDir
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok || st.Size() == 0 || int64(int(st.Size())) != st.Size() {
		return nil, nil
	}
	key := mapKey{dev: uint64(sys.Dev), ino: uint64(sys.Ino), size: st.Size(), mtime: st.ModTime()}
	mapsMu.Lock()
	defer mapsMu.Unlock()
	if m := maps[key]; m != nil {
		return m, nil
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil // not mappable (a FUSE file system, say): read it instead
	}
	m := &mapping{data: data}
	maps[key] = m
	if mappingMade != nil {
		mappingMade(m)
	}
	return m, nil
}

func ptrLess(a, b *byte) bool { return uintptr(unsafe.Pointer(a)) < uintptr(unsafe.Pointer(b)) }
