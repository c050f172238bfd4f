package query

import "testing"

func TestDecimalString(t *testing.T) {
	for _, c := range []struct {
		d    Decimal
		want string
	}{
		{Decimal{"12345", 2}, "123.45"}, {Decimal{"-5", 3}, "-0.005"}, {Decimal{"-0", 2}, "0.00"},
		{Decimal{"7", 0}, "7"}, {Decimal{"7", -2}, "700"}, {Decimal{"", 1}, "0.0"}, {Decimal{"+42", 1}, "4.2"},
	} {
		if got := c.d.String(); got != c.want {
			t.Errorf("%+v: %s, want %s", c.d, got, c.want)
		}
	}
}
