package pgwire

import (
	"strings"
	"unicode/utf8"

	"github.com/tarnlake/tarn/internal/query"
	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// copyCmd is a COPY … TO STDOUT, run here as its query plus formatting.
type copyCmd struct {
	query      string
	offset     int  // characters before query in the statement
	rewritten  bool // COPY table: positions in query mean nothing to the client
	format     string
	header     bool
	delim      string
	null       string
	quote      string
	escape     string
	forceAll   bool
	forceQuote map[string]bool
}

func copySyntax(msg string) error {
	return &query.Error{Code: query.CodeSyntax, Message: msg}
}

// parseCopy recognises COPY (query) TO STDOUT and COPY table [(cols)] TO
// STDOUT with new-style or legacy options. Other statements, and COPY to
// or from files, return nil for the engine to run.
func parseCopy(sql string) (*copyCmd, error) {
	toks := words(sql) // nil when it does not scan: the engine reports it
	text := func(i int) string {
		if i >= len(toks) {
			return ""
		}
		return toks[i].Raw
	}
	kw := func(i int) string { return strings.ToUpper(text(i)) }
	if kw(0) != "COPY" {
		return nil, nil
	}
	cp := &copyCmd{format: "text", null: nullUnset}
	i := 1
	if text(i) == "(" {
		j := sqltext.Closing(toks, i)
		if j < 0 {
			return nil, copySyntax("syntax error in COPY: unbalanced parentheses")
		}
		cp.query = sql[toks[i].End():toks[j].Pos]
		cp.offset = utf8.RuneCountInString(sql[:toks[i].End()])
		i = j + 1
	} else {
		start := i
		for i < len(toks) && (toks[i].Kind == sqltext.Word || toks[i].Kind == sqltext.Ident || text(i) == ".") && kw(i) != "TO" && kw(i) != "FROM" {
			i++
		}
		if i == start {
			return nil, copySyntax("syntax error in COPY: table name expected")
		}
		table, cols := sql[toks[start].Pos:toks[i-1].End()], "*"
		if text(i) == "(" {
			j := i
			for j < len(toks) && text(j) != ")" {
				j++
			}
			if j >= len(toks) {
				return nil, copySyntax("syntax error in COPY: unbalanced parentheses")
			}
			cols, i = sql[toks[i].End():toks[j].Pos], j+1
		}
		cp.query = "SELECT " + cols + " FROM " + table
		cp.rewritten = true
	}
	switch kw(i) {
	case "FROM":
		if kw(i+1) == "STDIN" {
			return nil, &query.Error{Code: query.CodeFeature, Message: "COPY FROM STDIN is not supported"}
		}
		return nil, nil
	case "TO":
		if kw(i+1) != "STDOUT" {
			return nil, nil
		}
	default:
		return nil, copySyntax("syntax error in COPY: TO or FROM expected")
	}
	if err := cp.options(toks[i+2:]); err != nil {
		return nil, err
	}
	return cp, nil
}

// options reads what follows TO STDOUT: WITH (name value, …) or the
// legacy WITH CSV HEADER DELIMITER ',' … form.
func (cp *copyCmd) options(toks []sqltext.Token) error {
	text := func(i int) string {
		if i >= len(toks) {
			return ""
		}
		return toks[i].Raw
	}
	val := func(i int) string {
		if i >= len(toks) {
			return ""
		}
		return toks[i].Name() // a word lower-cased, a quoted value as it stands
	}
	kw := func(i int) string { return strings.ToUpper(text(i)) }
	names := func(i int) int { // a column list: a, "b", c
		for i < len(toks) && (toks[i].Kind == sqltext.Word || toks[i].Kind == sqltext.Ident) {
			cp.forceQuote[val(i)] = true
			if i++; text(i) != "," {
				break
			}
			i++
		}
		return i
	}
	cp.forceQuote = map[string]bool{}
	i := 0
	if kw(i) == "WITH" {
		i++
	}
	if text(i) == "(" {
		for i++; ; i++ {
			name := strings.ToLower(text(i))
			i++
			v := ""
			switch {
			case text(i) == "," || text(i) == ")":
				i--
			case name == "force_quote" && text(i) == "(":
				i = names(i+1) - 1
				if text(i+1) != ")" {
					return copySyntax("syntax error in COPY FORCE_QUOTE")
				}
				i++
			default:
				v = val(i)
			}
			if err := cp.set(name, v); err != nil {
				return err
			}
			if i++; text(i) == ")" {
				i++
				break
			}
			if text(i) != "," {
				return copySyntax("syntax error in COPY options")
			}
		}
	} else {
		for i < len(toks) {
			switch k := kw(i); k {
			case "BINARY", "CSV":
				cp.format, i = strings.ToLower(k), i+1
			case "HEADER":
				cp.header, i = true, i+1
			case "DELIMITER", "NULL", "QUOTE", "ESCAPE", "ENCODING":
				if i++; kw(i) == "AS" {
					i++
				}
				if i >= len(toks) {
					return copySyntax("syntax error in COPY options")
				}
				if err := cp.set(strings.ToLower(k), val(i)); err != nil {
					return err
				}
				i++
			case "FORCE":
				if kw(i+1) != "QUOTE" {
					return copySyntax("syntax error in COPY options")
				}
				if i += 2; text(i) == "*" {
					cp.forceAll, i = true, i+1
				} else {
					i = names(i)
				}
			default:
				return copySyntax("syntax error in COPY options at " + text(i))
			}
		}
	}
	if i != len(toks) {
		return copySyntax("syntax error in COPY options")
	}
	return cp.defaults()
}

func (cp *copyCmd) set(name, v string) error {
	switch name {
	case "format":
		cp.format = strings.ToLower(v)
	case "header":
		switch strings.ToLower(v) {
		case "", "true", "on", "1":
			cp.header = true
		case "false", "off", "0":
			cp.header = false
		default:
			return copySyntax("header requires a Boolean value")
		}
	case "delimiter":
		cp.delim = v
	case "null":
		cp.null = v
	case "quote":
		cp.quote = v
	case "escape":
		cp.escape = v
	case "force_quote":
		cp.forceAll = cp.forceAll || v == "*"
	case "encoding":
		if e := strings.ToUpper(strings.ReplaceAll(v, "-", "")); e != "UTF8" && e != "UNICODE" {
			return &query.Error{Code: query.CodeFeature, Message: "only UTF8 COPY encoding is supported"}
		}
	default:
		return copySyntax("option \"" + name + "\" not recognized")
	}
	return nil
}

func (cp *copyCmd) defaults() error {
	switch cp.format {
	case "text":
		cp.delim, cp.null = orDefault(cp.delim, "\t"), orNull(cp.null, `\N`)
	case "csv":
		cp.delim, cp.null, cp.quote = orDefault(cp.delim, ","), orNull(cp.null, ""), orDefault(cp.quote, `"`)
		cp.escape = orDefault(cp.escape, cp.quote)
	case "binary":
		if cp.header || cp.delim != "" || cp.null != nullUnset {
			return copySyntax("cannot specify HEADER, DELIMITER or NULL in BINARY mode")
		}
		return nil
	default:
		return copySyntax("COPY format \"" + cp.format + "\" not recognized")
	}
	if cp.format != "csv" && (cp.quote != "" || cp.escape != "" || cp.forceAll || len(cp.forceQuote) > 0) {
		return copySyntax("COPY QUOTE, ESCAPE and FORCE_QUOTE are available only in CSV mode")
	}
	if len(cp.delim) != 1 || cp.delim == "\n" || cp.delim == "\r" || len(cp.quote) > 1 || len(cp.escape) > 1 {
		return copySyntax("COPY delimiter, quote and escape must be single one-byte characters")
	}
	return nil
}

// nullUnset tells an absent NULL option from an empty NULL string.
const nullUnset = "\x00unset"

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func orNull(v, def string) string {
	if v == nullUnset {
		return def
	}
	return v
}
