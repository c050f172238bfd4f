package natsjs

import (
	"fmt"
	"strings"

	"github.com/tarnlake/tarn/internal/stream"
)

// Stream, shard and consumer names use [a-zA-Z0-9_.-] (stream.ValidName);
// JetStream stream and consumer names and subject tokens may not hold ".",
// so it becomes "~", which valid names never contain.
func escape(name string) string { return strings.ReplaceAll(name, ".", "~") }

func unescape(name string) string { return strings.ReplaceAll(name, "~", ".") }

// jsName is the JetStream stream that holds a tarn stream.
func jsName(name string) string { return "KDS_" + escape(name) }

// subject is where a shard's records go.
func subject(name, shard string) string { return "tarn.kds." + escape(name) + "." + escape(shard) }

// allShards matches every shard of a stream.
func allShards(name string) string { return "tarn.kds." + escape(name) + ".>" }

// shardOf returns the shard id at the end of a record's subject.
func shardOf(subj string) string { return unescape(subj[strings.LastIndexByte(subj, '.')+1:]) }

// notFound is the seam's error for a stream that does not exist.
func notFound(name string) error { return fmt.Errorf("%w: %s", stream.ErrNotFound, name) }
