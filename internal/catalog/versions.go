package catalog

import (
	"fmt"
	"time"
)

// FirstVersion stamps a new table: version 1, created and updated now.
func FirstVersion(t Table, now time.Time) Table {
	t.Version, t.Created, t.Updated = 1, now, now
	return t
}

// NextVersion stamps t as the version after cur, the one stored now;
// ErrConflict if cur is not expected (0: any version will do). Every store
// applies this one rule inside its transaction.
func NextVersion(cur, t Table, expected int, now time.Time) (Table, error) {
	if expected != 0 && cur.Version != expected {
		return Table{}, fmt.Errorf("update table %s.%s: version is %d, not %d: %w", t.Database, t.Name, cur.Version, expected, ErrConflict)
	}
	t.Version, t.Created, t.Updated = cur.Version+1, cur.Created, now
	return t, nil
}
