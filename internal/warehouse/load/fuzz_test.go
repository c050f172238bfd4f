package load

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/format"
)

// fuzzCols holds one column of every type Read loads.
var fuzzCols = []Column{
	intCol("i"), vcCol("s", 8), decCol("d", 6, 2), dateCol("dt"), tstzCol("ts"),
	boolCol("b"), dblCol("f"), charCol("c", 3), binCol("bin"), tinyCol("t"),
}

// fuzzOptions turns bits into an option set for format f.
func fuzzOptions(f string, bits uint16) Options {
	o := Options{Format: f}
	o.EmptyAsNull = bits&1 != 0
	o.BlanksAsNull = bits&2 != 0
	o.TruncateColumns = bits&4 != 0
	o.FillRecord = bits&8 != 0 && f != "JSON"
	o.TrimBlanks = bits&16 != 0
	o.AcceptAnyDate = bits&32 != 0
	o.IgnoreBlankLines = bits&64 != 0 && f != "JSON"
	o.RoundDec = bits&128 != 0
	if bits&256 != 0 {
		o.AcceptInvChars = sp("")
	}
	if bits&512 != 0 {
		o.DateFormat, o.TimeFormat = "auto", "auto"
	} else if bits&1024 != 0 {
		o.DateFormat, o.TimeFormat = "DD MON YY", "epochmillisecs"
	}
	o.IgnoreHeader = int(bits>>11) & 1
	switch f {
	case "TEXT":
		o.Escape = bits&4096 != 0
		o.RemoveQuotes = bits&8192 != 0
		if bits&16384 != 0 {
			o.NullAs = sp(`\0`)
		}
	case "CSV":
		if bits&4096 != 0 {
			o.Delimiter, o.Quote = "\t", "'"
		}
		if bits&8192 != 0 {
			o.NullAs = sp("")
		}
	case "JSON":
		o.JSON = "auto"
		if bits&4096 != 0 {
			o.JSON = "auto ignorecase"
		}
		if bits&8192 != 0 {
			o.JSON = ""
			o.JSONPaths = []string{"$.i", "$['s']", "$.d", "$.x.dt", "$.ts[0]", "$.b", "$.f", "$.c", "$.bin", "$[1]"}
		}
	}
	return o
}

// fuzzRead checks what must hold for any input: no error but I/O's, rows
// of the column types, errors within STL_LOAD_ERRORS' widths.
func fuzzRead(t *testing.T, data []byte, o Options) {
	var rows int64
	var all [][]any
	n, bad, err := Read(bytes.NewReader(data), "fuzz", fuzzCols, o, func(r []any) error {
		rows++
		all = append(all, append([]any(nil), r...))
		if len(r) != len(fuzzCols) {
			t.Fatalf("row of %d values", len(r))
		}
		for i, v := range r {
			if v != nil && !typeFits(fuzzCols[i].Type.Kind, v) {
				t.Fatalf("column %s got %T", fuzzCols[i].Name, v)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if n != rows {
		t.Fatalf("counted %d, emitted %d", n, rows)
	}
	if o.Format != "JSON" {
		// Cut into a chunk a record, the same file reads the same.
		defer func(n int) { chunkBytes = n }(chunkBytes)
		chunkBytes = 1
		var again [][]any
		_, bad2, err := Read(bytes.NewReader(data), "fuzz", fuzzCols, o, func(r []any) error {
			again = append(again, append([]any(nil), r...))
			return nil
		})
		if err != nil || fmt.Sprint(all) != fmt.Sprint(again) || !reflect.DeepEqual(bad, bad2) {
			t.Fatalf("cut at every record: %v\n%v\n%v\nerrors %v\n%v", err, all, again, bad, bad2)
		}
	}
	for _, e := range bad {
		if len(e.RawLine) > maxRaw || len(e.RawFieldValue) > maxRaw || len(e.ErrReason) > maxReason || e.ErrCode < 1200 || e.LineNumber < 1 {
			t.Fatalf("bad error row %+v", e)
		}
	}
}

func typeFits(k format.Kind, v any) bool {
	switch v.(type) {
	case string:
		return k == format.KindString
	case int16:
		return k == format.KindTinyint || k == format.KindSmallint
	case int32:
		return k == format.KindInt
	case bool:
		return k == format.KindBoolean
	case float64:
		return k == format.KindDouble
	case Decimal:
		return k == format.KindDecimal
	case time.Time:
		return k == format.KindDate || k == format.KindTimestamp
	case []byte:
		return k == format.KindBinary
	}
	return false
}

func FuzzText(f *testing.F) {
	f.Add([]byte("1|abc|12.50|2020-01-02|2020-01-02 03:04:05+02|t|1.5|ab|6162|7\n"), uint16(0))
	f.Add([]byte("1|a\\|b|1|2020-01-02||y|1e3|x||1\\\n2\n"), uint16(4096))
	f.Add([]byte("'1'|\"a|b\"|\\N\n"), uint16(8192|8))
	f.Fuzz(func(t *testing.T, data []byte, bits uint16) { fuzzRead(t, data, fuzzOptions("TEXT", bits)) })
}

func FuzzCSV(f *testing.F) {
	f.Add([]byte("1,\"a,\"\"b\"\"\",12.50,2020-01-02,2020-01-02 03:04:05,t,1.5,ab,6162,7\r\n"), uint16(0))
	f.Add([]byte("1,\"a\nb\",1,17 Dec 1997,12/17/1997 07:37:16.00 PST,y,1,x,,1\n"), uint16(512))
	f.Add([]byte("h\n1\t'x'\n"), uint16(4096|2048|8))
	f.Fuzz(func(t *testing.T, data []byte, bits uint16) { fuzzRead(t, data, fuzzOptions("CSV", bits)) })
}

func FuzzJSON(f *testing.F) {
	f.Add([]byte(`{"i":1,"s":"abc","d":12.5,"dt":"2020-01-02","ts":"2020-01-02 03:04:05","b":true,"f":1.5,"c":"ab","bin":"6162","t":7}`), uint16(0))
	f.Add([]byte("{\"I\":1}\n[1,2] junk {\"x\":{\"dt\":\"J2451187\"},\"ts\":[1700000000123]}"), uint16(4096|8192|1024))
	f.Add([]byte(`{"s":{"nested":[1,{"a":null}]},"c":"\u00e9"}`), uint16(256))
	f.Fuzz(func(t *testing.T, data []byte, bits uint16) { fuzzRead(t, data, fuzzOptions("JSON", bits)) })
}
