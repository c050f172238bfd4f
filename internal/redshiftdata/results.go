package redshiftdata

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/catalog"
)

// getStatementResult answers a page of stored records. Pages are cut as
// the rows were stored, so the token is the page's number and a page
// costs one read however deep into the result it is.
func (a *API) getStatementResult(c *call) (any, error) {
	var req struct{ Id, NextToken *string }
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	id, err := statementID(req.Id)
	if err != nil {
		return nil, err
	}
	st, n, err := a.ownStatement(c, id)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		if st.Batch && len(st.Subs) > 1 {
			return nil, invalid("Statement %s is a batch: ask for the result of one of its SQL statements, %s:1 to %s:%d.", id, id, id, len(st.Subs))
		}
		n = 1
	}
	s := st.Subs[n-1]
	switch {
	case !finished(s.Status):
		return nil, invalid("Query has not finished: its status is %s. Wait until DescribeStatement says FINISHED.", s.Status)
	case s.Status != statusFinished:
		return nil, invalid("Query did not finish: its status is %s (see DescribeStatement for why), so it has no result.", s.Status)
	case !s.HasResultSet:
		return nil, awsapi.Errorf(http.StatusBadRequest, codeNotFound, "Query does not have result. Please check query status with DescribeStatement.").With(map[string]string{"ResourceId": id})
	}
	kind := "GetStatementResult " + id
	page, err := readOffset(kind, req.NextToken)
	if err != nil {
		return nil, err
	}
	if page > 0 && page >= s.Pages {
		return nil, invalid("NextToken %q is not a token this operation returned.", *req.NextToken)
	}
	out := &resultOut{columns: s.Columns, total: s.Rows, records: []byte("[]")}
	if s.Pages > 0 {
		d, err := a.docs.GetDoc(c.Ctx, kindResult, resultName(st.ID, n, page))
		if errors.Is(err, catalog.ErrNotFound) { // forgotten meanwhile
			return nil, notFound(id)
		}
		if err != nil {
			return nil, err
		}
		if !json.Valid(d.Body) {
			return nil, fmt.Errorf("result page %s: not JSON", d.Name)
		}
		out.records = d.Body
	}
	if page+1 < s.Pages {
		out.next = awsapi.MakeToken(kind, strconv.Itoa(page+1))
	}
	return out, nil
}

// resultOut writes the stored page as it is, unparsed.
type resultOut struct {
	columns []column
	records []byte
	total   int64
	next    string
}

func (r *resultOut) AppendJSON(b []byte) []byte {
	cols := r.columns
	if cols == nil {
		cols = []column{}
	}
	meta, _ := json.Marshal(cols)
	b = append(append(b, `{"ColumnMetadata":`...), meta...)
	if r.next != "" {
		b = appendString(append(b, `,"NextToken":`...), r.next)
	}
	b = append(append(b, `,"Records":`...), r.records...)
	b = strconv.AppendInt(append(b, `,"TotalNumRows":`...), r.total, 10)
	return append(b, '}')
}
