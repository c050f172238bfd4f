package redshiftdata

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/query"
)

// The metadata operations answer at once, from the engine's
// information_schema read in a session of the caller, so a key lists only
// what its grants let it read, as in any query.

// metaRequest holds the members the metadata operations share.
type metaRequest struct {
	Database          *string
	ConnectedDatabase *string
	ClusterIdentifier *string
	WorkgroupName     *string
	SecretArn         *string
	DbUser            *string
	MaxResults        int32
	NextToken         *string
}

// check validates the shared members and returns the page size.
func (a *API) check(c *call, r *metaRequest) (user string, limit int, err error) {
	if user, err = caller(c); err != nil {
		return "", 0, err
	}
	if _, err = a.database(r.Database, true); err != nil {
		return "", 0, err
	}
	if r.ConnectedDatabase != nil {
		if _, err = a.database(r.ConnectedDatabase, false); err != nil {
			return "", 0, err
		}
	}
	var cluster, workgroup string
	if err = target(r.ClusterIdentifier, r.WorkgroupName, &cluster, &workgroup); err != nil {
		return "", 0, err
	}
	if _, err = optional("SecretArn", r.SecretArn, 1, 2048); err != nil {
		return "", 0, err
	}
	if _, err = optional("DbUser", r.DbUser, 1, 128); err != nil {
		return "", 0, err
	}
	limit, err = pageSize(r.MaxResults, maxMetaPage)
	return user, limit, err
}

func (a *API) listDatabases(c *call) (any, error) {
	var req metaRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	_, limit, err := a.check(c, &req)
	if err != nil {
		return nil, err
	}
	from, err := readOffset("ListDatabases", req.NextToken)
	if err != nil {
		return nil, err
	}
	dbs := []string{a.opts.Database}
	from, to, next := pageOf("ListDatabases", from, len(dbs), limit)
	return struct {
		Databases []string
		NextToken *string `json:",omitempty"`
	}{dbs[from:to], next}, nil
}

func (a *API) listSchemas(c *call) (any, error) {
	var req struct {
		metaRequest
		SchemaPattern *string
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	user, limit, err := a.check(c, &req.metaRequest)
	if err != nil {
		return nil, err
	}
	from, err := readOffset("ListSchemas", req.NextToken)
	if err != nil {
		return nil, err
	}
	pattern, err := optional("SchemaPattern", req.SchemaPattern, 0, maxNameArg)
	if err != nil {
		return nil, err
	}
	rows, err := a.metaQuery(c.Ctx, user, "SELECT DISTINCT schema_name FROM information_schema.schemata ORDER BY schema_name")
	if err != nil {
		return nil, err
	}
	schemas := []string{}
	for _, r := range rows {
		if name := stringValue(r[0]); req.SchemaPattern == nil || like(pattern, name) {
			schemas = append(schemas, name)
		}
	}
	from, to, next := pageOf("ListSchemas", from, len(schemas), limit)
	return struct {
		Schemas   []string
		NextToken *string `json:",omitempty"`
	}{schemas[from:to], next}, nil
}

type tableMember struct {
	Name   string `json:"name"`
	Schema string `json:"schema"`
	Type   string `json:"type"`
}

func (a *API) listTables(c *call) (any, error) {
	var req struct {
		metaRequest
		SchemaPattern, TablePattern *string
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	user, limit, err := a.check(c, &req.metaRequest)
	if err != nil {
		return nil, err
	}
	from, err := readOffset("ListTables", req.NextToken)
	if err != nil {
		return nil, err
	}
	schemaPattern, err := optional("SchemaPattern", req.SchemaPattern, 0, maxNameArg)
	if err != nil {
		return nil, err
	}
	tablePattern, err := optional("TablePattern", req.TablePattern, 0, maxNameArg)
	if err != nil {
		return nil, err
	}
	rows, err := a.metaQuery(c.Ctx, user,
		"SELECT DISTINCT table_schema, table_name, table_type FROM information_schema.tables ORDER BY table_schema, table_name")
	if err != nil {
		return nil, err
	}
	var kinds map[[2]string]string
	if tk, ok := a.engine.(tableKinds); ok {
		kinds = tk.TableKinds()
	}
	tables := []tableMember{}
	for _, r := range rows {
		t := tableMember{Schema: stringValue(r[0]), Name: stringValue(r[1]), Type: tableType(stringValue(r[2]))}
		if k, ok := kinds[[2]string{t.Schema, t.Name}]; ok {
			t.Type = k
		}
		if (req.SchemaPattern == nil || like(schemaPattern, t.Schema)) && (req.TablePattern == nil || like(tablePattern, t.Name)) {
			tables = append(tables, t)
		}
	}
	from, to, next := pageOf("ListTables", from, len(tables), limit)
	return struct {
		Tables    []tableMember
		NextToken *string `json:",omitempty"`
	}{tables[from:to], next}, nil
}

// tableKinds is an engine that tells its warehouse tables from the lake's
// and its own views, which information_schema shows alike.
type tableKinds interface {
	TableKinds() map[[2]string]string
}

// tableType names information_schema's table types as Redshift does. The
// engine shows the lake's tables, which it reads through views, as BASE
// TABLE.
func tableType(t string) string {
	switch t {
	case "BASE TABLE":
		return "TABLE"
	case "":
		return "TABLE"
	}
	return t
}

func (a *API) describeTable(c *call) (any, error) {
	var req struct {
		metaRequest
		Schema, Table *string
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	user, limit, err := a.check(c, &req.metaRequest)
	if err != nil {
		return nil, err
	}
	from, err := readOffset("DescribeTable", req.NextToken)
	if err != nil {
		return nil, err
	}
	schema, err := optional("Schema", req.Schema, 1, maxNameArg)
	if err != nil {
		return nil, err
	}
	table, err := optional("Table", req.Table, 1, maxNameArg)
	if err != nil {
		return nil, err
	}
	var where []string
	var args []any
	if req.Schema != nil {
		args = append(args, schema)
		where = append(where, fmt.Sprintf("table_schema = $%d", len(args)))
	}
	if req.Table != nil {
		args = append(args, table)
		where = append(where, fmt.Sprintf("table_name = $%d", len(args)))
	}
	sql := "SELECT table_schema, table_name, column_name, data_type, is_nullable, column_default, " +
		"character_maximum_length, numeric_precision, numeric_scale FROM information_schema.columns"
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY table_schema, table_name, ordinal_position"
	rows, err := a.metaQuery(c.Ctx, user, sql, args...)
	if err != nil {
		return nil, err
	}
	cols := make([]column, 0, len(rows))
	for _, r := range rows {
		cols = append(cols, tableColumn(r))
	}
	from, to, next := pageOf("DescribeTable", from, len(cols), limit)
	return struct {
		ColumnList []column
		NextToken  *string `json:",omitempty"`
		TableName  string  `json:",omitempty"`
	}{cols[from:to], next, table}, nil
}

// tableColumn describes a column from its information_schema.columns row:
// schema, table, name, type, is_nullable, default, length, precision, scale.
func tableColumn(r []any) column {
	t, err := query.ParseType(stringValue(r[3]))
	if err != nil {
		t = query.Type{Kind: query.KindVarchar}
	}
	name, prec, scale, signed, text := redshiftType(t)
	c := column{SchemaName: stringValue(r[0]), TableName: stringValue(r[1]), Name: stringValue(r[2]), Label: stringValue(r[2]),
		TypeName: name, Precision: prec, Scale: scale, IsSigned: signed, IsCaseSensitive: text, Nullable: nullableUnknown}
	switch stringValue(r[4]) {
	case "YES":
		c.Nullable = nullable
	case "NO":
		c.Nullable = noNulls
	}
	if r[5] != nil {
		d := stringValue(r[5])
		c.ColumnDefault = &d
	}
	if n, ok := query.Int64(r[6]); ok {
		c.Length = int(n)
	}
	if n, ok := query.Int64(r[7]); ok && t.Kind == query.KindDecimal {
		c.Precision = int(n)
	}
	if n, ok := query.Int64(r[8]); ok && t.Kind == query.KindDecimal {
		c.Scale = int(n)
	}
	return c
}

// maxMetaRows bounds what a metadata query may return.
const maxMetaRows = 1_000_000

// metaQuery runs a catalog query in a session of user and returns its
// rows, answering the engine's failures as the Data API's errors.
func (a *API) metaQuery(ctx context.Context, user, sql string, args ...any) ([][]any, error) {
	ctx, cancel := context.WithTimeout(ctx, a.opts.MetadataTimeout)
	defer cancel()
	sess, err := a.engine.Session(ctx, user)
	if err != nil {
		return nil, a.metaError(ctx, err, true)
	}
	defer sess.Close()
	res, err := sess.Query(ctx, sql, args...)
	if err != nil {
		return nil, a.metaError(ctx, err, false)
	}
	if res.Rows == nil {
		return nil, nil
	}
	defer res.Rows.Close()
	var out [][]any
	n := len(res.Rows.Columns())
	for res.Rows.Next() {
		if len(out) == maxMetaRows {
			return nil, internal("The catalog lists more than %d rows; narrow the request.", maxMetaRows)
		}
		row := make([]any, n)
		copy(row, res.Rows.Values())
		out = append(out, row)
	}
	if err := res.Rows.Err(); err != nil {
		return nil, a.metaError(ctx, err, false)
	}
	return out, nil
}

// metaError answers a metadata query's failure: its timeout, a session
// the engine would not open, a refusal the caller can act on, or tarn's
// own failure.
func (a *API) metaError(ctx context.Context, err error, session bool) error {
	var qe *query.Error
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return awsapi.Errorf(http.StatusBadRequest, codeTimeout, "The catalog query took longer than %s.", a.opts.MetadataTimeout)
	case ctx.Err() != nil:
		return ctx.Err() // the client went away
	case session:
		return awsapi.Errorf(http.StatusInternalServerError, codeConnection, "Connection to the database failed: %v", err)
	case errors.As(err, &qe) && (strings.HasPrefix(qe.Code, "42") || strings.HasPrefix(qe.Code, "28")):
		return invalid("ERROR: %s", qe.Message)
	}
	a.log.Error("catalog query", "err", err)
	return internal("The catalog query failed: %v", err)
}

// like matches s against a LIKE pattern: % any run of characters, _ any
// one, and \ taking the next character as it is, as Redshift's default
// escape does.
func like(pattern, s string) bool {
	type elem struct {
		r    rune
		kind byte // 'c' one character, '_' any one, '%' any run
	}
	var pat []elem
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; {
		case r == '\\' && i+1 < len(rs):
			i++
			pat = append(pat, elem{rs[i], 'c'})
		case r == '%':
			if len(pat) == 0 || pat[len(pat)-1].kind != '%' {
				pat = append(pat, elem{kind: '%'})
			}
		case r == '_':
			pat = append(pat, elem{kind: '_'})
		default:
			pat = append(pat, elem{r, 'c'})
		}
	}
	str := []rune(s)
	// match[j]: pat[:i] matches str[:j], row by row.
	match := make([]bool, len(str)+1)
	match[0] = true
	for _, p := range pat {
		next := make([]bool, len(str)+1)
		if p.kind == '%' {
			next[0] = match[0]
		}
		for j := 1; j <= len(str); j++ {
			switch p.kind {
			case '%':
				next[j] = match[j] || next[j-1]
			case '_':
				next[j] = match[j-1]
			default:
				next[j] = match[j-1] && str[j-1] == p.r
			}
		}
		match = next
	}
	return match[len(str)]
}
