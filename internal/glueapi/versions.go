package glueapi

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/catalog"
)

type tableVersion struct {
	Table     tableOut
	VersionId string
}

func version(t catalog.Table) tableVersion {
	return tableVersion{table(t), strconv.Itoa(t.Version)}
}

// getTableVersions lists a table's versions, newest first.
func (a *API) getTableVersions(c *call) (any, error) {
	var req struct {
		DatabaseName *string
		TableName    *string
		MaxResults   *int32
		NextToken    *string
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	db, name, err := a.resolve(c, access.Read, "DatabaseName", req.DatabaseName, "TableName", req.TableName)
	if err != nil {
		return nil, err
	}
	limit, err := maxResults(req.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	all, err := a.store.GetTableVersions(c.Ctx, db, name)
	if err != nil {
		return nil, a.tableErr(c.Ctx, err, db, name)
	}
	// Newest first: a page goes on with the versions older than the last.
	older := func(k, last string) bool {
		kv, _ := strconv.Atoi(k)
		lv, _ := strconv.Atoi(last)
		return kv < lv
	}
	page, next, err := paginate(all, "versions", req.NextToken, limit,
		func(t catalog.Table) string { return strconv.Itoa(t.Version) }, older)
	if err != nil {
		return nil, err
	}
	out := make([]tableVersion, len(page))
	for i, t := range page {
		out[i] = version(t)
	}
	return struct {
		TableVersions []tableVersion
		NextToken     string `json:",omitempty"`
	}{out, next}, nil
}

// getTableVersion returns one version, or the current one without VersionId.
func (a *API) getTableVersion(c *call) (any, error) {
	var req struct {
		DatabaseName *string
		TableName    *string
		VersionId    *string
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	db, name, err := a.resolve(c, access.Read, "DatabaseName", req.DatabaseName, "TableName", req.TableName)
	if err != nil {
		return nil, err
	}
	var t catalog.Table
	if req.VersionId == nil {
		t, err = a.store.GetTable(c.Ctx, db, name)
		if err != nil {
			return nil, a.tableErr(c.Ctx, err, db, name)
		}
		return struct{ TableVersion tableVersion }{version(t)}, nil
	}
	v, err := versionID(*req.VersionId)
	if err != nil {
		return nil, err
	}
	t, err = a.store.GetTableVersion(c.Ctx, db, name, v)
	if errors.Is(err, catalog.ErrNotFound) {
		if _, terr := a.store.GetTable(c.Ctx, db, name); terr != nil {
			return nil, a.tableErr(c.Ctx, terr, db, name)
		}
	}
	if err != nil {
		return nil, catalogErr(err, fmt.Sprintf("Version %d of table %s.%s", v, db, name))
	}
	return struct{ TableVersion tableVersion }{version(t)}, nil
}
