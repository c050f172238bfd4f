// Package sftp is the SFTP feed into the lake, tarn's analogue of AWS
// Transfer Family: producers that speak only SSH drop files into landing
// buckets with any SFTP client, and each file becomes an object (with the
// same object-created event an S3 PutObject raises) when the client closes
// it cleanly.
//
// The user name is an access key id or the key's name; a user logs in with
// the key's secret as password or with one of the key's SSH public keys
// (access.Key.SSHKeys). The file system a user sees is the lake as the key
// may see it:
//
//	/                     the buckets the key may read or write
//	/bucket               a bucket
//	/bucket/a/b.csv       object "a/b.csv"; "a" is a directory because a
//	                      key starts with "a/"
//
// Uploads stream into the store and become objects atomically: a transfer
// that is cut off, aborted or refused leaves nothing behind. Renames within
// the lake are moves (copy, then delete the source if unchanged). S3 has no
// folders, so mkdir stores nothing: the directory exists for the session
// that made it, until it is removed or the session ends, and lasts beyond
// that once an object is put under it.
package sftp
