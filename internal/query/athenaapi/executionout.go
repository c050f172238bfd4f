package athenaapi

import (
	"errors"
	"strings"
	"time"

	"github.com/tarnlake/tarn/internal/awsapi"
)

type athenaError struct {
	ErrorCategory int
	ErrorType     int
	Retryable     bool
	ErrorMessage  string
}

type queryExecutionOut struct {
	QueryExecutionId      string
	Query                 string
	StatementType         string
	ResultConfiguration   resultConfig
	QueryExecutionContext struct {
		Database string `json:",omitempty"`
		Catalog  string
	}
	Status struct {
		State              string
		StateChangeReason  string            `json:",omitempty"`
		SubmissionDateTime *awsapi.Timestamp `json:",omitempty"`
		CompletionDateTime *awsapi.Timestamp `json:",omitempty"`
		AthenaError        *athenaError      `json:",omitempty"`
	}
	Statistics struct {
		EngineExecutionTimeInMillis   int64
		DataScannedInBytes            int64 // estimated by the bytes of results written
		TotalExecutionTimeInMillis    int64
		QueryQueueTimeInMillis        int64
		ServiceProcessingTimeInMillis int64
	}
	WorkGroup           string
	EngineVersion       engineVersion
	ExecutionParameters []string `json:",omitempty"`
}

func (a *API) executionOut(e execution) queryExecutionOut {
	var o queryExecutionOut
	o.QueryExecutionId, o.Query, o.StatementType, o.WorkGroup = e.ID, e.Query, e.StatementType, e.WorkGroup
	o.ResultConfiguration.OutputLocation = e.Output + e.resultKey()
	o.QueryExecutionContext.Database, o.QueryExecutionContext.Catalog = e.Database, e.Catalog
	o.EngineVersion, o.ExecutionParameters = tarnEngine, e.Params
	s := &o.Status
	s.State, s.StateChangeReason = e.State, e.Reason
	s.SubmissionDateTime, s.CompletionDateTime = stamp(e.Submitted), stamp(e.Completed)
	if e.State == stateFailed {
		s.AthenaError = &athenaError{e.ErrCategory, e.ErrType, e.Retryable, e.Reason}
	}
	// Times still running are counted up to now.
	end := e.Completed
	if end.IsZero() {
		end = a.opts.Now()
	}
	ms := func(from, to time.Time) int64 {
		if from.IsZero() || to.Before(from) {
			return 0
		}
		return to.Sub(from).Milliseconds()
	}
	st := &o.Statistics
	st.DataScannedInBytes = e.Bytes
	st.TotalExecutionTimeInMillis = ms(e.Submitted, end)
	if e.Started.IsZero() {
		st.QueryQueueTimeInMillis = st.TotalExecutionTimeInMillis
		return o
	}
	st.QueryQueueTimeInMillis = ms(e.Submitted, e.Started)
	if e.EngineDone.IsZero() {
		st.EngineExecutionTimeInMillis = ms(e.Started, end)
	} else {
		st.EngineExecutionTimeInMillis = ms(e.Started, e.EngineDone)
		st.ServiceProcessingTimeInMillis = ms(e.EngineDone, end)
	}
	return o
}

func (a *API) listQueryExecutions(c *call) (any, error) {
	var req struct {
		WorkGroup  *string
		MaxResults *int32
		NextToken  *string
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	limit, err := maxResults(req.MaxResults, 50)
	if err != nil {
		return nil, err
	}
	wg, err := name("WorkGroup", req.WorkGroup, primary)
	if err != nil {
		return nil, err
	}
	if _, _, err := a.loadWorkGroup(c.Ctx, wg); err != nil {
		return nil, err
	}
	// Index names sort newest first: workgroup/inverted time/id.
	docs, err := a.store.ListDocs(c.Ctx, kindExecIndex, wg+"/")
	if err != nil {
		return nil, err
	}
	names := make([]string, len(docs))
	for i, d := range docs {
		names[i] = d.Name
	}
	names, next, err := page(names, "executions", req.NextToken, limit)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(names))
	for i, n := range names {
		ids[i] = n[strings.LastIndexByte(n, '/')+1:]
	}
	return struct {
		QueryExecutionIds []string
		NextToken         string `json:",omitempty"`
	}{ids, next}, nil
}

type unprocessedExec struct {
	QueryExecutionId, ErrorCode, ErrorMessage string
}

func (a *API) batchGetQueryExecution(c *call) (any, error) {
	var req struct{ QueryExecutionIds []string }
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if n := len(req.QueryExecutionIds); n < 1 || n > 50 {
		return nil, invalid("QueryExecutionIds holds %d ids; it must hold 1 to 50.", n)
	}
	out := struct {
		QueryExecutions              []queryExecutionOut
		UnprocessedQueryExecutionIds []unprocessedExec
	}{[]queryExecutionOut{}, []unprocessedExec{}}
	for _, id := range req.QueryExecutionIds {
		e, _, err := a.getExec(c.Ctx, id)
		var ae *apiError
		switch {
		case errors.As(err, &ae):
			out.UnprocessedQueryExecutionIds = append(out.UnprocessedQueryExecutionIds, unprocessedExec{id, athenaInvalid, ae.err.Message})
		case err != nil:
			return nil, err
		default:
			out.QueryExecutions = append(out.QueryExecutions, a.executionOut(e))
		}
	}
	return out, nil
}
