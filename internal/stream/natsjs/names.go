package natsjs

import "strings"

// Kinesis stream names use [a-zA-Z0-9_.-]; JetStream stream names and
// subject tokens may not hold ".", so it becomes "~", which Kinesis names
// never contain.
func escape(name string) string { return strings.ReplaceAll(name, ".", "~") }

// jsName is the JetStream stream that holds a tarn stream.
func jsName(name string) string { return "KDS_" + escape(name) }

// subject is where a shard's records go.
func subject(name, shard string) string { return "tarn.kds." + escape(name) + "." + shard }

// allShards matches every shard of a stream.
func allShards(name string) string { return "tarn.kds." + escape(name) + ".>" }

// shardOf returns the shard id at the end of a record's subject.
func shardOf(subj string) string { return subj[strings.LastIndexByte(subj, '.')+1:] }
