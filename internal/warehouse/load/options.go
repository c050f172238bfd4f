package load

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tarnlake/tarn/internal/format"
)

// ErrOptions wraps every refusal of a column list or option set.
var ErrOptions = errors.New("load: invalid COPY options")

type fileFormat uint8

const (
	formatText fileFormat = iota
	formatCSV
	formatJSON
)

// config is Options checked once and turned into what the hot loop reads.
type config struct {
	format fileFormat
	delim  byte
	quote  byte
	header int

	nullAs  []byte
	hasNull bool
	nulTerm bool // NULL AS '\0': a lone NUL byte is NULL

	emptyAsNull, blanksAsNull, truncate, removeQuotes, escape bool
	fillRecord, trimBlanks, anyDate, ignoreBlank, roundDec    bool

	acceptInv bool
	invChar   byte

	date, time dtSpec

	jsonAuto   bool
	ignoreCase bool
	paths      []jsonPath
}

func optErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrOptions, fmt.Sprintf(format, a...))
}

func newConfig(cols []Column, o Options) (*config, error) {
	c := &config{
		header: o.IgnoreHeader, emptyAsNull: o.EmptyAsNull, blanksAsNull: o.BlanksAsNull,
		truncate: o.TruncateColumns, removeQuotes: o.RemoveQuotes, escape: o.Escape,
		fillRecord: o.FillRecord, trimBlanks: o.TrimBlanks, anyDate: o.AcceptAnyDate,
		ignoreBlank: o.IgnoreBlankLines, roundDec: o.RoundDec,
	}
	if len(cols) == 0 {
		return nil, optErr("no columns")
	}
	for _, col := range cols {
		if err := checkColumn(col); err != nil {
			return nil, err
		}
	}
	if o.IgnoreHeader < 0 {
		return nil, optErr("IGNOREHEADER %d is negative", o.IgnoreHeader)
	}
	switch strings.ToUpper(strings.TrimSpace(o.Format)) {
	case "", "TEXT":
		c.format = formatText
	case "CSV":
		c.format = formatCSV
	case "JSON":
		c.format = formatJSON
	default:
		return nil, optErr("format %q is not TEXT, CSV or JSON", o.Format)
	}
	if err := c.setDelimiters(o); err != nil {
		return nil, err
	}
	if err := c.setNull(o); err != nil {
		return nil, err
	}
	if o.AcceptInvChars != nil {
		c.acceptInv, c.invChar = true, '?'
		if s := *o.AcceptInvChars; s != "" {
			if len(s) != 1 || s[0] == 0 || s[0] >= 0x80 {
				return nil, optErr("ACCEPTINVCHARS replacement %q is not one ASCII character other than NUL", s)
			}
			c.invChar = s[0]
		}
	}
	var err error
	if c.date, err = compileSpec(o.DateFormat, false); err != nil {
		return nil, err
	}
	if c.time, err = compileSpec(o.TimeFormat, true); err != nil {
		return nil, err
	}
	if err := c.setJSON(cols, o); err != nil {
		return nil, err
	}
	return c, nil
}

func checkColumn(col Column) error {
	switch col.Type.Kind {
	case format.KindString, format.KindBoolean, format.KindTinyint, format.KindSmallint,
		format.KindInt, format.KindBigint, format.KindFloat, format.KindDouble,
		format.KindDecimal, format.KindDate, format.KindTimestamp, format.KindBinary:
	default:
		return optErr("column %q has type %s, which COPY cannot load", col.Name, col.Type)
	}
	if col.MaxLen < 0 {
		return optErr("column %q has a negative length", col.Name)
	}
	if t := col.Type; t.Kind == format.KindDecimal {
		if p, s := decimalShape(t); p < 1 || p > maxDecimalDigits || s < 0 || s > p {
			return optErr("column %q: decimal(%d,%d) is out of range", col.Name, p, s)
		}
	}
	return nil
}

// setDelimiters applies the format's defaults and the combinations COPY
// refuses: CSV takes neither ESCAPE nor REMOVEQUOTES, JSON no delimiters.
func (c *config) setDelimiters(o Options) error {
	if c.format == formatJSON {
		if o.Delimiter != "" || o.Quote != "" || o.Escape || o.RemoveQuotes || o.FillRecord || o.IgnoreBlankLines || o.NullAs != nil {
			return optErr("JSON takes no DELIMITER, QUOTE, ESCAPE, REMOVEQUOTES, FILLRECORD, IGNOREBLANKLINES or NULL AS")
		}
		return nil
	}
	c.delim = '|'
	if c.format == formatCSV {
		c.delim = ','
		if o.Escape || o.RemoveQuotes {
			return optErr("CSV cannot be used with ESCAPE or REMOVEQUOTES")
		}
		c.quote = '"'
		if o.Quote != "" {
			if len(o.Quote) != 1 {
				return optErr("QUOTE %q is not one character", o.Quote)
			}
			c.quote = o.Quote[0]
		}
	} else if o.Quote != "" {
		return optErr("QUOTE is for CSV only")
	}
	if o.Delimiter != "" {
		if len(o.Delimiter) != 1 {
			return optErr("DELIMITER %q is not one character", o.Delimiter)
		}
		c.delim = o.Delimiter[0]
	}
	if c.delim == '\n' || c.delim == '\r' || c.delim == 0 {
		return optErr("DELIMITER cannot be a newline, carriage return or NUL")
	}
	if c.format == formatCSV && (c.quote == c.delim || c.quote == '\n' || c.quote == '\r') {
		return optErr("QUOTE cannot be the delimiter or a line end")
	}
	if c.escape && c.delim == '\\' {
		return optErr("DELIMITER cannot be the escape character")
	}
	return nil
}

func (c *config) setNull(o Options) error {
	switch {
	case o.NullAs != nil:
		s := *o.NullAs
		if s == `\0` || s == `\000` || s == "\x00" {
			c.nulTerm, c.hasNull, c.nullAs = true, true, []byte{0}
			return nil
		}
		if strings.ContainsAny(s, "\n\r") {
			return optErr("NULL AS cannot hold a line end")
		}
		c.hasNull, c.nullAs = true, []byte(s)
	case c.format == formatText:
		c.hasNull, c.nullAs = true, []byte(`\N`)
	}
	return nil
}

func (c *config) setJSON(cols []Column, o Options) error {
	if c.format != formatJSON {
		if o.JSON != "" || o.JSONPaths != nil {
			return optErr("JSON and JSONPaths are for the JSON format")
		}
		return nil
	}
	if o.JSONPaths != nil {
		if strings.TrimSpace(o.JSON) != "" {
			return optErr("give either JSON 'auto' or jsonpaths, not both")
		}
		if len(o.JSONPaths) != len(cols) {
			return optErr("%d jsonpaths expressions for %d columns", len(o.JSONPaths), len(cols))
		}
		for _, p := range o.JSONPaths {
			jp, err := parseJSONPath(p)
			if err != nil {
				return err
			}
			c.paths = append(c.paths, jp)
		}
		return nil
	}
	switch strings.Join(strings.Fields(strings.ToLower(o.JSON)), " ") {
	case "auto":
		c.jsonAuto = true
	case "auto ignorecase":
		c.jsonAuto, c.ignoreCase = true, true
	default:
		return optErr("JSON %q is not 'auto', 'auto ignorecase' or jsonpaths", o.JSON)
	}
	return nil
}
