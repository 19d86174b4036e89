//go:build unix

package write

import (
	"os"

	"golang.org/x/sys/unix"
)

// lockPath takes an exclusive flock on the file or directory p (a file is created if
// missing), waiting for it. The kernel releases the lock when the process dies, so a killed
// run never leaves it held.
func lockPath(p string) (unlock func(), err error) {
	f, err := os.OpenFile(p, os.O_RDONLY|os.O_CREATE, 0o666)
	if err != nil {
		if f, err = os.Open(p); err != nil { // a directory
			return nil, err
		}
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil // closing the descriptor releases the lock
}
