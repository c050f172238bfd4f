package redshift

import (
	"strconv"
	"strings"

	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// checkFixedWidth checks a FIXEDWIDTH spec, 'label:width,label:width,…',
// now rather than when the first file is read.
func checkFixedWidth(s sqltext.Token) error {
	for _, pair := range strings.Split(s.Text, ",") {
		label, width, ok := strings.Cut(pair, ":")
		n, err := strconv.Atoi(strings.TrimSpace(width))
		if !ok || strings.TrimSpace(label) == "" || err != nil || n <= 0 {
			return errTok(s, "invalid FIXEDWIDTH specification %q: expected 'label:width,…' with positive widths", s.Text)
		}
	}
	return nil
}
