package warehouse

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// Column is a warehouse column: its type in tarn's type model, with what
// Redshift's types add to it.
type Column struct {
	Name   string
	Type   format.Type
	MaxLen int  // CHAR and VARCHAR: bytes at most; 0: no limit kept
	Char   bool // CHAR, blank-padded, rather than VARCHAR
	TZ     bool // TIMESTAMPTZ: an instant, shown in UTC
	// Foreign is the backend's name of a type tarn does not keep (uuid,
	// jsonb, arrays… in a PostgreSQL table made outside tarn): such a
	// column is read as its text and never loaded.
	Foreign string
}

// Loadable says whether loads may write these columns.
func Loadable(table string, cols []Column) error {
	for _, c := range cols {
		if c.Foreign != "" {
			return fmt.Errorf("column %q of relation %q has type %s, which tarn's warehouse reads as text but does not load: list the other columns, or change the column's type", c.Name, table, c.Foreign)
		}
	}
	return nil
}

// SQL spells the column's type as both backends take it.
func (c Column) SQL() string {
	t := c.Type
	switch t.Kind {
	case format.KindString:
		switch {
		case c.Foreign != "":
			return "varchar"
		case c.Char:
			return fmt.Sprintf("char(%d)", max(c.MaxLen, 1))
		case c.MaxLen > 0:
			return fmt.Sprintf("varchar(%d)", c.MaxLen)
		}
		return "varchar"
	case format.KindBoolean:
		return "boolean"
	case format.KindTinyint, format.KindSmallint:
		return "smallint"
	case format.KindInt:
		return "integer"
	case format.KindBigint:
		return "bigint"
	case format.KindFloat:
		return "real"
	case format.KindDouble:
		return "double precision"
	case format.KindDecimal:
		return fmt.Sprintf("numeric(%d,%d)", t.Precision, t.Scale)
	case format.KindDate:
		return "date"
	case format.KindTimestamp:
		if c.TZ {
			return "timestamptz"
		}
		return "timestamp"
	case format.KindBinary:
		return "bytea"
	}
	return "varchar"
}

// ParseType reads a column type as Redshift, PostgreSQL or DuckDB spell
// it: "varchar(20)", "character varying", "int4", "numeric(10,2)",
// "timestamp with time zone", "DOUBLE"…
func ParseType(s string) (Column, error) {
	toks, err := sqltext.Lex(s)
	if err != nil || len(toks) == 0 {
		return Column{}, fmt.Errorf("type %q: not a type", s)
	}
	var words []string
	var args []int
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.Kind == sqltext.Word || t.Kind == sqltext.Ident:
			words = append(words, strings.ToLower(t.Text))
		case t.Is("("):
			for i++; i < len(toks) && !toks[i].Is(")"); i++ {
				if toks[i].Is(",") {
					continue
				}
				n, err := strconv.Atoi(toks[i].Text)
				if err != nil || toks[i].Kind != sqltext.Number {
					return Column{}, fmt.Errorf("type %q: %q is not a number", s, toks[i].Raw)
				}
				args = append(args, n)
			}
		default:
			return Column{}, fmt.Errorf("type %q: unexpected %q", s, t.Raw)
		}
	}
	name := strings.Join(words, " ")
	arg := func(i, def int) int {
		if i < len(args) {
			return args[i]
		}
		return def
	}
	c := Column{}
	k := func(kind format.Kind) Column { c.Type = format.Type{Kind: kind}; return c }
	switch name {
	case "smallint", "int2", "tinyint", "int1":
		return k(format.KindSmallint), nil
	case "integer", "int", "int4", "signed":
		return k(format.KindInt), nil
	case "bigint", "int8", "long":
		return k(format.KindBigint), nil
	case "real", "float4":
		return k(format.KindFloat), nil
	case "double precision", "double", "float8", "float":
		return k(format.KindDouble), nil
	case "numeric", "decimal":
		p, sc := arg(0, 18), arg(1, 0) // Redshift's default precision
		if p < 1 || p > 38 || sc < 0 || sc > p {
			return Column{}, fmt.Errorf("type %q: numeric precision must be 1 to 38 and scale 0 to the precision", s)
		}
		c.Type = format.Type{Kind: format.KindDecimal, Precision: p, Scale: sc}
		return c, nil
	case "boolean", "bool":
		return k(format.KindBoolean), nil
	case "char", "character", "nchar", "bpchar":
		c = k(format.KindString)
		c.Char, c.MaxLen = true, arg(0, 1)
		return c, nil
	case "varchar", "character varying", "nvarchar", "string":
		c = k(format.KindString)
		c.MaxLen = arg(0, 0)
		return c, nil
	case "text":
		return k(format.KindString), nil
	case "date":
		return k(format.KindDate), nil
	case "timestamp", "timestamp without time zone", "datetime":
		return k(format.KindTimestamp), nil
	case "timestamptz", "timestamp with time zone":
		c = k(format.KindTimestamp)
		c.TZ = true
		return c, nil
	case "bytea", "blob", "varbyte", "binary varying", "varbinary":
		return k(format.KindBinary), nil
	}
	return Column{}, fmt.Errorf("type %q is not a warehouse type tarn keeps (integers, real, double precision, numeric, boolean, char, varchar, date, timestamp, timestamptz, varbyte)", s)
}

// FormatDecimal spells unscaled × 10^-scale with all of its scale's digits,
// as PostgreSQL does ("12.50", not "12.5"): decimals cross the seam so.
func FormatDecimal(unscaled *big.Int, scale int) string {
	s := new(big.Int).Abs(unscaled).String()
	if scale > 0 {
		if len(s) <= scale {
			s = strings.Repeat("0", scale-len(s)+1) + s
		}
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	}
	if unscaled.Sign() < 0 {
		s = "-" + s
	}
	return s
}

// ParseDecimal reads "-123.45" as an unscaled integer of the given scale;
// digits past the scale are an error, not rounded away.
func ParseDecimal(s string, scale int) (*big.Int, error) {
	neg := strings.HasPrefix(s, "-")
	digits := strings.TrimLeft(s, "+-")
	whole, frac, _ := strings.Cut(digits, ".")
	if t := strings.TrimRight(frac, "0"); len(t) > scale {
		return nil, fmt.Errorf("%q has more than %d digits after the point", s, scale)
	}
	if len(frac) > scale {
		frac = frac[:scale]
	}
	frac += strings.Repeat("0", scale-len(frac))
	v, ok := new(big.Int).SetString(whole+frac, 10)
	if !ok || whole+frac == "" {
		return nil, fmt.Errorf("%q is not a decimal", s)
	}
	if neg {
		v.Neg(v)
	}
	return v, nil
}
