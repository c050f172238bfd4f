package redshift

import (
	"strings"

	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// format reads FORMAT [AS] followed by a format keyword.
func (cp *copyParser) format(_ sqltext.Token) error {
	cp.accept("AS")
	w, ok := cp.peek()
	if !ok || w.Kind != sqltext.Word || !isCopyFormat(w.Text) {
		return cp.syntax()
	}
	cp.i++
	return cp.formatWord(w)
}

func isCopyFormat(w string) bool {
	switch w {
	case "CSV", "JSON", "AVRO", "PARQUET", "ORC", "FIXEDWIDTH", "SHAPEFILE":
		return true
	}
	return false
}

// formatWord reads a format keyword and the argument it takes.
func (cp *copyParser) formatWord(t sqltext.Token) error {
	if err := cp.giveOne("format", t); err != nil {
		return err
	}
	c := cp.c
	c.Format = t.Text
	switch t.Text {
	case "JSON", "AVRO":
		return cp.jsonPaths(t)
	case "FIXEDWIDTH":
		s, err := cp.str()
		if err != nil {
			return err
		}
		c.FixedWidth = s.Text
		return checkFixedWidth(s)
	case "SHAPEFILE":
		return cp.simplify()
	}
	return nil
}

// jsonPaths reads JSON's or AVRO's [AS] ['auto' | 'auto ignorecase' |
// 'noshred' | 's3://jsonpaths_file']; alone it is 'auto'.
func (cp *copyParser) jsonPaths(t sqltext.Token) error {
	s, ok := cp.optStr()
	if !ok && cp.accept("AS") {
		var err error
		if s, err = cp.str(); err != nil {
			return err
		}
		ok = true
	}
	if !ok {
		cp.c.JSONPaths = "auto"
		return nil
	}
	switch v := strings.ToLower(s.Text); {
	case v == "auto", v == "auto ignorecase", v == "noshred" && t.Text == "JSON":
		cp.c.JSONPaths = v
	case isS3(s.Text):
		cp.c.JSONPaths = s.Text
	default:
		if t.Text == "AVRO" {
			return errTok(s, "invalid AVRO argument %q: use 'auto', 'auto ignorecase' or an s3:// JSONPaths file", s.Text)
		}
		return errTok(s, "invalid JSON argument %q: use 'auto', 'auto ignorecase', 'noshred' or an s3:// JSONPaths file", s.Text)
	}
	return nil
}

// simplify reads SHAPEFILE's [SIMPLIFY [AUTO] [tolerance]].
func (cp *copyParser) simplify() error {
	c := cp.c
	if !cp.accept("SIMPLIFY") {
		return nil
	}
	c.Simplify = true
	c.SimplifyAuto = cp.accept("AUTO")
	if t, ok := cp.peek(); ok && (t.Kind == sqltext.Number || t.Kind == sqltext.String) {
		cp.i++
		c.SimplifyTolerance = t.Text
	}
	return nil
}

func (cp *copyParser) quote(t sqltext.Token) error {
	s, err := cp.charArg(t)
	cp.c.Quote = s
	return err
}

func (cp *copyParser) delimiter(t sqltext.Token) error {
	s, err := cp.charArg(t)
	cp.c.Delimiter = s
	return err
}
func (cp *copyParser) compression(t sqltext.Token) error {
	cp.c.Compression = t.Text
	return cp.giveOne("compression", t)
}
