package redshift

import (
	"math"
	"strconv"
	"strings"

	"github.com/tarnlake/tarn/internal/query/sqltext"
)

const (
	mb = 1 << 20
	gb = 1 << 30
)

// sizeMB reads UNLOAD's [AS] n [MB | GB], MB when no unit is named, also
// run together as in 100MB, and returns it in MB.
func (p *parser) sizeMB(opt sqltext.Token) (float64, sqltext.Token, error) {
	p.accept("AS")
	s, at, err := p.number()
	if err != nil {
		return 0, at, err
	}
	num, unit := s, ""
	if i := strings.IndexAny(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"); i > 0 {
		num, unit = s[:i], strings.ToUpper(s[i:])
	}
	if unit == "" {
		switch {
		case p.accept("MB"):
			unit = "MB"
		case p.accept("GB"):
			unit = "GB"
		default:
			unit = "MB"
		}
	}
	v, perr := strconv.ParseFloat(num, 64)
	if perr != nil || unit != "MB" && unit != "GB" || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, at, errTok(at, "invalid %s %q: expected a number of MB or GB", opt.Text, s)
	}
	if unit == "GB" {
		v *= 1024
	}
	return v, at, nil
}

// mbToBytes converts MB to bytes, rounded.
func mbToBytes(v float64) int64 { return int64(math.Round(v * mb)) }
