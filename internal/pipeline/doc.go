// Package pipeline applies the pipelines a config file declares — buckets,
// streams, catalog databases, crawlers — to a running tarn through its own
// AWS APIs, as a client would: the config and the APIs end in one store,
// with the APIs' checks and events. Plan compares the declared resources
// with what the APIs list and says what to create, change or (with prune)
// delete; Apply carries the plan out; Export writes what is there as a
// config that, applied to a fresh tarn, makes the same pipelines.
package pipeline
