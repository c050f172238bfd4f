// Package malloc tunes glibc's allocator, which much of DuckDB's working
// memory comes from (its buffer blocks are its own jemalloc's; vectors,
// string heaps and compression state are glibc's).
//
// With glibc's defaults, a long-lived server hands freed memory back to
// the kernel as soon as a heap's free top passes a small threshold, and
// faults it in again on the next load: a sixth of a COPY's CPU went to
// page faults. Keeping large allocations on the heap and some free memory
// in hand made COPY into the embedded warehouse a third faster (tarn
// bench warehouse); a one-shot process hardly notices.
package malloc
