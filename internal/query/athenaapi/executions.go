package athenaapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/catalog"
)

const dataCatalog = "AwsDataCatalog" // tarn's one catalog

func (a *API) startQueryExecution(c *call) (any, error) {
	var req struct {
		QueryString           *string
		ClientRequestToken    *string
		QueryExecutionContext *struct{ Database, Catalog *string }
		ResultConfiguration   *struct{ OutputLocation *string }
		WorkGroup             *string
		ExecutionParameters   []string
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	e := execution{ID: awsapi.NewUUID(), Catalog: dataCatalog, User: user(c), State: stateQueued, Params: req.ExecutionParameters}
	var err error
	if e.Query, err = text("QueryString", req.QueryString, maxQuery); err != nil {
		return nil, err
	}
	e.StatementType = statementType(e.Query)
	token, err := optional("ClientRequestToken", req.ClientRequestToken, 1, 128)
	if err != nil {
		return nil, err
	}
	if qc := req.QueryExecutionContext; qc != nil {
		if e.Database, err = optional("QueryExecutionContext.Database", qc.Database, 1, 255); err != nil {
			return nil, err
		}
		if qc.Catalog != nil && !strings.EqualFold(*qc.Catalog, dataCatalog) {
			return nil, invalid("Catalog %q is not known: tarn serves one catalog, %s.", *qc.Catalog, dataCatalog)
		}
	}
	if len(e.Params) > 1000 {
		return nil, invalid("ExecutionParameters holds %d values; at most 1000 are allowed.", len(e.Params))
	}
	sql, args, err := bindParams(e.Query, e.Params)
	if err != nil {
		return nil, err
	}
	if e.WorkGroup, err = name("WorkGroup", req.WorkGroup, primary); err != nil {
		return nil, err
	}
	wg, err := a.loadWorkGroup(c.Ctx, e.WorkGroup)
	if err != nil {
		return nil, err
	}
	if wg.State == "DISABLED" {
		return nil, invalid("WorkGroup %s is disabled.", wg.Name)
	}
	if e.Output, err = a.output(req.ResultConfiguration, wg); err != nil {
		return nil, err
	}
	bucket, _, _ := splitS3(e.Output)
	if err := a.authorize(c, access.Write, bucket); err != nil {
		return nil, err
	}
	a.mu.Lock()
	closed := a.closed
	a.mu.Unlock()
	if closed {
		return nil, awsapi.Errorf(http.StatusInternalServerError, codeInternal, "tarn is shutting down; retry on another server.")
	}
	if err := a.reserve(); err != nil {
		return nil, err
	}
	e.Submitted = a.opts.Now()
	id, fresh, err := a.submit(c, e, token)
	if !fresh {
		a.queued.Add(-1) // a repeated request runs nothing
	} else {
		e.ID = id
		a.launch(e, sql, args)
	}
	if err != nil {
		return nil, err
	}
	return struct{ QueryExecutionId string }{id}, nil
}

// output picks the results folder: the workgroup's when it enforces its
// configuration, else the request's, the workgroup's or the default.
func (a *API) output(rc *struct{ OutputLocation *string }, wg workGroup) (string, error) {
	loc := ""
	if rc != nil && rc.OutputLocation != nil {
		var err error
		if loc, err = outputFolder("ResultConfiguration.OutputLocation", *rc.OutputLocation); err != nil {
			return "", err
		}
	}
	if wg.Output != "" && (wg.Enforce || loc == "") {
		loc = wg.Output
	}
	if loc == "" && a.opts.DefaultOutput != "" {
		return outputFolder("the server's default output location", a.opts.DefaultOutput)
	}
	if loc == "" {
		return "", invalid("No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.")
	}
	return loc, nil
}

// submit stores the execution, or finds the one an earlier request with
// the same token stored, and returns its id; fresh if this call stored it
// and so must run it.
func (a *API) submit(c *call, e execution, token string) (id string, fresh bool, err error) {
	sum := awsapi.Hash([]any{e.Query, e.Params, e.Database, e.Output, e.WorkGroup})
	if id, err = a.idempotent(c.Ctx, kindExecToken, e.User, token, e.ID, sum); err != nil {
		return "", false, err
	}
	if id != e.ID {
		_, err := a.getExec(c.Ctx, id)
		var ae *awsapi.Error
		if !errors.As(err, &ae) || ae.Members == nil {
			return id, false, err
		}
		e.ID = id // the first request stopped before storing it
	}
	err = a.createExec(c.Ctx, e)
	if errors.Is(err, catalog.ErrExists) { // its repeat stored it first
		return id, false, nil
	}
	return id, err == nil, err
}

// requestedExec loads the query execution a request names by its
// QueryExecutionId.
func (a *API) requestedExec(c *call) (execution, error) {
	var req struct{ QueryExecutionId *string }
	if err := c.Decode(&req); err != nil {
		return execution{}, err
	}
	id, err := text("QueryExecutionId", req.QueryExecutionId, 128)
	if err != nil {
		return execution{}, err
	}
	return a.ownExec(c, id)
}

// ownExec loads an execution the caller started; another key's is not
// found, as if it did not exist.
func (a *API) ownExec(c *call, id string) (execution, error) {
	e, err := a.getExec(c.Ctx, id)
	if err == nil && !owns(c, e.User) {
		return execution{}, execNotFound(id)
	}
	return e, err
}

func (a *API) getQueryExecution(c *call) (any, error) {
	e, err := a.requestedExec(c)
	if err != nil {
		return nil, err
	}
	return struct{ QueryExecution queryExecutionOut }{a.executionOut(e)}, nil
}

func (a *API) stopQueryExecution(c *call) (any, error) {
	e, err := a.requestedExec(c)
	if err != nil {
		return nil, err
	}
	id := e.ID
	now, changed := a.opts.Now(), false
	e, err = a.updateExec(c.Ctx, id, func(e *execution) bool {
		if finished(e.State) {
			return false // stopping a finished query does nothing, as in Athena
		}
		e.State, e.Reason, e.Completed, changed = stateCancelled, "Query cancelled by user", now, true
		return true
	})
	if err != nil {
		return nil, err
	}
	if changed {
		a.metrics.ended(e)
	}
	a.mu.Lock()
	cancel := a.running[id]
	a.mu.Unlock()
	if cancel != nil {
		cancel(errStopped)
	}
	return struct{}{}, nil
}
