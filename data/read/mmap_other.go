//go:build !unix

package read

import "unsafe"

// mapFile does not map on this platform: IPC files are read through ReadAt.
func mapFile(string) (*mapping, error) { return nil, nil }

func ptrLess(a, b *byte) bool { return uintptr(unsafe.Pointer(a)) < uintptr(unsafe.Pointer(b)) }
