//go:build linux && cgo

package malloc

/*
#include <malloc.h>

static void tarn_tune(void) {
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD) && defined(M_TOP_PAD)
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_TOP_PAD, 16 << 20);
#endif
}
*/
import "C"

import (
	"os"
	"strings"
)

// Tune sets the allocator's thresholds, unless the environment sets any
// of glibc's MALLOC_ tunables itself.
func Tune() {
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "MALLOC_") || strings.HasPrefix(kv, "GLIBC_TUNABLES=") {
			return
		}
	}
	C.tarn_tune()
}
