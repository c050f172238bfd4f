// Package e2e drives the real tarn binary with clients no one here wrote:
// aws-sdk-go-v2, the aws CLI and curl. It has no code of its own outside tests.
package e2e
