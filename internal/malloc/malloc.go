// Package malloc tunes the C allocator that DuckDB's memory comes from.
//
// With glibc's defaults, DuckDB's 256 KiB blocks are mapped and unmapped
// on every load, and freed memory at the top of the heap goes back to the
// kernel at once: a long-lived server then spends a sixth of a load's CPU
// faulting fresh pages in. Keeping blocks on the heap, and some free
// memory in hand, made COPY into the embedded warehouse a third faster
// (tarn bench warehouse); a one-shot process hardly notices.
package malloc
