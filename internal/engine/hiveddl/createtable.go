package hiveddl

import (
	"maps"
	"strings"
	"unicode/utf8"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/query"
)

// createTable is a parsed CREATE EXTERNAL TABLE; build (tableformat.go)
// turns it into the catalog's table.
type createTable struct {
	ref           tableRef
	ifNotExists   bool
	cols, parts   []catalog.Column
	comment       string
	serde         string
	serdeProps    map[string]string
	delims        map[string]string // ROW FORMAT DELIMITED, as SerDe parameters
	storedAs      string            // upper-case name; "" if absent or INPUTFORMAT
	input, output string
	location      string
	tblProps      map[string]string
}

// createTable parses what follows CREATE EXTERNAL TABLE. Clauses may come
// in any order, each once, as Hive's own parser is lenient about order too.
func (p *parser) createTable() (command, error) {
	c := &createTable{ifNotExists: p.kw("IF", "NOT", "EXISTS")}
	var err error
	if c.ref, err = p.tableName(); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	if isSym(p.peek(), "(") {
		if c.cols, err = p.columns(seen, false); err != nil {
			return nil, err
		}
	}
	clauses := map[string]bool{}
	for p.peek().kind != tkEOF && !isSym(p.peek(), ";") {
		t := p.next()
		clause := strings.ToUpper(t.text)
		if t.kind == tkWord && clauses[clause] {
			return nil, p.errorf(t, "%s is given twice", clause)
		}
		clauses[clause] = true
		switch {
		case t.kind != tkWord:
			err = p.errorf(t, "expected COMMENT, PARTITIONED BY, ROW FORMAT, STORED AS, LOCATION or TBLPROPERTIES")
		case clause == "COMMENT":
			c.comment, _, err = p.str("the table comment")
		case clause == "PARTITIONED":
			if err = p.expectKw("BY"); err == nil {
				c.parts, err = p.columns(seen, true)
			}
		case clause == "CLUSTERED" || clause == "SKEWED":
			err = p.fail(query.CodeFeature, t, "%s BY is not supported: tarn reads tables without bucketing", clause)
		case clause == "ROW":
			err = p.rowFormat(c)
		case clause == "WITH":
			if err = p.expectKw("SERDEPROPERTIES"); err == nil {
				err = p.serdeProps(c)
			}
		case clause == "STORED":
			err = p.storedAs(c)
		case clause == "LOCATION":
			c.location, err = p.location()
		case clause == "TBLPROPERTIES":
			c.tblProps, err = p.props()
		case clause == "AS":
			err = p.fail(query.CodeFeature, t, "CREATE EXTERNAL TABLE ... AS SELECT is not supported; use CREATE TABLE ... AS")
		default:
			err = p.errorf(t, "expected COMMENT, PARTITIONED BY, ROW FORMAT, STORED AS, LOCATION or TBLPROPERTIES")
		}
		if err != nil {
			return nil, err
		}
	}
	if c.location == "" {
		return nil, p.errorf(p.peek(), "expected LOCATION 's3://bucket/prefix/': an external table needs one")
	}
	return c, p.end()
}

// columns reads (name type [COMMENT '...'], ...); seen catches names used
// twice across columns and partition keys.
func (p *parser) columns(seen map[string]bool, partition bool) ([]catalog.Column, error) {
	if err := p.expectSym("("); err != nil {
		return nil, err
	}
	var cols []catalog.Column
	for {
		name, t, err := p.ident("a column name")
		if err != nil {
			return nil, err
		}
		col := catalog.Column{Name: strings.ToLower(name)}
		if seen[col.Name] {
			return nil, p.fail("42701", t, "column %s is defined twice", col.Name)
		}
		seen[col.Name] = true
		typeTok := p.peek()
		ty, err := p.typ(col.Name)
		if err != nil {
			return nil, err
		}
		if partition && (ty.Kind == format.KindArray || ty.Kind == format.KindMap || ty.Kind == format.KindStruct) {
			return nil, p.fail(invalidValue, typeTok, "partition key %s: type %s is not a primitive type", col.Name, ty)
		}
		col.Type = ty.String()
		if p.kw("COMMENT") {
			if col.Comment, _, err = p.str("a column comment"); err != nil {
				return nil, err
			}
		}
		cols = append(cols, col)
		if !p.sym(",") {
			return cols, p.expectSym(")")
		}
	}
}

// typ reads a Glue/Hive type (a name, then any <...> and (...) parts) and
// parses it with format.ParseType, after rewriting the spellings Athena
// accepts that Glue does not keep: integer, varchar(n), char(n).
func (p *parser) typ(col string) (format.Type, error) {
	start := p.peek()
	var b strings.Builder
	angle, paren, words := 0, 0, false
	for {
		t := p.peek()
		top := angle == 0 && paren == 0
		if t.kind == tkEOF || t.kind == tkError || t.kind == tkString || angle < 0 || paren == 0 && isSym(t, ")") ||
			top && b.Len() > 0 && !isSym(t, "(") && !isSym(t, "<") || top && b.Len() == 0 && t.kind != tkWord {
			break
		}
		p.next()
		switch {
		case isSym(t, "<"):
			angle++
		case isSym(t, ">"):
			angle--
		case isSym(t, "("):
			paren++
		case isSym(t, ")"):
			paren--
		}
		word := t.kind == tkWord || t.kind == tkNumber
		if word && words {
			b.WriteByte(' ') // "double precision" stays two words, so the error reads right
		}
		words = word
		switch {
		case t.kind == tkWord && isSym(p.peek(), ":"): // a struct field name
			b.WriteString(t.text)
		case t.kind == tkBacktick || t.kind == tkDQuoted:
			b.WriteString(quoteIdent(identValue(t)))
		case isKw(t, "integer"):
			b.WriteString("int")
		case isKw(t, "varchar") || isKw(t, "char"):
			b.WriteString("string")
			if isSym(p.peek(), "(") && p.at(1).kind == tkNumber && isSym(p.at(2), ")") {
				p.i += 3
			}
		default:
			b.WriteString(t.text)
		}
	}
	if b.Len() == 0 {
		return format.Type{}, p.errorf(start, "expected the type of column %s", col)
	}
	ty, err := format.ParseType(b.String())
	if err != nil {
		return format.Type{}, p.fail(query.CodeSyntax, start, "column %s: %v", col, err)
	}
	return ty, nil
}

func (p *parser) rowFormat(c *createTable) error {
	if err := p.expectKw("FORMAT"); err != nil {
		return err
	}
	switch {
	case p.kw("SERDE"):
		var err error
		if c.serde, _, err = p.str("a SerDe class name"); err != nil {
			return err
		}
		if p.kw("WITH", "SERDEPROPERTIES") {
			return p.serdeProps(c)
		}
		return nil
	case p.kw("DELIMITED"):
		return p.delimited(c)
	}
	return p.errorf(p.peek(), "expected SERDE or DELIMITED")
}

func (p *parser) serdeProps(c *createTable) error {
	m, err := p.props()
	if c.serdeProps == nil {
		c.serdeProps = map[string]string{}
	}
	maps.Copy(c.serdeProps, m)
	return err
}

// delimited reads ROW FORMAT DELIMITED's clauses into LazySimpleSerDe's
// parameters, with Hive's names for them.
func (p *parser) delimited(c *createTable) error {
	c.delims = map[string]string{}
	for {
		t := p.peek()
		var key string
		switch {
		case p.kw("FIELDS", "TERMINATED", "BY"):
			key = "field.delim"
		case p.kw("ESCAPED", "BY"):
			key = "escape.delim"
		case p.kw("COLLECTION", "ITEMS", "TERMINATED", "BY"):
			key = "collection.delim"
		case p.kw("MAP", "KEYS", "TERMINATED", "BY"):
			key = "mapkey.delim"
		case p.kw("LINES", "TERMINATED", "BY"):
			key = "line.delim"
		case p.kw("NULL", "DEFINED", "AS"):
			key = "serialization.null.format"
		default:
			return nil
		}
		if _, dup := c.delims[key]; dup {
			return p.errorf(t, "this delimiter is given twice")
		}
		v, vt, err := p.str("a delimiter")
		switch {
		case err != nil:
			return err
		case key == "line.delim" && v != "\n":
			return p.fail(invalidValue, vt, "LINES TERMINATED BY supports only '\\n'")
		case key != "serialization.null.format" && utf8.RuneCountInString(v) != 1:
			return p.fail(invalidValue, vt, "delimiter %s must be one character (LazySimpleSerDe reads no longer ones)", quoteString(v))
		}
		c.delims[key] = v
	}
}

func (p *parser) storedAs(c *createTable) error {
	if err := p.expectKw("AS"); err != nil {
		return err
	}
	var err error
	if p.kw("INPUTFORMAT") {
		if c.input, _, err = p.str("an input format class"); err != nil {
			return err
		}
		if err := p.expectKw("OUTPUTFORMAT"); err != nil {
			return err
		}
		c.output, _, err = p.str("an output format class")
		return err
	}
	name, t, err := p.ident("a file format")
	if err != nil {
		return err
	}
	if c.storedAs = strings.ToUpper(name); fileFormats[c.storedAs].input == "" {
		return p.fail(invalidValue, t, "STORED AS %s is not supported: use PARQUET, ORC, AVRO, JSON, TEXTFILE or INPUTFORMAT '...' OUTPUTFORMAT '...'", name)
	}
	return nil
}

// location reads an s3:// location, the only kind tarn's lake serves.
func (p *parser) location() (string, error) {
	loc, t, err := p.str("a location")
	if err != nil {
		return "", err
	}
	if _, _, ok := splitS3(loc); !ok {
		return "", p.fail(invalidValue, t, "location %s is not of the form s3://bucket/prefix/", quoteString(loc))
	}
	return loc, nil
}

// splitS3 splits s3://bucket/key.
func splitS3(loc string) (bucket, key string, ok bool) {
	rest, ok := strings.CutPrefix(loc, "s3://")
	bucket, key, _ = strings.Cut(rest, "/")
	return bucket, key, ok && bucket != ""
}
