// Package mirror keeps local copies of a lake's objects so that programs
// that read files in place (the query engine's DuckDB, which cannot reach
// S3 here) can read a lake that lives on a remote S3-compatible store.
//
// Sync brings the copies under one prefix up to date: it lists the prefix,
// downloads what is new or changed (by ETag and size) into a temporary file
// and renames it into place, so a reader never sees half a file, and removes
// copies of objects that are gone. Concurrent calls for one prefix share a
// sync; a caller that arrives while one runs waits for the next, whose
// listing starts after it arrived, so an answer never predates its question.
// Copies live under Dir in the tree localfs uses for a lake, so the same
// globs and hive partitioning read both.
//
// What the mirror knows (each copy's ETag, size, modification time and last
// use) is kept in memory and written atomically to one JSON index in Dir
// after a sync that changed something. One file, not a sidecar per object:
// sidecars would sit among the data and be read by the engine's globs,
// xattrs need a file system that has them, and one small file is read in
// one go at start. At start a copy is trusted only if its size and
// modification time still match the index; files the index does not name
// (a crash between a rename and the index write) are removed, and
// downloaded again when next needed.
//
// MaxBytes bounds the copies' size: past it the least recently synced
// copies are removed, except those under a prefix that a sync or a
// statement still uses (pinned until the context given to Sync ends).
package mirror
