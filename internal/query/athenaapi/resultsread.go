package athenaapi

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/lake"
)

type datum struct {
	VarCharValue *string `json:",omitempty"` // nil for NULL
}

type row struct{ Data []datum }

type resultsOut struct {
	UpdateCount int64
	ResultSet   struct {
		Rows              []row
		ResultSetMetadata struct{ ColumnInfo []columnInfo }
	}
	NextToken string `json:",omitempty"`
}

// getQueryResults pages the results object back from the lake. The token
// holds the data rows read so far and the byte offset they end at, so a
// page costs its own rows however deep into the results it is.
func (a *API) getQueryResults(c *call) (any, error) {
	var req struct {
		QueryExecutionId *string
		MaxResults       *int32
		NextToken        *string
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	id, err := text("QueryExecutionId", req.QueryExecutionId, 128)
	if err != nil {
		return nil, err
	}
	limit, err := maxResults(req.MaxResults, 1000)
	if err != nil {
		return nil, err
	}
	e, err := a.ownExec(c, id)
	if err != nil {
		return nil, err
	}
	switch e.State {
	case stateQueued, stateRunning:
		return nil, withCode(athenaState, clientErr(codeInvalid, "Query has not yet finished. Current state: %s", e.State))
	case stateFailed, stateCancelled:
		return nil, withCode(athenaState, clientErr(codeInvalid, "Query did not finish successfully. Final query state: %s", e.State))
	}
	bucket, prefix, _ := splitS3(e.Output)
	if err := a.authorize(c, access.Read, bucket); err != nil {
		return nil, err
	}
	var done, off int64
	tok, err := readToken("results", req.NextToken)
	if err != nil {
		return nil, err
	}
	first := tok == ""
	if !first {
		var tid string
		if n, _ := fmt.Sscanf(strings.ReplaceAll(tok, "/", " "), "%s %d %d", &tid, &done, &off); n != 3 || tid != id || done < 0 || off < 0 || done > e.Rows || off > e.Bytes {
			return nil, invalid("NextToken %q is not a token GetQueryResults returned for query execution %s.", *req.NextToken, id)
		}
	}
	out := &resultsOut{UpdateCount: e.UpdateCount}
	out.ResultSet.Rows = []row{}
	out.ResultSet.ResultSetMetadata.ColumnInfo = nonNil(e.Columns)
	csv := e.StatementType == typeDML
	if first && csv && len(e.Columns) > 0 {
		// Athena's first page starts with the column names; .txt results
		// (DDL, UTILITY) have none, as in Athena.
		header := make([]datum, len(e.Columns))
		for i, col := range e.Columns {
			header[i].VarCharValue = &col.Name
		}
		out.ResultSet.Rows = append(out.ResultSet.Rows, row{header})
	}
	if done >= e.Rows || e.Bytes == 0 {
		return out, nil
	}
	var rng *lake.Range
	if off > 0 {
		rng = &lake.Range{Start: off, End: -1}
	}
	rc, _, err := a.objects.Get(c.Ctx, bucket, prefix+e.resultKey(), rng)
	if errors.Is(err, lake.ErrNoSuchKey) || errors.Is(err, lake.ErrNoSuchBucket) {
		return nil, invalid("The results of query execution %s are no longer at %s.", id, e.Output+e.resultKey())
	}
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	rr := &rowReader{r: bufio.NewReaderSize(rc, 64<<10), csv: csv, cols: len(e.Columns), n: off}
	if first && csv && len(e.Columns) > 0 {
		if _, err := rr.next(); err != nil { // the header line
			return nil, a.corrupt(id, err)
		}
	}
	for len(out.ResultSet.Rows) < limit && done < e.Rows {
		fields, err := rr.next()
		if err != nil {
			return nil, a.corrupt(id, err)
		}
		data := make([]datum, len(fields))
		for i, f := range fields {
			data[i].VarCharValue = f
		}
		out.ResultSet.Rows = append(out.ResultSet.Rows, row{data})
		done++
	}
	if done < e.Rows {
		out.NextToken = makeToken("results", fmt.Sprintf("%s/%d/%d", id, done, rr.n))
	}
	return out, nil
}

// corrupt reports results that do not read back: a forged token's
// offset, or an object changed behind tarn's back.
func (a *API) corrupt(id string, err error) error {
	if !errors.Is(err, errBadRow) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return err
	}
	return invalid("The results of query execution %s do not read back from the lake (%v); start again without NextToken.", id, err)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

var errBadRow = errors.New("malformed result row")

// rowReader reads back the rows writeRows wrote, counting bytes.
type rowReader struct {
	r    *bufio.Reader
	csv  bool
	cols int
	n    int64 // offset of the next row in the object
}

func (rr *rowReader) next() ([]*string, error) {
	if !rr.csv {
		line, err := rr.r.ReadString('\n')
		rr.n += int64(len(line))
		if err != nil {
			return nil, err
		}
		if rr.cols == 0 {
			return nil, nil
		}
		parts := strings.Split(strings.TrimSuffix(line, "\n"), "\t")
		fields := make([]*string, len(parts))
		for i, p := range parts {
			if p != `\N` {
				s := hiveUnescaper.Replace(p)
				fields[i] = &s
			}
		}
		return fields, nil
	}
	var fields []*string
	for {
		c, err := rr.byte()
		if err != nil {
			return nil, err
		}
		var f *string
		if c == '"' {
			s, err := rr.quoted()
			if err != nil {
				return nil, err
			}
			f = &s
			if c, err = rr.byte(); err != nil {
				return nil, err
			}
		}
		fields = append(fields, f)
		switch {
		case c == ',':
		case c == '\n' && rr.cols == 0 && len(fields) == 1 && f == nil:
			return nil, nil
		case c == '\n':
			return fields, nil
		default:
			return nil, fmt.Errorf("%w at byte %d", errBadRow, rr.n)
		}
	}
}

func (rr *rowReader) byte() (byte, error) {
	c, err := rr.r.ReadByte()
	if err == nil {
		rr.n++
	}
	return c, err
}

// quoted reads a quoted value after its opening quote.
func (rr *rowReader) quoted() (string, error) {
	var b strings.Builder
	for {
		s, err := rr.r.ReadString('"')
		rr.n += int64(len(s))
		if err != nil {
			return "", io.ErrUnexpectedEOF
		}
		b.WriteString(s[:len(s)-1])
		if c, err := rr.r.Peek(1); err != nil || c[0] != '"' {
			return b.String(), nil
		}
		rr.r.ReadByte()
		rr.n++
		b.WriteByte('"')
	}
}
