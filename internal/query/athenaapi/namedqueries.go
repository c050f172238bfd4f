package athenaapi

import (
	"context"
	"errors"

	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/catalog"
)

// namedQuery is Athena's NamedQuery, stored as it is served.
type namedQuery struct {
	Name         string
	Description  string `json:",omitempty"`
	Database     string
	QueryString  string
	NamedQueryId string
	WorkGroup    string
	// Owner is the key that made it: only it (and root) sees it.
	Owner string `json:",omitempty"`
}

// out is q as Athena answers it: without its owner.
func (q namedQuery) out() namedQuery {
	q.Owner = ""
	return q
}

// loadOwnNamed loads a named query the caller owns; another's is not found.
func (a *API) loadOwnNamed(c *call, id string) (namedQuery, error) {
	var q namedQuery
	err := a.loadByID(c.Ctx, kindNamed, id, &q, namedNotFound)
	if err == nil && !owns(c, q.Owner) {
		return namedQuery{}, namedNotFound(id)
	}
	return q, err
}

const maxQuery = 262144 // Athena's limit on a query string, in bytes

func namedNotFound(id string) error { return invalid("NamedQuery %s was not found", id) }

// namedQueries returns a workgroup's named queries, ordered by id.
func (a *API) namedQueries(ctx context.Context, wg string) ([]namedQuery, error) {
	docs, err := a.docs.ListDocs(ctx, kindNamed, "")
	if err != nil {
		return nil, err
	}
	var out []namedQuery
	for _, d := range docs {
		var q namedQuery
		if err := catalog.DecodeDoc(d, &q); err != nil {
			return nil, err
		}
		if q.WorkGroup == wg {
			out = append(out, q)
		}
	}
	return out, nil
}

func (a *API) createNamedQuery(c *call) (any, error) {
	var req struct {
		Name, Description, Database, QueryString, ClientRequestToken, WorkGroup *string
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	q := namedQuery{NamedQueryId: awsapi.NewUUID(), Owner: user(c)}
	var err error
	if q.Name, err = text("Name", req.Name, 128); err != nil {
		return nil, err
	}
	if q.Database, err = text("Database", req.Database, 255); err != nil {
		return nil, err
	}
	if q.QueryString, err = text("QueryString", req.QueryString, maxQuery); err != nil {
		return nil, err
	}
	if q.Description, err = optional("Description", req.Description, 0, 1024); err != nil {
		return nil, err
	}
	token, err := optional("ClientRequestToken", req.ClientRequestToken, 1, 128)
	if err != nil {
		return nil, err
	}
	if q.WorkGroup, err = name("WorkGroup", req.WorkGroup, primary); err != nil {
		return nil, err
	}
	if _, err := a.loadWorkGroup(c.Ctx, q.WorkGroup); err != nil {
		return nil, err
	}
	sum := awsapi.Hash([]string{q.Name, q.Description, q.Database, q.QueryString, q.WorkGroup})
	if q.NamedQueryId, err = a.idempotent(c.Ctx, kindNamedToken, user(c), token, q.NamedQueryId, sum); err != nil {
		return nil, err
	}
	err = a.createDoc(c.Ctx, kindNamed, q.NamedQueryId, q)
	if err != nil && !errors.Is(err, catalog.ErrExists) { // ErrExists: a repeated request
		return nil, err
	}
	return struct{ NamedQueryId string }{q.NamedQueryId}, nil
}

// namedQueryID reads the NamedQueryId a request names.
func namedQueryID(c *call) (string, error) {
	var req struct{ NamedQueryId *string }
	if err := c.Decode(&req); err != nil {
		return "", err
	}
	return text("NamedQueryId", req.NamedQueryId, 128)
}

func (a *API) getNamedQuery(c *call) (any, error) {
	id, err := namedQueryID(c)
	if err != nil {
		return nil, err
	}
	q, err := a.loadOwnNamed(c, id)
	if err != nil {
		return nil, err
	}
	return struct{ NamedQuery namedQuery }{q.out()}, nil
}

func (a *API) listNamedQueries(c *call) (any, error) {
	ids, next, err := a.listIDs(c, "named-queries", func(wg string) ([]string, error) {
		qs, err := a.namedQueries(c.Ctx, wg)
		var ids []string
		for _, q := range qs {
			if owns(c, q.Owner) {
				ids = append(ids, q.NamedQueryId)
			}
		}
		return ids, err
	})
	if err != nil {
		return nil, err
	}
	return struct {
		NamedQueryIds []string
		NextToken     string `json:",omitempty"`
	}{ids, next}, nil
}

type unprocessedNamed struct {
	NamedQueryId, ErrorCode, ErrorMessage string
}

func (a *API) batchGetNamedQuery(c *call) (any, error) {
	var req struct{ NamedQueryIds []string }
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	found, missed, err := batchGet("NamedQueryIds", req.NamedQueryIds, func(id string) (namedQuery, error) {
		q, err := a.loadOwnNamed(c, id)
		return q.out(), err
	}, func(id, msg string) unprocessedNamed { return unprocessedNamed{id, athenaInvalid, msg} })
	if err != nil {
		return nil, err
	}
	return struct {
		NamedQueries             []namedQuery
		UnprocessedNamedQueryIds []unprocessedNamed
	}{found, missed}, nil
}

func (a *API) updateNamedQuery(c *call) (any, error) {
	var req struct{ NamedQueryId, Name, Description, QueryString *string }
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	id, err := text("NamedQueryId", req.NamedQueryId, 128)
	if err != nil {
		return nil, err
	}
	n, err := text("Name", req.Name, 128)
	if err != nil {
		return nil, err
	}
	qs, err := text("QueryString", req.QueryString, maxQuery)
	if err != nil {
		return nil, err
	}
	if _, err := optional("Description", req.Description, 0, 1024); err != nil {
		return nil, err
	}
	_, err = updateByID(c.Ctx, a.docs, kindNamed, id, namedNotFound, func(q *namedQuery) error {
		if !owns(c, q.Owner) {
			return namedNotFound(id)
		}
		q.Name, q.QueryString = n, qs
		if req.Description != nil {
			q.Description = *req.Description
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (a *API) deleteNamedQuery(c *call) (any, error) {
	id, err := namedQueryID(c)
	if err != nil {
		return nil, err
	}
	if !isUUID(id) {
		return nil, namedNotFound(id)
	}
	if _, err := a.loadOwnNamed(c, id); err != nil {
		return nil, err
	}
	err = a.docs.DeleteDoc(c.Ctx, kindNamed, id)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, namedNotFound(id)
	}
	return struct{}{}, err
}
