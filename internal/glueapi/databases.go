package glueapi

import (
	"fmt"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/catalog"
)

type databaseInput struct {
	Name        *string
	Description string
	LocationUri string
	Parameters  map[string]string
}

type databaseOut struct {
	Name        string
	Description string            `json:",omitempty"`
	LocationUri string            `json:",omitempty"`
	Parameters  map[string]string `json:",omitempty"`
	CreateTime  *awsapi.Timestamp `json:",omitempty"`
	CatalogId   string
}

func database(d catalog.Database) databaseOut {
	return databaseOut{
		Name: d.Name, Description: d.Description, LocationUri: d.LocationURI,
		Parameters: d.Parameters, CreateTime: stamp(d.Created), CatalogId: account,
	}
}

// toDatabase checks in and makes the database it describes.
func toDatabase(in *databaseInput) (catalog.Database, error) {
	if in == nil {
		return catalog.Database{}, invalidInput("DatabaseInput is required.")
	}
	name, err := lowerName("DatabaseInput.Name", in.Name)
	if err != nil {
		return catalog.Database{}, err
	}
	return catalog.Database{Name: name, Description: in.Description, LocationURI: in.LocationUri, Parameters: in.Parameters}, nil
}

func (a *API) createDatabase(c *call) (any, error) {
	var req struct {
		DatabaseInput *databaseInput
		Tags          map[string]string // tarn keeps no tags
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	d, err := toDatabase(req.DatabaseInput)
	if err != nil {
		return nil, err
	}
	if err := a.authorize(c, access.Write, d.Name); err != nil {
		return nil, err
	}
	d.Created = a.opts.Now()
	if err := a.store.CreateDatabase(c.Ctx, d); err != nil {
		return nil, catalogErr(err, "Database "+d.Name)
	}
	return struct{}{}, nil
}

// databaseName reads the request of an operation on one database, and
// admits it.
func (a *API) databaseName(c *call, act access.Action) (string, error) {
	var req struct{ Name *string }
	if err := c.Decode(&req); err != nil {
		return "", err
	}
	name, err := lowerName("Name", req.Name)
	if err != nil {
		return "", err
	}
	return name, a.authorize(c, act, name)
}

func (a *API) getDatabase(c *call) (any, error) {
	name, err := a.databaseName(c, access.Read)
	if err != nil {
		return nil, err
	}
	d, err := a.store.GetDatabase(c.Ctx, name)
	if err != nil {
		return nil, catalogErr(err, "Database "+name)
	}
	return struct{ Database databaseOut }{database(d)}, nil
}

// getDatabases lists the databases the caller may read.
func (a *API) getDatabases(c *call) (any, error) {
	var req struct {
		MaxResults *int32
		NextToken  *string
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	limit, err := maxResults(req.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	all, err := a.store.ListDatabases(c.Ctx)
	if err != nil {
		return nil, fmt.Errorf("list databases: %w", err)
	}
	var dbs []catalog.Database
	for _, d := range all {
		if mayRead(c, d.Name) {
			dbs = append(dbs, d)
		}
	}
	dbs, next, err := paginate(dbs, "databases", req.NextToken, limit,
		func(d catalog.Database) string { return d.Name }, ascending)
	if err != nil {
		return nil, err
	}
	out := make([]databaseOut, len(dbs))
	for i, d := range dbs {
		out[i] = database(d)
	}
	return struct {
		DatabaseList []databaseOut
		NextToken    string `json:",omitempty"`
	}{out, next}, nil
}

func (a *API) updateDatabase(c *call) (any, error) {
	var req struct {
		Name          *string
		DatabaseInput *databaseInput
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	name, err := lowerName("Name", req.Name)
	if err != nil {
		return nil, err
	}
	d, err := toDatabase(req.DatabaseInput)
	if err != nil {
		return nil, err
	}
	if d.Name != name {
		return nil, invalidInput("DatabaseInput.Name %s differs from Name %s: tarn cannot rename databases.", d.Name, name)
	}
	if err := a.authorize(c, access.Write, name); err != nil {
		return nil, err
	}
	if err := a.store.UpdateDatabase(c.Ctx, d); err != nil {
		return nil, catalogErr(err, "Database "+name)
	}
	return struct{}{}, nil
}

func (a *API) deleteDatabase(c *call) (any, error) {
	name, err := a.databaseName(c, access.Write)
	if err != nil {
		return nil, err
	}
	if err := a.store.DeleteDatabase(c.Ctx, name); err != nil {
		return nil, catalogErr(err, "Database "+name)
	}
	return struct{}{}, nil
}
