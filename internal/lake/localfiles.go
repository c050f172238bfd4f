package lake

// LocalFiles is a lake whose objects are files on this machine (the folder
// backend), or whose local copies are (a remote lake's mirror): what the
// query engine reads in place.
type LocalFiles interface {
	// LocalPath is the file holding bucket/key, or the folder of a prefix
	// ("a/b/") or of the bucket (key "").
	LocalPath(bucket, key string) (string, error)
}
