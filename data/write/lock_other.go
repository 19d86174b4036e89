//go:build !unix

package write

import "sync"

// lockPath serializes the holders of p inside this process only: without flock, concurrent
// appenders in different processes are not serialized on this platform (see MANIFEST.md).
func lockPath(p string) (unlock func(), err error) {
	v, _ := pathLocks.LoadOrStore(p, &sync.Mutex{})
	mu := v.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock, nil
}

var pathLocks sync.Map
