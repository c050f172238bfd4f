package convert

import (
	"math/big"
	"strconv"
)

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func twosComplement(b []byte) string {
	v := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return v.String()
}
