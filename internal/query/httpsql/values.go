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
func decimalNum(d query.Decimal, scale int) (decimal128.Num, error) {
	var n decimal128.Num
	if i, err := strconv.ParseInt(d.Value, 10, 64); err == nil {
		n = decimal128.FromI64(i)
	} else if b, ok := new(big.Int).SetString(d.Value, 10); ok && b.BitLen() < 128 {
		n = decimal128.FromBigInt(b)
	} else {
		return n, fmt.Errorf("decimal %q does not fit 128 bits", d.Value)
	}
	if d.Scale == scale {
		return n, nil
	}
	n, err := n.Rescale(int32(d.Scale), int32(scale))
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
