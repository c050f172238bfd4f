package catalog

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxNameLen is Glue's limit on database, table and column names.
const MaxNameLen = 255

// Name returns name lower-cased, as Glue stores names, or ErrInvalid naming
// field if it is empty, longer than MaxNameLen or holds control characters.
func Name(field, name string) (string, error) {
	n := utf8.RuneCountInString(name)
	switch {
	case n == 0:
		return "", fmt.Errorf("%w: %s is empty", ErrInvalid, field)
	case n > MaxNameLen:
		return "", fmt.Errorf("%w: %s is %d characters long, over %d", ErrInvalid, field, n, MaxNameLen)
	case !utf8.ValidString(name):
		return "", fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalid, field)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "", fmt.Errorf("%w: %s %q holds a control character", ErrInvalid, field, name)
	}
	return strings.ToLower(name), nil
}

// PrepareDatabase validates d and returns it as stores keep it: name
// lower-cased, Created set.
func PrepareDatabase(d Database, now time.Time) (Database, error) {
	var err error
	if d.Name, err = Name("database name", d.Name); err != nil {
		return Database{}, err
	}
	if d.Created.IsZero() {
		d.Created = now
	}
	return d, nil
}

// PrepareTable validates t and returns it with its database, table and
// column names lower-cased. Stores set Version, Created and Updated.
func PrepareTable(t Table) (Table, error) {
	var err error
	if t.Database, err = Name("database name", t.Database); err != nil {
		return Table{}, err
	}
	if t.Name, err = Name("table name", t.Name); err != nil {
		return Table{}, err
	}
	// Copy the slices we rewrite so the caller's Table is left alone.
	if t.Storage.Columns, err = columns("column name", t.Storage.Columns); err != nil {
		return Table{}, err
	}
	if t.PartitionKeys, err = columns("partition key name", t.PartitionKeys); err != nil {
		return Table{}, err
	}
	return t, nil
}

func columns(field string, cols []Column) ([]Column, error) {
	out := slices.Clone(cols)
	for i := range out {
		var err error
		if out[i].Name, err = Name(fmt.Sprintf("%s %d", field, i), out[i].Name); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PreparePartition validates p for table t and returns it as stores keep
// it: Database and Table from t, Created set. Values must match t's
// partition keys in number and hold no NUL (stores use it as separator).
func PreparePartition(t Table, p Partition, now time.Time) (Partition, error) {
	if len(p.Values) != len(t.PartitionKeys) {
		return Partition{}, fmt.Errorf("%w: partition values: %d given, table %s.%s has %d partition keys", ErrInvalid, len(p.Values), t.Database, t.Name, len(t.PartitionKeys))
	}
	for i, v := range p.Values {
		if strings.IndexByte(v, 0) >= 0 || !utf8.ValidString(v) {
			return Partition{}, fmt.Errorf("%w: partition value %d holds NUL or invalid UTF-8", ErrInvalid, i)
		}
	}
	p.Database, p.Table = t.Database, t.Name
	p.Values = slices.Clone(p.Values)
	if p.Created.IsZero() {
		p.Created = now
	}
	return p, nil
}

// ComparePartitions orders partitions by Values, element by element.
func ComparePartitions(a, b Partition) int { return slices.Compare(a.Values, b.Values) }

// PrepareDoc validates a document about to be stored: kind and name are
// non-empty without NUL (stores use it as separator), the body is JSON.
func PrepareDoc(d Doc) (Doc, error) {
	for field, v := range map[string]string{"document kind": d.Kind, "document name": d.Name} {
		if v == "" || strings.IndexByte(v, 0) >= 0 || !utf8.ValidString(v) {
			return Doc{}, fmt.Errorf("%w: %s %q is empty or not text", ErrInvalid, field, v)
		}
	}
	if !json.Valid(d.Body) {
		return Doc{}, fmt.Errorf("%w: document %s/%s is not JSON", ErrInvalid, d.Kind, d.Name)
	}
	return d, nil
}

// NextRev checks expectedRev against the current revision (0 when the
// document does not exist) and returns the revision to store.
func NextRev(kind, name string, current, expectedRev int64) (int64, error) {
	switch {
	case expectedRev == AnyRev:
	case expectedRev == 0 && current != 0:
		return 0, fmt.Errorf("document %s/%s: %w", kind, name, ErrExists)
	case expectedRev != 0 && current == 0:
		return 0, fmt.Errorf("document %s/%s: %w", kind, name, ErrNotFound)
	case expectedRev != current:
		return 0, fmt.Errorf("document %s/%s is at revision %d, not %d: %w", kind, name, current, expectedRev, ErrConflict)
	}
	return current + 1, nil
}
