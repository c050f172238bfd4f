package athenaapi

import (
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
	// Index names sort newest first: workgroup/inverted time/id.
	names, next, err := a.listIDs(c, "executions", func(wg string) ([]string, error) {
		docs, err := a.docs.ListDocs(c.Ctx, kindExecIndex, wg+"/")
		names := make([]string, 0, len(docs))
		for _, d := range docs {
			if c.Caller != nil && !c.Caller.Root {
				if _, err := a.ownExec(c, d.Name[strings.LastIndexByte(d.Name, '/')+1:]); err != nil {
					continue // another key's
				}
			}
			names = append(names, d.Name)
		}
		return names, err
	})
	if err != nil {
		return nil, err
	}
	for i, n := range names {
		names[i] = n[strings.LastIndexByte(n, '/')+1:]
	}
	return struct {
		QueryExecutionIds []string
		NextToken         string `json:",omitempty"`
	}{names, next}, nil
}

type unprocessedExec struct {
	QueryExecutionId, ErrorCode, ErrorMessage string
}

func (a *API) batchGetQueryExecution(c *call) (any, error) {
	var req struct{ QueryExecutionIds []string }
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	found, missed, err := batchGet("QueryExecutionIds", req.QueryExecutionIds, func(id string) (queryExecutionOut, error) {
		e, err := a.ownExec(c, id)
		if err != nil {
			return queryExecutionOut{}, err
		}
		return a.executionOut(e), nil
	}, func(id, msg string) unprocessedExec { return unprocessedExec{id, athenaInvalid, msg} })
	if err != nil {
		return nil, err
	}
	return struct {
		QueryExecutions              []queryExecutionOut
		UnprocessedQueryExecutionIds []unprocessedExec
	}{found, missed}, nil
}
