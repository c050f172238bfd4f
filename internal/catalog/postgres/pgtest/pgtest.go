// Package pgtest gives tests a PostgreSQL schema or database of their own.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Schema returns the DSN of the test database and a
// schema of this run's own, dropped when the test ends; PostgreSQL keeps
// state across runs and may be shared by parallel ones. Without a server
// the test skips, except in CI.
func Schema(t testing.TB) (dsn, schema string) {
	dsn, c := connect(t)
	ctx := context.Background()
	schema = "tarn_catalog_test_" + suffix()
	t.Cleanup(func() {
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return dsn, schema
}

// Database returns the DSN of a database of this run's own, dropped when
// the test ends (a warehouse's, whose schemas are its own).
func Database(t testing.TB) string {
	dsn, c := connect(t)
	ctx := context.Background()
	name := "tarn_test_" + suffix()
	if _, err := c.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// connect reaches the test server; without one the test skips, except in
// CI.
func connect(t testing.TB) (string, *pgx.Conn) {
	dsn := os.Getenv("TARN_TEST_PG_DSN")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	c, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required in CI at %s: %v", dsn, err)
		}
		t.Skipf("no PostgreSQL at %s (%v): start PostgreSQL: pg_ctlcluster 15 main start", dsn, err)
	}
	return dsn, c
}

func suffix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}
