package main

import (
	"errors"
	"fmt"
	"time"
)

// LimitsConfig bounds what a client can make tarn spend before it has
// authenticated, and how long it may keep a connection busy doing nothing.
type LimitsConfig struct {
	// BodyTimeout cuts a request (and its connection) whose body sends
	// nothing for this long: "30s" (default); "0" for no limit.
	BodyTimeout string `yaml:"body_timeout"`
	// SpoolBytes and BufferBytes bound the AWS request bodies read, for all
	// requests together, before their signatures can be checked: on disk
	// (a signed length sent chunked; default 256MiB, also the largest such
	// body) and in memory (JSON APIs; default 16MiB).
	SpoolBytes  ByteSize `yaml:"spool_bytes"`
	BufferBytes ByteSize `yaml:"buffer_bytes"`
	// PGStartupTimeout is how long a PostgreSQL client may take to
	// authenticate (default "10s"); PGMaxStartups bounds the connections
	// doing so at once (default 4 × the session limit).
	PGStartupTimeout string `yaml:"pg_startup_timeout"`
	PGMaxStartups    int    `yaml:"pg_max_startups"`
}

func (l LimitsConfig) validate() error {
	var errs []error
	for _, d := range []struct{ name, v string }{{"limits.body_timeout", l.BodyTimeout}, {"limits.pg_startup_timeout", l.PGStartupTimeout}} {
		if d.v == "" {
			continue
		}
		if v, err := time.ParseDuration(d.v); err != nil {
			errs = append(errs, fmt.Errorf("%s %q: %w", d.name, d.v, err))
		} else if v < 0 {
			errs = append(errs, fmt.Errorf("%s %q: a duration cannot be negative", d.name, d.v))
		}
	}
	if l.PGMaxStartups < 0 {
		errs = append(errs, errors.New("limits.pg_max_startups cannot be negative"))
	}
	return errors.Join(errs...)
}

// bodyTimeout is the edge's BodyTimeout: 0 picks its default, negative
// means none.
func (l LimitsConfig) bodyTimeout() time.Duration {
	d, _ := time.ParseDuration(l.BodyTimeout) // validated
	if l.BodyTimeout != "" && d == 0 {
		return -1
	}
	return d
}

func (l LimitsConfig) pgStartupTimeout() time.Duration {
	d, _ := time.ParseDuration(l.PGStartupTimeout)
	return d
}
