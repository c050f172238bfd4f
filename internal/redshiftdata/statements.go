package redshiftdata

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// executeRequest holds the members of ExecuteStatement and
// BatchExecuteStatement.
type executeRequest struct {
	Sql                     *string
	Sqls                    []string
	Database                *string
	ClusterIdentifier       *string
	WorkgroupName           *string
	SecretArn               *string
	DbUser                  *string
	StatementName           *string
	ClientToken             *string
	Parameters              *[]sqlParam
	SessionId               *string
	SessionKeepAliveSeconds *int32
	WithEvent               *bool
	ResultFormat            *string
}

type executeOut struct {
	Id                string
	CreatedAt         *awsapi.Timestamp
	Database          string
	DbUser            string
	ClusterIdentifier string `json:",omitempty"`
	WorkgroupName     string `json:",omitempty"`
	SecretArn         string `json:",omitempty"`
}

func (a *API) executeStatement(c *call) (any, error)      { return a.submitRequest(c, false) }
func (a *API) batchExecuteStatement(c *call) (any, error) { return a.submitRequest(c, true) }

func (a *API) submitRequest(c *call, batch bool) (any, error) {
	var req executeRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	st, sqls, err := a.prepare(c, &req, batch)
	if err != nil {
		return nil, err
	}
	if a.isClosed() {
		return nil, internal("tarn is shutting down; retry on another server.")
	}
	if err := a.reserve(st.User); err != nil {
		// A repeat of a request taken already answers as the first did,
		// whatever the limits are now.
		if first := a.repeatOf(c.Ctx, st, req); first != nil {
			return executeOutOf(first), nil
		}
		return nil, err
	}
	id, fresh, err := a.submit(c, st, req)
	if fresh {
		a.launch(st, sqls)
	} else {
		a.release(st.User) // a repeated request runs nothing
	}
	if err != nil {
		var ae *awsapi.Error
		if errors.As(err, &ae) || id == "" {
			return nil, err
		}
		// Whatever was stored says why it never ran.
		now := a.opts.Now()
		a.updateStatement(c.Ctx, id, func(st *statement) bool {
			if finished(st.Status) {
				return false
			}
			endAll(st, statusFailed, "tarn could not start the statement: "+err.Error(), now)
			return true
		})
		return nil, execFailed(batch, id, err)
	}
	if id != st.ID {
		if st, err = a.getStatement(c.Ctx, id); err != nil {
			return nil, err
		}
	}
	return executeOutOf(st), nil
}

func executeOutOf(st *statement) executeOut {
	return executeOut{Id: st.ID, CreatedAt: stamp(st.Created), Database: st.Database, DbUser: st.User,
		ClusterIdentifier: st.Cluster, WorkgroupName: st.Workgroup, SecretArn: st.SecretArn}
}

// sum identifies a request's parameters, its ClientToken aside.
func (req executeRequest) sum() string {
	req.ClientToken = nil
	return awsapi.Hash(req)
}

// repeatOf is the statement an earlier request with st's ClientToken and
// the same parameters stored, or nil.
func (a *API) repeatOf(ctx context.Context, st *statement, req executeRequest) *statement {
	if st.Token == "" {
		return nil
	}
	id, err := catalog.Claimed(ctx, a.docs, kindToken, tokenName(st.User, st.Token), req.sum())
	if err != nil || id == "" {
		return nil
	}
	first, err := a.getStatement(ctx, id)
	if err != nil {
		return nil
	}
	return first
}

// prepare checks a request and returns the statement to store and its SQL
// with the parameters put in.
func (a *API) prepare(c *call, req *executeRequest, batch bool) (*statement, []string, error) {
	user, err := caller(c)
	if err != nil {
		return nil, nil, err
	}
	var texts []string
	if batch {
		if req.Sql != nil {
			return nil, nil, invalid("BatchExecuteStatement takes Sqls, not Sql.")
		}
		if req.Sqls == nil {
			return nil, nil, invalid("Sqls is required.")
		}
		if n := len(req.Sqls); n < 1 || n > maxBatch {
			return nil, nil, invalid("Sqls holds %d statements; it must hold 1 to %d.", n, maxBatch)
		}
		for i, s := range req.Sqls {
			if _, err := oneStatement(fmt.Sprintf("Sqls[%d]", i), s); err != nil {
				return nil, nil, err
			}
		}
		texts = req.Sqls
	} else {
		if req.Sqls != nil {
			return nil, nil, invalid("ExecuteStatement takes Sql, not Sqls; use BatchExecuteStatement to run several statements.")
		}
		if req.Sql == nil {
			return nil, nil, invalid("Sql is required.")
		}
		if _, err := oneStatement("Sql", *req.Sql); err != nil {
			return nil, nil, err
		}
		texts = []string{*req.Sql}
	}
	st := &statement{ID: awsapi.NewUUID(), User: user, Batch: batch, Status: statusSubmitted}
	if st.Database, err = a.database(req.Database, false); err != nil {
		return nil, nil, err
	}
	if err := target(req.ClusterIdentifier, req.WorkgroupName, &st.Cluster, &st.Workgroup); err != nil {
		return nil, nil, err
	}
	if st.SecretArn, err = optional("SecretArn", req.SecretArn, 1, 2048); err != nil {
		return nil, nil, err
	}
	// DbUser is taken and answered with the key's id: a statement runs
	// with the calling key's grants whatever user it names, so it can
	// never borrow another's.
	if _, err := optional("DbUser", req.DbUser, 1, 128); err != nil {
		return nil, nil, err
	}
	if st.Name, err = optional("StatementName", req.StatementName, 0, maxStatementName); err != nil {
		return nil, nil, err
	}
	if st.Token, err = optional("ClientToken", req.ClientToken, 1, maxToken); err != nil {
		return nil, nil, err
	}
	var params map[string]string
	if req.Parameters != nil {
		if params, err = checkParams(*req.Parameters, true); err != nil {
			return nil, nil, err
		}
		st.Params = *req.Parameters
	}
	if req.SessionId != nil {
		return nil, nil, invalid("SessionId is not supported: tarn runs each statement in a session of its own.")
	}
	if k := req.SessionKeepAliveSeconds; k != nil && (*k < 0 || *k > maxKeepAlive) {
		return nil, nil, invalid("SessionKeepAliveSeconds is %d; it must be between 0 and %d.", *k, maxKeepAlive)
	} else if k != nil && *k > 0 {
		return nil, nil, invalid("SessionKeepAliveSeconds is not supported: tarn runs each statement in a session of its own.")
	}
	if f := req.ResultFormat; f != nil && *f != "JSON" {
		if *f == "CSV" {
			return nil, nil, invalid("ResultFormat CSV is not supported: tarn answers results as JSON.")
		}
		return nil, nil, invalid("ResultFormat %q is not valid: it is JSON or CSV.", *f)
	}
	if req.WithEvent != nil && *req.WithEvent {
		return nil, nil, invalid("WithEvent is not supported: tarn sends no EventBridge events.")
	}
	now := a.opts.Now()
	st.Created, st.Updated = now, now
	sqls := make([]string, len(texts))
	for i, s := range texts {
		st.Subs = append(st.Subs, sub{SQL: s, Status: statusSubmitted, Updated: now, Rows: -1, Size: -1})
		sqls[i] = substitute(s, params)
	}
	return st, sqls, nil
}

// oneStatement checks one SQL statement's text: not empty, not over the
// Data API's size, one statement (text that does not scan is left for the
// engine to report, as a failed statement).
func oneStatement(field, s string) (string, error) {
	if _, err := text(field, s, 1, maxSQL); err != nil {
		return "", err
	}
	stmts, err := sqltext.Split(s)
	switch {
	case err != nil:
	case len(stmts) == 0:
		return "", invalid("%s holds no SQL statement.", field)
	case len(stmts) > 1:
		return "", invalid("%s holds %d SQL statements; it must hold one (BatchExecuteStatement runs several).", field, len(stmts))
	}
	return s, nil
}

// database checks a Database member: tarn serves one database, and a
// request naming another is refused. Absent, it is that one unless it is
// required.
func (a *API) database(db *string, required bool) (string, error) {
	if db == nil {
		if required {
			return "", invalid("Database is required.")
		}
		return a.opts.Database, nil
	}
	name, err := text("Database", *db, 1, 127)
	if err != nil {
		return "", err
	}
	// "dev" is Redshift's first database, which clients name by default.
	if !strings.EqualFold(name, a.opts.Database) && !strings.EqualFold(name, "dev") {
		return "", invalid("Database %q does not exist: tarn serves one database, %q.", name, a.opts.Database)
	}
	return name, nil
}

// target checks ClusterIdentifier and WorkgroupName, at most one of which
// may be given; tarn has one warehouse, which answers to any name.
func target(cluster, workgroup *string, c, w *string) error {
	var err error
	if *c, err = matching("ClusterIdentifier", cluster, 1, 63, clusterPattern); err != nil {
		return err
	}
	if *w, err = matching("WorkgroupName", workgroup, 3, 128, workgroupPattern); err != nil {
		return err
	}
	if *c != "" && *w != "" {
		return invalid("Give either ClusterIdentifier or WorkgroupName, not both.")
	}
	return nil
}

// submit stores the statement, or finds the one an earlier request with
// the same ClientToken stored, and returns its id; fresh if this call
// stored it and so must run it.
func (a *API) submit(c *call, st *statement, req executeRequest) (id string, fresh bool, err error) {
	sum := req.sum()
	for range 2 {
		if id, err = a.idempotent(c.Ctx, st.User, st.Token, st.ID, sum); err != nil || id == st.ID {
			break
		}
		_, err = a.getStatement(c.Ctx, id)
		var ae *awsapi.Error
		if !errors.As(err, &ae) || ae.Members == nil {
			return id, false, err // a repeat: the first request's statement
		}
		d, gerr := a.docs.GetDoc(c.Ctx, kindStatement, id)
		if errors.Is(gerr, catalog.ErrNotFound) {
			st.ID = id // the first request stopped before storing it
			break
		}
		// Its statement has expired and awaits the sweep: forget it now,
		// freeing the token, and take the token afresh.
		var old statement
		if gerr == nil {
			gerr = catalog.DecodeDoc(d, &old)
		}
		if gerr == nil {
			gerr = a.forget(c.Ctx, &old)
		}
		if gerr != nil {
			return "", false, gerr
		}
	}
	if err != nil {
		return "", false, err
	}
	if id != st.ID { // others keep taking the token as it is freed
		return "", false, internal("ClientToken %q is being reused concurrently; retry.", st.Token)
	}
	err = a.createStatement(c.Ctx, st)
	if errors.Is(err, catalog.ErrExists) { // its repeat stored it first
		return id, false, nil
	}
	return id, err == nil, err
}

// ownStatement loads the statement an id names, with the 1-based number
// of the SQL statement it names (0 for all); another key's is not found,
// as if it did not exist.
func (a *API) ownStatement(c *call, id string) (*statement, int, error) {
	if _, err := caller(c); err != nil {
		return nil, 0, err
	}
	uuid, n, ok := splitID(id)
	if !ok {
		return nil, 0, notFound(id)
	}
	st, err := a.getStatement(c.Ctx, uuid)
	if err != nil {
		var ae *awsapi.Error
		if errors.As(err, &ae) && ae.Members != nil {
			err = notFound(id)
		}
		return nil, 0, err
	}
	if !owns(c, st.User) || n > len(st.Subs) {
		return nil, 0, notFound(id)
	}
	return st, n, nil
}

type describeOut struct {
	Id                string
	ClusterIdentifier string `json:",omitempty"`
	WorkgroupName     string `json:",omitempty"`
	SecretArn         string `json:",omitempty"`
	CreatedAt         *awsapi.Timestamp
	UpdatedAt         *awsapi.Timestamp
	Database          string
	DbUser            string
	Duration          int64
	Error             string     `json:",omitempty"`
	HasResultSet      bool       // boxed in the Data API: always sent
	QueryParameters   []sqlParam `json:",omitempty"`
	QueryString       string     `json:",omitempty"`
	RedshiftPid       int64
	RedshiftQueryId   int64
	ResultFormat      string
	ResultRows        int64
	ResultSize        int64
	Status            string
	SubStatements     []subOut `json:",omitempty"`
}

type subOut struct {
	Id              string
	CreatedAt       *awsapi.Timestamp
	UpdatedAt       *awsapi.Timestamp
	Duration        int64
	Error           string `json:",omitempty"`
	HasResultSet    bool
	QueryString     string
	RedshiftQueryId int64
	ResultRows      int64
	ResultSize      int64
	Status          string
}

func duration(start, end time.Time) int64 {
	if start.IsZero() || end.IsZero() {
		return 0
	}
	return int64(end.Sub(start))
}

func (a *API) describeStatement(c *call) (any, error) {
	var req struct{ Id *string }
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
	out := describeOut{Id: id, ClusterIdentifier: st.Cluster, WorkgroupName: st.Workgroup, SecretArn: st.SecretArn,
		CreatedAt: stamp(st.Created), Database: st.Database, DbUser: st.User, QueryParameters: st.Params, ResultFormat: "JSON"}
	if n > 0 { // one SQL statement of a batch
		s := st.Subs[n-1]
		out.UpdatedAt, out.Duration, out.Error, out.Status = stamp(s.Updated), duration(s.Started, s.Ended), s.Error, s.Status
		out.HasResultSet, out.QueryString, out.RedshiftQueryId = s.HasResultSet, s.SQL, s.QueryID
		out.ResultRows, out.ResultSize = s.Rows, s.Size
		return out, nil
	}
	out.UpdatedAt, out.Duration, out.Error, out.Status = stamp(st.Updated), duration(st.Started, st.Ended), st.Error, st.Status
	out.ResultRows, out.ResultSize = -1, -1
	for i, s := range st.Subs {
		out.HasResultSet = out.HasResultSet || s.HasResultSet
		out.RedshiftQueryId = max(out.RedshiftQueryId, s.QueryID)
		if s.Rows >= 0 {
			out.ResultRows = max(out.ResultRows, 0) + s.Rows
		}
		if s.Size >= 0 {
			out.ResultSize = max(out.ResultSize, 0) + s.Size
		}
		if st.Batch {
			out.SubStatements = append(out.SubStatements, subOut{Id: fmt.Sprintf("%s:%d", st.ID, i+1),
				CreatedAt: stamp(st.Created), UpdatedAt: stamp(s.Updated), Duration: duration(s.Started, s.Ended),
				Error: s.Error, HasResultSet: s.HasResultSet, QueryString: s.SQL, RedshiftQueryId: s.QueryID,
				ResultRows: s.Rows, ResultSize: s.Size, Status: s.Status})
		}
	}
	if !st.Batch {
		out.QueryString = st.Subs[0].SQL
	}
	return out, nil
}

func (a *API) cancelStatement(c *call) (any, error) {
	var req struct{ Id *string }
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	id, err := statementID(req.Id)
	if err != nil {
		return nil, err
	}
	st, _, err := a.ownStatement(c, id)
	if err != nil {
		return nil, err
	}
	now := a.opts.Now()
	st, err = a.updateStatement(c.Ctx, st.ID, func(st *statement) bool {
		if finished(st.Status) {
			return false
		}
		endAll(st, statusAborted, "", now)
		return true
	})
	if err != nil {
		return nil, err
	}
	if st.Status != statusAborted || !st.Updated.Equal(now) {
		return nil, invalid("Could not cancel a query that is already in %s state.", st.Status)
	}
	a.mu.Lock()
	cancel := a.running[st.ID]
	a.mu.Unlock()
	if cancel != nil {
		cancel(errCanceled)
	}
	return struct{ Status bool }{true}, nil
}

type statementData struct {
	Id               string
	CreatedAt        *awsapi.Timestamp
	UpdatedAt        *awsapi.Timestamp
	IsBatchStatement bool
	QueryParameters  []sqlParam `json:",omitempty"`
	QueryString      string     `json:",omitempty"`
	QueryStrings     []string   `json:",omitempty"`
	ResultFormat     string
	SecretArn        string `json:",omitempty"`
	StatementName    string `json:",omitempty"`
	Status           string
}

// listStatements lists the caller's statements newest first (every key's
// for a root key). As the Data API documents, only FINISHED ones unless
// Status asks for others. RoleLevel changes nothing: a key is both the
// role and the session here.
func (a *API) listStatements(c *call) (any, error) {
	var req struct {
		Status            *string
		StatementName     *string
		MaxResults        int32
		NextToken         *string
		RoleLevel         *bool
		Database          *string
		ClusterIdentifier *string
		WorkgroupName     *string
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	user, err := caller(c)
	if err != nil {
		return nil, err
	}
	status := statusFinished
	if req.Status != nil {
		switch status = *req.Status; status {
		case statusSubmitted, statusPicked, statusStarted, statusFinished, statusAborted, statusFailed, statusAll:
		default:
			return nil, invalid("Status %q is not valid: it is one of SUBMITTED, PICKED, STARTED, FINISHED, ABORTED, FAILED and ALL.", status)
		}
	}
	prefix, err := optional("StatementName", req.StatementName, 0, maxStatementName)
	if err != nil {
		return nil, err
	}
	limit, err := pageSize(req.MaxResults, maxListPage)
	if err != nil {
		return nil, err
	}
	var cluster, workgroup string
	if err := target(req.ClusterIdentifier, req.WorkgroupName, &cluster, &workgroup); err != nil {
		return nil, err
	}
	db, err := optional("Database", req.Database, 1, 127)
	if err != nil {
		return nil, err
	}
	after, err := readToken("ListStatements", req.NextToken)
	if err != nil {
		return nil, err
	}
	keys, err := a.indexKeys(c, user)
	if err != nil {
		return nil, err
	}
	out := listOut{Statements: []statementData{}}
	now, last := a.opts.Now(), ""
	for _, k := range keys {
		if after != "" && k.key <= after {
			continue
		}
		if len(out.Statements) == limit {
			t := awsapi.MakeToken("ListStatements", last)
			out.NextToken = &t
			break
		}
		d, err := a.docs.GetDoc(c.Ctx, kindStatement, k.id)
		if errors.Is(err, catalog.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var st statement
		if err := catalog.DecodeDoc(d, &st); err != nil {
			return nil, err
		}
		last = k.key
		if a.expired(&st, now) || !owns(c, st.User) || status != statusAll && st.Status != status ||
			!strings.HasPrefix(st.Name, prefix) || db != "" && !strings.EqualFold(db, st.Database) ||
			cluster != "" && cluster != st.Cluster || workgroup != "" && workgroup != st.Workgroup {
			continue
		}
		out.Statements = append(out.Statements, listed(&st))
	}
	return out, nil
}

type listOut struct {
	Statements []statementData
	NextToken  *string `json:",omitempty"`
}

func listed(st *statement) statementData {
	d := statementData{Id: st.ID, CreatedAt: stamp(st.Created), UpdatedAt: stamp(st.Updated), IsBatchStatement: st.Batch,
		QueryParameters: st.Params, ResultFormat: "JSON", SecretArn: st.SecretArn, StatementName: st.Name, Status: st.Status}
	if st.Batch {
		for _, s := range st.Subs {
			d.QueryStrings = append(d.QueryStrings, s.SQL)
		}
	} else if len(st.Subs) > 0 {
		d.QueryString = st.Subs[0].SQL
	}
	return d
}

// indexEntry is a listed statement: its id and its place in the listing.
type indexEntry struct{ key, id string }

// indexKeys lists the statements the caller may see, newest first: its
// own, or every key's for a root key.
func (a *API) indexKeys(c *call, user string) ([]indexEntry, error) {
	prefix := url.PathEscape(user) + "/"
	if c.Caller.Root {
		prefix = ""
	}
	docs, err := a.docs.ListDocs(c.Ctx, kindIndex, prefix)
	if err != nil {
		return nil, err
	}
	keys := make([]indexEntry, 0, len(docs))
	for _, d := range docs {
		_, key, ok := strings.Cut(d.Name, "/")
		if _, id, good := parseIndex(d.Name); ok && good {
			keys = append(keys, indexEntry{key, id})
		}
	}
	slices.SortFunc(keys, func(x, y indexEntry) int { return strings.Compare(x.key, y.key) })
	return keys, nil
}
