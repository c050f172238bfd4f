// Package catalog is the data catalog seam: one catalog of databases,
// tables (with every version kept) and partitions for every table of the
// lake, shaped like the AWS Glue Data Catalog, and the documents that hold
// tarn's own definitions. Backends live in sibling packages: embedded (a
// bbolt file, one process) and postgres (shared by several tarn
// processes); catalogtest holds the conformance suite they all pass. The
// Glue wire API lives above, in its own package.
//
// The seam is split by concern (Databases, Tables, Partitions, Documents)
// so that each part takes only what it uses; Store is all of it, as a
// backend provides it. Names are case-insensitive: stores lower-case them
// (see PrepareDatabase, PrepareTable) and every lookup does the same. Each
// method is one transaction: it happens entirely or not at all.
package catalog

import (
	"context"
	"errors"
)

// Errors every backend returns (wrapped with context); check with errors.Is.
// ErrNoChange is no backend's: UpdateDoc's change function returns it to
// write nothing.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	ErrConflict = errors.New("changed concurrently")
	ErrInvalid  = errors.New("invalid input")
	ErrNoChange = errors.New("no change")
)

// Databases keeps the catalog's databases.
type Databases interface {
	// CreateDatabase stores d, setting Created when zero. ErrExists if a
	// database of that name exists, ErrInvalid naming the bad field.
	CreateDatabase(ctx context.Context, d Database) error
	// GetDatabase returns the named database or ErrNotFound.
	GetDatabase(ctx context.Context, name string) (Database, error)
	// ListDatabases returns every database, ordered by name.
	ListDatabases(ctx context.Context) ([]Database, error)
	// UpdateDatabase replaces a database's description, location and
	// parameters, keeping Created. ErrNotFound if it does not exist.
	UpdateDatabase(ctx context.Context, d Database) error
	// DeleteDatabase deletes a database with its tables, their versions and
	// partitions. ErrNotFound if it does not exist.
	DeleteDatabase(ctx context.Context, name string) error
}

// Tables keeps the tables of the databases, every version of each.
type Tables interface {
	// CreateTable stores t as version 1 and returns it as stored.
	// ErrNotFound if t.Database does not exist, ErrExists if the table does.
	CreateTable(ctx context.Context, t Table) (Table, error)
	// GetTable returns a table's current version or ErrNotFound.
	GetTable(ctx context.Context, db, name string) (Table, error)
	// ListTables returns the current version of the tables of db whose name
	// starts with prefix ("" for all), ordered by name. ErrNotFound if db
	// does not exist.
	ListTables(ctx context.Context, db, prefix string) ([]Table, error)
	// UpdateTable stores t as the table's next version (previous+1),
	// keeping Created and every previous version, and returns it as stored.
	// ErrConflict if expectedVersion is not 0 and not the current version;
	// ErrNotFound if the table does not exist.
	UpdateTable(ctx context.Context, t Table, expectedVersion int) (Table, error)
	// DeleteTable deletes a table with its versions and partitions.
	DeleteTable(ctx context.Context, db, name string) error
	// GetTableVersions returns every version of a table, newest first.
	GetTableVersions(ctx context.Context, db, name string) ([]Table, error)
	// GetTableVersion returns one version of a table or ErrNotFound.
	GetTableVersion(ctx context.Context, db, name string, version int) (Table, error)
}

// Partitions keeps the partitions of the tables.
type Partitions interface {
	// CreatePartitions adds partitions to a table. The result has one entry
	// per partition: nil if stored, else ErrExists (a partition with the same
	// Values exists, or came earlier in parts) or ErrInvalid. The error is
	// for the whole call: ErrNotFound if the table does not exist.
	CreatePartitions(ctx context.Context, db, table string, parts []Partition) ([]error, error)
	// GetPartitions returns a table's partitions ordered by Values (element
	// by element, bytewise). ErrNotFound if the table does not exist.
	GetPartitions(ctx context.Context, db, table string) ([]Partition, error)
	// GetPartition returns the partition with these values or ErrNotFound.
	GetPartition(ctx context.Context, db, table string, values []string) (Partition, error)
	// DeletePartition deletes the partition with these values or returns
	// ErrNotFound.
	DeletePartition(ctx context.Context, db, table string, values []string) error
}

// Documents keeps tarn's own JSON documents beside the catalog (see Doc);
// UpdateDoc changes one by compare-and-set.
type Documents interface {
	// PutDoc stores d (Kind, Name, Body) as the next revision of its
	// document and returns it with Rev and Updated set. expectedRev 0 means
	// the document must not exist (else ErrExists), AnyRev skips the check,
	// any other value must be the current Rev (else ErrConflict; ErrNotFound
	// if there is none).
	PutDoc(ctx context.Context, d Doc, expectedRev int64) (Doc, error)
	// GetDoc returns a document or ErrNotFound.
	GetDoc(ctx context.Context, kind, name string) (Doc, error)
	// ListDocs returns the documents of kind whose name starts with prefix,
	// ordered by name.
	ListDocs(ctx context.Context, kind, prefix string) ([]Doc, error)
	// DeleteDoc deletes a document or returns ErrNotFound.
	DeleteDoc(ctx context.Context, kind, name string) error
}

// AnyRev makes PutDoc write whatever revision is current.
const AnyRev = -1

// Metadata is the Glue-shaped catalog without tarn's documents: what SQL
// and the Glue API read and write.
type Metadata interface {
	Databases
	Tables
	Partitions
}

// Store is the whole seam, as each backend provides it.
type Store interface {
	Databases
	Tables
	Partitions
	Documents
	Close() error
}
