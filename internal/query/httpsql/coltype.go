package httpsql

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/tarnlake/tarn/internal/query"
)

// kind is how the typed formats (Arrow, Parquet) store a column.
type kind int

const (
	// kindText holds VARCHAR, ENUM, UUID, HUGEINT, TIME WITH TIME ZONE
	// and whatever else has no exact typed counterpart, as text; nested
	// values (lists, structs, maps) as JSON text.
	kindText kind = iota
	kindJSON      // JSON values as JSON text
	kindBool
	kindInt8
	kindInt16
	kindInt32
	kindInt64
	kindUint8
	kindUint16
	kindUint32
	kindUint64
	kindFloat32
	kindFloat64
	kindDecimal
	kindBlob
	kindDate
	kindTime        // microseconds since midnight
	kindTimestamp   // microseconds, wall clock (no zone)
	kindTimestampTZ // microseconds, UTC
	kindTimestampNS // nanoseconds, wall clock
	kindInterval
)

// colType is a result column's engine type as the typed formats see it.
type colType struct {
	kind             kind
	precision, scale int32 // of a decimal
}

// kinds by engine type name; rows and Describe spell the zoned types
// differently, so both spellings are here.
var kinds = map[string]kind{
	"BOOLEAN": kindBool, "TINYINT": kindInt8, "SMALLINT": kindInt16, "INTEGER": kindInt32, "BIGINT": kindInt64,
	"UTINYINT": kindUint8, "USMALLINT": kindUint16, "UINTEGER": kindUint32, "UBIGINT": kindUint64,
	"FLOAT": kindFloat32, "DOUBLE": kindFloat64, "BLOB": kindBlob, "DATE": kindDate, "TIME": kindTime,
	"TIMESTAMP": kindTimestamp, "TIMESTAMP_S": kindTimestamp, "TIMESTAMP_MS": kindTimestamp,
	"TIMESTAMP_NS": kindTimestampNS, "TIMESTAMPTZ": kindTimestampTZ, "TIMESTAMP WITH TIME ZONE": kindTimestampTZ,
	"INTERVAL": kindInterval, "JSON": kindJSON,
}

func typeOf(name string) colType {
	if k, ok := kinds[name]; ok {
		return colType{kind: k}
	}
	var p, s int32
	// Sscanf stops at the pattern's end: "DECIMAL(9,2)[]" must stay a list.
	if _, err := fmt.Sscanf(name, "DECIMAL(%d,%d)", &p, &s); err == nil && name == fmt.Sprintf("DECIMAL(%d,%d)", p, s) &&
		p >= 1 && p <= 38 && s >= 0 && s <= p {
		return colType{kind: kindDecimal, precision: p, scale: s}
	}
	return colType{kind: kindText}
}

// days is a date's count of days since 1970-01-01, read off its calendar
// date whatever its location.
func days(t time.Time) int32 {
	y, m, d := t.Date()
	return int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// clockMicros is a time of day (a TIME is a time on 0001-01-01) in
// microseconds since midnight.
func clockMicros(t time.Time) int64 {
	h, m, s := t.Clock()
	return int64((h*60+m)*60+s)*1e6 + int64(t.Nanosecond()/1e3)
}

// decimalNum is a decimal's unscaled value at the column's scale.
func decimalNum(d query.Decimal, scale int32) (decimal128.Num, error) {
	var n decimal128.Num
	if i, err := strconv.ParseInt(d.Value, 10, 64); err == nil {
		n = decimal128.FromI64(i)
	} else if b, ok := new(big.Int).SetString(d.Value, 10); ok && b.BitLen() < 128 {
		n = decimal128.FromBigInt(b)
	} else {
		return n, fmt.Errorf("decimal %q does not fit 128 bits", d.Value)
	}
	if int32(d.Scale) == scale {
		return n, nil
	}
	n, err := n.Rescale(int32(d.Scale), scale)
	if err != nil {
		return n, fmt.Errorf("decimal %s at scale %d: %w", d, scale, err)
	}
	return n, nil
}

// jsonText is a JSON column's value (the engine hands it over decoded)
// as JSON text.
func jsonText(v any) string {
	b, err := json.Marshal(jsonValue(v))
	if err != nil { // NaN and Inf are not JSON: send them as strings
		return textValue(v)
	}
	return string(b)
}

func unexpected(v any) error { return fmt.Errorf("unexpected %T value", v) }

func columnError(c query.Column, err error) error {
	return fmt.Errorf("column %q (%s): %w", c.Name, c.Type, err)
}
