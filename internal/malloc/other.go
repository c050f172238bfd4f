//go:build !linux || !cgo

package malloc

// Tune does nothing where the allocator is not glibc's.
func Tune() {}
