package engine

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tarnlake/tarn/internal/query"
)

// pgSchema holds what PostgreSQL clients read from pg_catalog and DuckDB's
// pg_catalog lacks: the columns psql's \d, pgjdbc's DatabaseMetaData
// (Metabase, DBeaver) and SQLAlchemy (Superset) select, the catalogs they
// join that DuckDB has not got (pg_inherits, pg_roles, pg_policy, …), and
// the functions they call. Statements naming pg_catalog are rewritten to
// read these views (see pgCompat), which also hide this schema itself.
const pgSchema = "tarn_pg"

// pgTables lists the catalogs served from pgSchema: extends are DuckDB's
// own with the missing columns added; the others are empty tables with
// PostgreSQL 15's columns. The column lists were read off PostgreSQL 15.
var pgTables = []struct {
	name    string
	extends bool
	columns string
}{
	{"pg_namespace", true, ""}, // made by pgNamespaceSQL; listed for the rewrites
	{"pg_attribute", true, ""}, // pgAttributeSQL
	{"pg_type", true, ""},      // pgTypeSQL
	{"pg_views", true, ""},
	{"pg_proc", true, ""},
	{"pg_description", true, ""},
	{"pg_attrdef", true, ""},
	{"pg_am", true, ""},
	{"pg_tablespace", true, ""},
	{"pg_enum", true, ""},
	{"pg_depend", true, ""},
	{"pg_indexes", true, ""},
	{"pg_sequence", true, ""},
	{"pg_sequences", true, ""},
	{"pg_class", true, "relforcerowsecurity BOOLEAN"},
	{"pg_database", false, "oid BIGINT, datname VARCHAR, datdba BIGINT, encoding INTEGER, datlocprovider VARCHAR, datistemplate BOOLEAN, datallowconn BOOLEAN, datconnlimit INTEGER, datfrozenxid BIGINT, datminmxid BIGINT, dattablespace BIGINT, datcollate VARCHAR, datctype VARCHAR, daticulocale VARCHAR, datcollversion VARCHAR, datacl VARCHAR[]"},
	{"pg_index", true, "indnullsnotdistinct BOOLEAN"},
	{"pg_constraint", true, "confdelsetcols SMALLINT[]"},
	{"pg_settings", true, "unit VARCHAR, category VARCHAR, extra_desc VARCHAR, context VARCHAR, source VARCHAR, min_val VARCHAR, max_val VARCHAR, enumvals VARCHAR[], boot_val VARCHAR, reset_val VARCHAR, sourcefile VARCHAR, sourceline INTEGER, pending_restart BOOLEAN"},
	{"pg_collation", true, "collnamespace BIGINT, collowner BIGINT, collprovider VARCHAR, collisdeterministic BOOLEAN, collencoding INTEGER, collcollate VARCHAR, collctype VARCHAR, colliculocale VARCHAR, collversion VARCHAR"},
	{"pg_inherits", false, "inhrelid BIGINT, inhparent BIGINT, inhseqno INTEGER, inhdetachpending BOOLEAN"},
	{"pg_policy", false, "oid BIGINT, polname VARCHAR, polrelid BIGINT, polcmd VARCHAR, polpermissive BOOLEAN, polroles BIGINT[], polqual VARCHAR, polwithcheck VARCHAR"},
	{"pg_trigger", false, "oid BIGINT, tgrelid BIGINT, tgparentid BIGINT, tgname VARCHAR, tgfoid BIGINT, tgtype SMALLINT, tgenabled VARCHAR, tgisinternal BOOLEAN, tgconstrrelid BIGINT, tgconstrindid BIGINT, tgconstraint BIGINT, tgdeferrable BOOLEAN, tginitdeferred BOOLEAN, tgnargs SMALLINT, tgattr SMALLINT[], tgargs BLOB, tgqual VARCHAR, tgoldtable VARCHAR, tgnewtable VARCHAR"},
	{"pg_rewrite", false, "oid BIGINT, rulename VARCHAR, ev_class BIGINT, ev_type VARCHAR, ev_enabled VARCHAR, is_instead BOOLEAN, ev_qual VARCHAR, ev_action VARCHAR"},
	{"pg_statistic_ext", false, "oid BIGINT, stxrelid BIGINT, stxname VARCHAR, stxnamespace BIGINT, stxowner BIGINT, stxstattarget INTEGER, stxkeys SMALLINT[], stxkind VARCHAR[], stxexprs VARCHAR"},
	{"pg_publication", false, "oid BIGINT, pubname VARCHAR, pubowner BIGINT, puballtables BOOLEAN, pubinsert BOOLEAN, pubupdate BOOLEAN, pubdelete BOOLEAN, pubtruncate BOOLEAN, pubviaroot BOOLEAN"},
	{"pg_publication_rel", false, "oid BIGINT, prpubid BIGINT, prrelid BIGINT, prqual VARCHAR, prattrs SMALLINT[]"},
	{"pg_publication_namespace", false, "oid BIGINT, pnpubid BIGINT, pnnspid BIGINT"},
	{"pg_roles", false, "rolname VARCHAR, rolsuper BOOLEAN, rolinherit BOOLEAN, rolcreaterole BOOLEAN, rolcreatedb BOOLEAN, rolcanlogin BOOLEAN, rolreplication BOOLEAN, rolconnlimit INTEGER, rolpassword VARCHAR, rolvaliduntil TIMESTAMPTZ, rolbypassrls BOOLEAN, rolconfig VARCHAR[], oid BIGINT"},
	{"pg_user", false, "usename VARCHAR, usesysid BIGINT, usecreatedb BOOLEAN, usesuper BOOLEAN, userepl BOOLEAN, usebypassrls BOOLEAN, passwd VARCHAR, valuntil TIMESTAMPTZ, useconfig VARCHAR[]"},
	{"pg_auth_members", false, "roleid BIGINT, member BIGINT, grantor BIGINT, admin_option BOOLEAN"},
	{"pg_extension", false, "oid BIGINT, extname VARCHAR, extowner BIGINT, extnamespace BIGINT, extrelocatable BOOLEAN, extversion VARCHAR, extconfig BIGINT[], extcondition VARCHAR[]"},
	{"pg_foreign_table", false, "ftrelid BIGINT, ftserver BIGINT, ftoptions VARCHAR[]"},
	{"pg_foreign_server", false, "oid BIGINT, srvname VARCHAR, srvowner BIGINT, srvfdw BIGINT, srvtype VARCHAR, srvversion VARCHAR, srvacl VARCHAR[], srvoptions VARCHAR[]"},
	{"pg_foreign_data_wrapper", false, "oid BIGINT, fdwname VARCHAR, fdwowner BIGINT, fdwhandler BIGINT, fdwvalidator BIGINT, fdwacl VARCHAR[], fdwoptions VARCHAR[]"},
	{"pg_partitioned_table", false, "partrelid BIGINT, partstrat VARCHAR, partnatts SMALLINT, partdefid BIGINT, partattrs SMALLINT[], partclass BIGINT[], partcollation BIGINT[], partexprs VARCHAR"},
	{"pg_opclass", false, "oid BIGINT, opcmethod BIGINT, opcname VARCHAR, opcnamespace BIGINT, opcowner BIGINT, opcfamily BIGINT, opcintype BIGINT, opcdefault BOOLEAN, opckeytype BIGINT"},
	{"pg_operator", false, "oid BIGINT, oprname VARCHAR, oprnamespace BIGINT, oprowner BIGINT, oprkind VARCHAR, oprcanmerge BOOLEAN, oprcanhash BOOLEAN, oprleft BIGINT, oprright BIGINT, oprresult BIGINT, oprcom BIGINT, oprnegate BIGINT, oprcode VARCHAR, oprrest VARCHAR, oprjoin VARCHAR"},
	{"pg_range", false, "rngtypid BIGINT, rngsubtype BIGINT, rngmultitypid BIGINT, rngcollation BIGINT, rngsubopc BIGINT, rngcanonical VARCHAR, rngsubdiff VARCHAR"},
	{"pg_matviews", false, "schemaname VARCHAR, matviewname VARCHAR, matviewowner VARCHAR, tablespace VARCHAR, hasindexes BOOLEAN, ispopulated BOOLEAN, definition VARCHAR"},
	{"pg_language", false, "oid BIGINT, lanname VARCHAR, lanowner BIGINT, lanispl BOOLEAN, lanpltrusted BOOLEAN, lanplcallfoid BIGINT, laninline BIGINT, lanvalidator BIGINT, lanacl VARCHAR[]"},
	{"pg_event_trigger", false, "oid BIGINT, evtname VARCHAR, evtevent VARCHAR, evtowner BIGINT, evtfoid BIGINT, evtenabled VARCHAR, evttags VARCHAR[]"},
	{"pg_shdescription", false, "objoid BIGINT, classoid BIGINT, description VARCHAR"},
	{"pg_cast", false, "oid BIGINT, castsource BIGINT, casttarget BIGINT, castfunc BIGINT, castcontext VARCHAR, castmethod VARCHAR"},
	{"pg_tables", true, "rowsecurity BOOLEAN"},
	{"pg_stat_activity", false, "datid BIGINT, datname VARCHAR, pid INTEGER, leader_pid INTEGER, usesysid BIGINT, usename VARCHAR, application_name VARCHAR, client_addr VARCHAR, client_hostname VARCHAR, client_port INTEGER, backend_start TIMESTAMPTZ, xact_start TIMESTAMPTZ, query_start TIMESTAMPTZ, state_change TIMESTAMPTZ, wait_event_type VARCHAR, wait_event VARCHAR, state VARCHAR, backend_xid BIGINT, backend_xmin BIGINT, query_id BIGINT, query VARCHAR, backend_type VARCHAR"},
	{"pg_conversion", false, "oid BIGINT, conname VARCHAR, connamespace BIGINT, conowner BIGINT, conforencoding INTEGER, contoencoding INTEGER, conproc VARCHAR, condefault BOOLEAN"},
	{"pg_ts_config", false, "oid BIGINT, cfgname VARCHAR, cfgnamespace BIGINT, cfgowner BIGINT, cfgparser BIGINT"},
	{"pg_default_acl", false, "oid BIGINT, defaclrole BIGINT, defaclnamespace BIGINT, defaclobjtype VARCHAR, defaclacl VARCHAR[]"},
	{"pg_init_privs", false, "objoid BIGINT, classoid BIGINT, objsubid INTEGER, privtype VARCHAR, initprivs VARCHAR[]"},
	{"pg_statistic_ext_data", false, "stxoid BIGINT, stxdinherit BOOLEAN, stxdndistinct VARCHAR, stxddependencies VARCHAR, stxdmcv VARCHAR, stxdexpr VARCHAR[]"},
	{"pg_largeobject_metadata", false, "oid BIGINT, lomowner BIGINT, lomacl VARCHAR[]"},
	{"pg_subscription", false, "oid BIGINT, subdbid BIGINT, subskiplsn VARCHAR, subname VARCHAR, subowner BIGINT, subenabled BOOLEAN, subbinary BOOLEAN, substream BOOLEAN, subtwophasestate VARCHAR, subdisableonerr BOOLEAN, subconninfo VARCHAR, subslotname VARCHAR, subsynccommit VARCHAR, subpublications VARCHAR[]"},
}

// pgRetype gives DuckDB's untyped (NULL) columns PostgreSQL's types, so
// that clients can unnest, concatenate and compare them.
var pgRetype = map[string]string{
	"pg_am":         "amhandler VARCHAR",
	"pg_class":      "relreplident VARCHAR, relminmxid BIGINT, relacl VARCHAR[], reloptions VARCHAR[], relpartbound VARCHAR",
	"pg_constraint": "confupdtype VARCHAR, confdeltype VARCHAR, confmatchtype VARCHAR, confkey SMALLINT[], conpfeqop BIGINT[], conppeqop BIGINT[], conffeqop BIGINT[], conexclop BIGINT[]",
	"pg_enum":       "oid BIGINT",
	"pg_index":      "indpred VARCHAR",
	"pg_indexes":    "tablespace VARCHAR",
	"pg_proc":       "proowner BIGINT, prolang BIGINT, proallargtypes BIGINT[], proargmodes VARCHAR[], proargdefaults VARCHAR, protrftypes BIGINT[], prosrc VARCHAR, probin VARCHAR, proconfig VARCHAR[], proacl VARCHAR[]",
	"pg_tables":     "tablespace VARCHAR",
	"pg_tablespace": "spcacl VARCHAR[], spcoptions VARCHAR[]",
}

// pgDefaults are the values of added columns that are not NULL.
var pgDefaults = map[string]string{
	"pg_class.relforcerowsecurity": "false",
	"pg_class.relreplident":        "'d'",
	"pg_attribute.attstorage":      "'p'",
	"pg_database.oid":              "1",
	"pg_database.datname":          "'tarn'",
	"pg_database.datistemplate":    "false",
	"pg_database.datallowconn":     "true",
	"pg_database.datdba":           "10",
	"pg_database.encoding":         "6",
	"pg_database.datlocprovider":   "'c'",
	"pg_database.datconnlimit":     "-1",
	"pg_database.datcollate":       "'C.UTF-8'",
	"pg_database.datctype":         "'C.UTF-8'",
	"pg_index.indnullsnotdistinct": "false",
	"pg_tables.rowsecurity":        "false",
	"pg_settings.context":          "'user'",
	"pg_settings.source":           "'default'",
	"pg_roles.rolname":             "'tarn'",
	"pg_roles.oid":                 "10",
	"pg_roles.rolinherit":          "true",
	"pg_roles.rolcanlogin":         "true",
	"pg_roles.rolsuper":            "false",
	"pg_roles.rolcreaterole":       "false",
	"pg_roles.rolcreatedb":         "false",
	"pg_roles.rolreplication":      "false",
	"pg_roles.rolbypassrls":        "false",
	"pg_roles.rolconnlimit":        "-1",
	"pg_roles.rolpassword":         "'********'",
	"pg_user.usename":              "'tarn'",
	"pg_user.usesysid":             "10",
	"pg_user.usecreatedb":          "false",
	"pg_user.usesuper":             "false",
	"pg_user.userepl":              "false",
	"pg_user.usebypassrls":         "false",
	"pg_user.passwd":               "'********'",
}

// pgRows are the added catalogs that hold a row: tarn's one role, which
// owns everything (pg_get_userbyid answers "tarn"), and its one database
// (DuckDB's lists its attached files).
var pgRows = map[string]bool{"pg_roles": true, "pg_user": true, "pg_database": true}

// pgHidden keeps pgSchema out of the lists clients show.
var pgHidden = map[string]string{
	"pg_class":  "relnamespace NOT IN (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = '" + pgSchema + "')",
	"pg_tables": "schemaname <> '" + pgSchema + "'",
	"pg_views":  "schemaname <> '" + pgSchema + "'",
}

// pgFunctions are PostgreSQL functions DuckDB lacks, as macros: sizes are
// unknown (0), definitions of objects tarn has none of are NULL.
var pgFunctions = []string{
	"pg_encoding_to_char(e) AS 'UTF8'",
	"pg_get_function_result(f) AS NULL::VARCHAR",
	"pg_get_function_arguments(f) AS NULL::VARCHAR",
	"pg_get_function_identity_arguments(f) AS NULL::VARCHAR",
	"pg_table_size(r) AS 0::BIGINT",
	"pg_indexes_size(r) AS 0::BIGINT",
	"pg_relation_size(r) AS 0::BIGINT",
	"pg_total_relation_size(r) AS 0::BIGINT",
	"pg_get_indexdef(i) AS NULL::VARCHAR, (i, col, pretty) AS NULL::VARCHAR",
	"pg_get_statisticsobjdef_columns(s) AS NULL::VARCHAR",
	"pg_get_partkeydef(r) AS NULL::VARCHAR",
	"pg_get_triggerdef(t) AS NULL::VARCHAR, (t, pretty) AS NULL::VARCHAR",
	"pg_get_ruledef(r) AS NULL::VARCHAR, (r, pretty) AS NULL::VARCHAR",
	"pg_get_userbyid(u) AS 'tarn'",
	// PostgreSQL's names for the OIDs pgTypeOf gives (DuckDB's format_type
	// takes its own type ids).
	pgFormatType,
	// pgjdbc's key and index lookups expand index keys; tarn has none.
	"_pg_expandarray(a) AS {'x': CAST(NULL AS SMALLINT), 'n': CAST(NULL AS INTEGER)}",
	"pg_get_viewdef(v) AS (SELECT sql FROM duckdb_views() WHERE view_oid = v), (v, pretty) AS (SELECT sql FROM duckdb_views() WHERE view_oid = v)",
	"pg_get_expr(e, r) AS CAST(e AS VARCHAR), (e, r, pretty) AS CAST(e AS VARCHAR)",
	"pg_is_in_recovery() AS false",
	"pg_relation_is_publishable(r) AS false",
	"pg_backend_pid() AS 0",
	"pg_get_serial_sequence(t, c) AS NULL::VARCHAR",
	"pg_tablespace_location(t) AS ''",
	"quote_ident(s) AS CASE WHEN regexp_full_match(s, '[a-z_][a-z0-9_$]*') THEN s ELSE '\"' || replace(s, '\"', '\"\"') || '\"' END",
	"array_upper(a, d) AS CASE WHEN len(a) > 0 THEN len(a) END",
	"array_lower(a, d) AS CASE WHEN len(a) > 0 THEN 1 END",
	"version() AS 'PostgreSQL 15.0 (tarn; DuckDB ' || (SELECT library_version FROM pragma_version()) || ')'",
}

// pgTypeOf is the PostgreSQL type OID of a DuckDB type name as
// duckdb_columns() spells it, as the wire protocol sends it
// (query.PGTypes): DuckDB's pg_attribute gives its own type ids, which
// clients would take for other types.
func pgTypeOf(col string) string {
	var b strings.Builder
	b.WriteString("CASE WHEN " + col + " LIKE 'DECIMAL%[]' THEN 1231")
	names := func(t query.PGType, suffix string) string {
		var names []string
		for _, k := range t.Kinds {
			names = append(names, "'"+k.String()+suffix+"'")
		}
		return strings.Join(names, ", ")
	}
	for _, t := range query.PGTypes {
		fmt.Fprintf(&b, " WHEN %s IN (%s) THEN %d", col, names(t, "[]"), t.ArrayOID)
	}
	fmt.Fprintf(&b, " WHEN %s LIKE '%%[]' THEN %d WHEN %s LIKE 'DECIMAL%%' THEN 1700", col, query.PGTextArray, col)
	for _, t := range query.PGTypes {
		fmt.Fprintf(&b, " WHEN %s IN (%s) THEN %d", col, names(t, ""), t.OID)
	}
	fmt.Fprintf(&b, " ELSE %d END", query.PGText)
	return b.String()
}

// pgFormatType is format_type as a macro: PostgreSQL's names for the OIDs
// pgTypeOf gives, numeric with its precision and scale.
var pgFormatType = func() string {
	var b strings.Builder
	b.WriteString("format_type(t, m) AS CASE t")
	for _, t := range query.PGTypes {
		if t.OID == 1700 {
			b.WriteString(" WHEN 1700 THEN CASE WHEN m > 4 THEN 'numeric(' || ((m - 4) // 65536) || ',' || ((m - 4) % 65536) || ')' ELSE 'numeric' END")
			continue
		}
		fmt.Fprintf(&b, " WHEN %d THEN '%s' WHEN %d THEN '%s[]'", t.OID, t.Display, t.ArrayOID, t.Display)
	}
	b.WriteString(" WHEN 1043 THEN 'character varying' ELSE 'text' END")
	return b.String()
}()

// pgTypeSQL is DuckDB's pg_type in pg_catalog's namespace (11), with the
// types of query.PGTypes it lacks (text, json, the arrays) and the few more
// clients look up by OID (name, oid, char, varchar's arrays).
var pgTypeSQL = func() string {
	row := func(oid uint32, name string, category string, elem, array uint32) string {
		return fmt.Sprintf("(%d, '%s', '%s', %d, %d)", oid, name, category, elem, array)
	}
	rows := []string{row(19, "name", "S", 0, 0), row(26, "oid", "N", 0, 0), row(18, "char", "S", 0, 0), row(1015, "_varchar", "A", 1043, 0)}
	cases := []string{"WHEN 1043 THEN 1015"}
	for _, t := range query.PGTypes {
		category := "U" // PostgreSQL's typcategory; clients read S (strings) at most
		if t.OID == query.PGText {
			category = "S"
		}
		rows = append(rows, row(t.OID, t.Name, category, 0, t.ArrayOID), row(t.ArrayOID, "_"+t.Name, "A", t.OID, 0))
		cases = append(cases, fmt.Sprintf("WHEN %d THEN %d", t.OID, t.ArrayOID))
	}
	return `CREATE OR REPLACE VIEW ` + pgSchema + `.pg_type AS
SELECT * REPLACE (CAST(11 AS BIGINT) AS typnamespace, CAST(CASE oid ` + strings.Join(cases, " ") + ` ELSE 0 END AS BIGINT) AS typarray,
	CAST(0 AS BIGINT) AS typelem, CAST(0 AS BIGINT) AS typbasetype, CAST(',' AS VARCHAR) AS typdelim, CAST(0 AS BIGINT) AS typrelid,
	CAST(-1 AS INTEGER) AS typtypmod, CAST(0 AS INTEGER) AS typndims, CAST(false AS BOOLEAN) AS typnotnull, CAST(0 AS BIGINT) AS typcollation)
FROM pg_catalog.pg_type WHERE oid IS NOT NULL AND typname IS NOT NULL
UNION ALL BY NAME
SELECT CAST(v.oid AS BIGINT) AS oid, v.typname, CAST(11 AS BIGINT) AS typnamespace, CAST(10 AS BIGINT) AS typowner,
	CAST(-1 AS SMALLINT) AS typlen, false AS typbyval, 'b' AS typtype, v.typcategory, false AS typispreferred, true AS typisdefined,
	',' AS typdelim, CAST(0 AS BIGINT) AS typrelid, CAST(v.typelem AS BIGINT) AS typelem, CAST(v.typarray AS BIGINT) AS typarray,
	CAST(0 AS BIGINT) AS typbasetype, CAST(-1 AS INTEGER) AS typtypmod, CAST(0 AS INTEGER) AS typndims, false AS typnotnull,
	CAST(0 AS BIGINT) AS typcollation
FROM (VALUES ` + strings.Join(rows, ", ") + `) v(oid, typname, typcategory, typelem, typarray)
WHERE v.oid NOT IN (SELECT oid FROM pg_catalog.pg_type WHERE oid IS NOT NULL)`
}()

// pgAttributeSQL is DuckDB's pg_attribute with PostgreSQL's type OIDs and
// modifiers (DECIMAL(p,s) → (p<<16|s)+4) read off duckdb_columns().
var pgAttributeSQL = `CREATE OR REPLACE VIEW ` + pgSchema + `.pg_attribute AS
SELECT a.* REPLACE (
	CAST(COALESCE((SELECT ` + pgTypeOf("c.data_type") + `), a.atttypid) AS BIGINT) AS atttypid,
	CAST(CASE WHEN c.numeric_precision IS NOT NULL AND c.data_type LIKE 'DECIMAL%' THEN (c.numeric_precision * 65536 + c.numeric_scale) + 4 ELSE -1 END AS INTEGER) AS atttypmod,
	CAST(COALESCE(a.attstorage, 'p') AS VARCHAR) AS attstorage, CAST(a.attlen AS SMALLINT) AS attlen,
	CAST(a.attalign AS VARCHAR) AS attalign, CAST(a.attcompression AS VARCHAR) AS attcompression,
	CAST(a.attacl AS VARCHAR[]) AS attacl, CAST(a.attoptions AS VARCHAR[]) AS attoptions,
	CAST(a.attfdwoptions AS VARCHAR[]) AS attfdwoptions, CAST(a.attmissingval AS VARCHAR) AS attmissingval)
FROM pg_catalog.pg_attribute a
LEFT JOIN duckdb_columns() c ON c.table_oid = a.attrelid AND c.column_index = a.attnum`

// pgNamespaceSQL is DuckDB's pg_namespace without pgSchema, with
// pg_catalog (11), which pg_type now names.
var pgNamespaceSQL = `CREATE OR REPLACE VIEW ` + pgSchema + `.pg_namespace AS
SELECT * REPLACE (CAST(nspacl AS VARCHAR[]) AS nspacl) FROM pg_catalog.pg_namespace WHERE nspname NOT IN ('` + pgSchema + `', 'pg_catalog')
UNION ALL SELECT CAST(11 AS BIGINT), 'pg_catalog', CAST(10 AS BIGINT), CAST(NULL AS VARCHAR[])`

// tablesNotViews shows the catalog's tables, which the engine makes as
// views over their files, as the tables they are to users (relkind 'r'),
// so that clients list them with tables and \d does not print the view's
// file paths.
const tablesNotViews = "CASE WHEN relkind = 'v' THEN 'r' ELSE relkind END AS relkind"

// pgSettingsRows lists pgSettings, which DuckDB's pg_settings has not got.
func pgSettingsRows() string {
	var rows []string
	for _, name := range slices.Sorted(maps.Keys(pgSettings)) {
		rows = append(rows, fmt.Sprintf("('%s', '%s')", name, quoteString(pgSettings[name])))
	}
	return "SELECT name, setting, 'user' AS context, 'default' AS source FROM (VALUES " + strings.Join(rows, ", ") + ") v(name, setting)"
}

// createPGCatalog (re)makes pgSchema's views and macros.
func createPGCatalog(ctx context.Context, db *sql.DB) error {
	stmts := []string{"CREATE SCHEMA IF NOT EXISTS " + pgSchema}
	for _, t := range pgTables {
		switch t.name {
		case "pg_namespace", "pg_attribute", "pg_type":
			continue // made below
		}
		var cols []string
		for _, c := range strings.Split(t.columns, ", ") {
			if c == "" {
				continue
			}
			name, typ, _ := strings.Cut(c, " ")
			v, ok := pgDefaults[t.name+"."+name]
			if !ok {
				v = "NULL"
			}
			cols = append(cols, fmt.Sprintf("CAST(%s AS %s) AS %s", v, typ, name))
		}
		var sel string
		switch {
		case t.extends:
			sel = "SELECT *"
			if r := pgRetype[t.name]; r != "" {
				var re []string
				for _, c := range strings.Split(r, ", ") {
					name, typ, _ := strings.Cut(c, " ")
					v := name
					if d, ok := pgDefaults[t.name+"."+name]; ok {
						v = "COALESCE(" + name + ", " + d + ")"
					}
					re = append(re, fmt.Sprintf("CAST(%s AS %s) AS %s", v, typ, name))
				}
				if t.name == "pg_class" {
					re = append(re, tablesNotViews)
				}
				sel += " REPLACE (" + strings.Join(re, ", ") + ")"
			}
			for _, c := range cols {
				sel += ", " + c
			}
			sel += " FROM pg_catalog." + t.name
			if w, ok := pgHidden[t.name]; ok {
				sel += " WHERE " + w
			}
			if t.name == "pg_settings" {
				sel += " UNION ALL BY NAME " + pgSettingsRows()
			}
		case pgRows[t.name]:
			sel = "SELECT " + strings.Join(cols, ", ")
		default:
			sel = "SELECT " + strings.Join(cols, ", ") + " WHERE false"
		}
		stmts = append(stmts, "CREATE OR REPLACE VIEW "+pgSchema+"."+t.name+" AS "+sel)
	}
	stmts = append(stmts, pgTypeSQL, pgAttributeSQL, pgNamespaceSQL)
	for _, is := range pgInfoSchema {
		sel := "*"
		if is[0] == "tables" {
			sel = "* REPLACE (CASE WHEN table_type = 'VIEW' THEN 'BASE TABLE' ELSE table_type END AS table_type)"
		}
		stmts = append(stmts, fmt.Sprintf("CREATE OR REPLACE VIEW %s.is_%s AS SELECT %s FROM information_schema.%s WHERE %s <> '%s'",
			pgSchema, is[0], sel, is[0], is[1], pgSchema))
	}
	for _, f := range pgFunctions {
		stmts = append(stmts, "CREATE OR REPLACE MACRO "+pgSchema+"."+f)
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// pgInfoSchema are the information_schema views that list schemas and
// tables, with the column naming the schema, which pgSchema is left out of.
var pgInfoSchema = [][2]string{{"tables", "table_schema"}, {"columns", "table_schema"}, {"views", "table_schema"}, {"schemata", "schema_name"}}

// pgTableSet, pgFuncSet and pgInfoSchemaSet name pgTables, pgFunctions
// and pgInfoSchema for the rewrites.
var pgTableSet, pgFuncSet, pgInfoSchemaSet = func() (tables, funcs, is map[string]bool) {
	tables, funcs, is = map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, t := range pgTables {
		tables[t.name] = true
	}
	for _, f := range pgFunctions {
		name, _, _ := strings.Cut(f, "(")
		funcs[name] = true
	}
	for _, v := range pgInfoSchema {
		is[v[0]] = true
	}
	return tables, funcs, is
}()
