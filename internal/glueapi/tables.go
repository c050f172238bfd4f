package glueapi

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/catalog"
)

// tableRef is how most table operations name their table.
type tableRef struct {
	DatabaseName *string
	Name         *string
}

// resolve checks the names and that the caller may act on the database.
func (a *API) resolve(c *call, act access.Action, dbField string, db *string, nameField string, name *string) (string, string, error) {
	d, err := lowerName(dbField, db)
	if err != nil {
		return "", "", err
	}
	n, err := lowerName(nameField, name)
	if err != nil {
		return "", "", err
	}
	return d, n, a.authorize(c, act, d)
}

func (a *API) createTable(c *call) (any, error) {
	var req struct {
		DatabaseName         *string
		TableInput           *tableInput
		OpenTableFormatInput any
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	db, err := lowerName("DatabaseName", req.DatabaseName)
	if err != nil {
		return nil, err
	}
	if req.OpenTableFormatInput != nil {
		return nil, invalidInput("OpenTableFormatInput: tarn does not create open table format tables through Glue.")
	}
	t, err := toTable(db, req.TableInput)
	if err != nil {
		return nil, err
	}
	if err := a.authorize(c, access.Write, db); err != nil {
		return nil, err
	}
	if _, err := a.store.CreateTable(c.Ctx, t); err != nil {
		return nil, a.tableErr(c.Ctx, err, db, t.Name)
	}
	return struct{}{}, nil
}

func (a *API) getTable(c *call) (any, error) {
	var req tableRef
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	db, name, err := a.resolve(c, access.Read, "DatabaseName", req.DatabaseName, "Name", req.Name)
	if err != nil {
		return nil, err
	}
	t, err := a.store.GetTable(c.Ctx, db, name)
	if err != nil {
		return nil, a.tableErr(c.Ctx, err, db, name)
	}
	return struct{ Table tableOut }{table(t)}, nil
}

func (a *API) getTables(c *call) (any, error) {
	var req struct {
		DatabaseName *string
		Expression   *string
		MaxResults   *int32
		NextToken    *string
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	db, err := lowerName("DatabaseName", req.DatabaseName)
	if err != nil {
		return nil, err
	}
	limit, err := maxResults(req.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	var match *regexp.Regexp
	if req.Expression != nil && *req.Expression != "" {
		if match, err = tablePattern(*req.Expression); err != nil {
			return nil, err
		}
	}
	if err := a.authorize(c, access.Read, db); err != nil {
		return nil, err
	}
	all, err := a.store.ListTables(c.Ctx, db, "")
	if err != nil {
		return nil, catalogErr(err, "Database "+db)
	}
	var tables []catalog.Table
	for _, t := range all {
		if match == nil || match.MatchString(t.Name) {
			tables = append(tables, t)
		}
	}
	tables, next, err := paginate(tables, "tables", req.NextToken, limit,
		func(t catalog.Table) string { return t.Name }, ascending)
	if err != nil {
		return nil, err
	}
	out := make([]tableOut, len(tables))
	for i, t := range tables {
		out[i] = table(t)
	}
	return struct {
		TableList []tableOut
		NextToken string `json:",omitempty"`
	}{out, next}, nil
}

// maxExpression is Glue's limit on GetTables and GetPartitions expressions.
const maxExpression = 2048

// tablePattern compiles GetTables' Expression. Glue calls it a regular
// expression, but users write Hive patterns too ("sales*", "a*|b*"), so a
// '*' that does not follow '.', '\', ')' or ']' means '.*'. The pattern
// matches whole names, ignoring case; alternatives split by '|' stay
// alternatives of one anchored group.
func tablePattern(expr string) (*regexp.Regexp, error) {
	if len(expr) > maxExpression {
		return nil, invalidInput("Expression is %d bytes long; at most %d are allowed.", len(expr), maxExpression)
	}
	var b strings.Builder
	for i := 0; i < len(expr); i++ {
		if expr[i] == '*' && (i == 0 || !strings.ContainsRune(`.\)]`, rune(expr[i-1]))) {
			b.WriteString(".*")
			continue
		}
		b.WriteByte(expr[i])
	}
	re, err := regexp.Compile("(?i)^(?:" + b.String() + ")$")
	if err != nil {
		return nil, invalidInput("Expression %q is not a valid pattern: %v.", expr, err)
	}
	return re, nil
}

// updateTable replaces the table's definition. SkipArchive is accepted and
// ignored: tarn keeps every version anyway.
func (a *API) updateTable(c *call) (any, error) {
	var req struct {
		DatabaseName *string
		Name         *string
		TableInput   *tableInput
		VersionId    *string
		SkipArchive  *bool
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	db, err := lowerName("DatabaseName", req.DatabaseName)
	if err != nil {
		return nil, err
	}
	t, err := toTable(db, req.TableInput)
	if err != nil {
		return nil, err
	}
	if req.Name != nil && !strings.EqualFold(*req.Name, t.Name) {
		return nil, invalidInput("Name %s differs from TableInput.Name %s: tarn cannot rename tables.", *req.Name, t.Name)
	}
	expected := 0
	if req.VersionId != nil {
		if expected, err = versionID(*req.VersionId); err != nil {
			return nil, err
		}
	}
	if err := a.authorize(c, access.Write, db); err != nil {
		return nil, err
	}
	if _, err := a.store.UpdateTable(c.Ctx, t, expected); err != nil {
		if expected != 0 && errors.Is(err, catalog.ErrConflict) {
			return nil, clientErr(codeConcurrent, "Table %s.%s is no longer at version %d; read it again and retry.", db, t.Name, expected)
		}
		return nil, a.tableErr(c.Ctx, err, db, t.Name)
	}
	return struct{}{}, nil
}

// versionID reads a VersionId: Glue's are decimal strings from 1.
func versionID(s string) (int, error) {
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 {
		return 0, invalidInput("VersionId %q is not a table version; versions are numbers from 1.", s)
	}
	return v, nil
}

func (a *API) deleteTable(c *call) (any, error) {
	var req tableRef
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	db, name, err := a.resolve(c, access.Write, "DatabaseName", req.DatabaseName, "Name", req.Name)
	if err != nil {
		return nil, err
	}
	if err := a.store.DeleteTable(c.Ctx, db, name); err != nil {
		return nil, a.tableErr(c.Ctx, err, db, name)
	}
	return struct{}{}, nil
}

type tableError struct {
	TableName   string
	ErrorDetail errorDetail
}

func (a *API) batchDeleteTable(c *call) (any, error) {
	var req struct {
		DatabaseName   *string
		TablesToDelete []string
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	db, err := lowerName("DatabaseName", req.DatabaseName)
	if err != nil {
		return nil, err
	}
	if n := len(req.TablesToDelete); n < 1 || n > 100 {
		return nil, invalidInput("TablesToDelete holds %d names; it must hold 1 to 100.", n)
	}
	for i := range req.TablesToDelete {
		if _, err := optional("TablesToDelete member", req.TablesToDelete[i]); err != nil {
			return nil, err
		}
	}
	if err := a.authorize(c, access.Write, db); err != nil {
		return nil, err
	}
	errs := []tableError{}
	for _, name := range req.TablesToDelete {
		name = strings.ToLower(name)
		err := a.store.DeleteTable(c.Ctx, db, name)
		if err == nil {
			continue
		}
		var ae *awsapi.Error
		if !errors.As(a.tableErr(c.Ctx, err, db, name), &ae) {
			return nil, catalogErr(err, "Table "+db+"."+name)
		}
		errs = append(errs, tableError{name, errorDetail{ae.Code, ae.Message}})
	}
	return struct{ Errors []tableError }{errs}, nil
}
