package redshift

import (
	"strings"

	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// acceptInvChars reads ACCEPTINVCHARS [AS] ['c']: any ASCII but NUL.
func (cp *copyParser) acceptInvChars(t sqltext.Token) error {
	if err := cp.give(t.Text, t.Text, t); err != nil {
		return err
	}
	s, ok := cp.optStr()
	if !ok && cp.accept("AS") {
		var err error
		if s, err = cp.str(); err != nil {
			return err
		}
		ok = true
	}
	r := "?"
	if ok {
		c, one := oneChar(s.Text)
		if !one || c == "\x00" {
			return errTok(s, "ACCEPTINVCHARS argument must be a single ASCII character other than NUL")
		}
		r = c
	}
	cp.c.AcceptInvChars = &r
	return nil
}

// encoding reads ENCODING [AS] UTF8 | UTF16 | UTF16LE | UTF16BE.
func (cp *copyParser) encoding(t sqltext.Token) error {
	if err := cp.give(t.Text, t.Text, t); err != nil {
		return err
	}
	cp.accept("AS")
	e, ok := cp.next()
	if !ok || e.Kind != sqltext.Word && e.Kind != sqltext.String {
		return cp.syntax()
	}
	switch v := strings.ToUpper(e.Text); v {
	case "UTF8", "UTF16", "UTF16LE", "UTF16BE":
		cp.c.Encoding = v
		return nil
	}
	v := e.Raw
	if e.Kind == sqltext.String {
		v = e.Text
	}
	return errTok(e, "invalid ENCODING %q: use UTF8, UTF16, UTF16LE or UTF16BE", v)
}

func (cp *copyParser) ignoreHeader(t sqltext.Token) error {
	if err := cp.give(t.Text, t.Text, t); err != nil {
		return err
	}
	cp.accept("AS")
	n, at, err := cp.integer(t.Text)
	if err != nil {
		return err
	}
	if n < 0 || n > maxInt32 {
		return errTok(at, "IGNOREHEADER argument must be between 0 and %d", maxInt32)
	}
	cp.c.IgnoreHeader = int(n)
	return nil
}

const maxInt32 = 1<<31 - 1

// nullAs reads NULL [AS] 'string', keeping the string as written.
func (cp *copyParser) nullAs(t sqltext.Token) error {
	s, err := cp.nullString(t)
	cp.c.NullAs = s
	return err
}
func (cp *copyParser) compRows(t sqltext.Token) error {
	if err := cp.give(t.Text, t.Text, t); err != nil {
		return err
	}
	n, at, err := cp.integer(t.Text)
	if err != nil {
		return err
	}
	if n < 1000 || n > maxInt32 {
		return errTok(at, "COMPROWS must be between 1000 and %d", maxInt32)
	}
	cp.c.CompRows = int(n)
	return nil
}

// compUpdate reads COMPUPDATE [PRESET | ON | TRUE | OFF | FALSE].
func (cp *copyParser) compUpdate(t sqltext.Token) error {
	if err := cp.give(t.Text, t.Text, t); err != nil {
		return err
	}
	cp.c.CompUpdatePreset = cp.accept("PRESET")
	on := cp.c.CompUpdatePreset || cp.onOff()
	cp.c.CompUpdate = &on
	return nil
}

func (cp *copyParser) statUpdate(t sqltext.Token) error {
	if err := cp.give(t.Text, t.Text, t); err != nil {
		return err
	}
	on := cp.onOff()
	cp.c.StatUpdate = &on
	return nil
}

// maxError reads MAXERROR [AS] n; Redshift's limit is 100000.
func (cp *copyParser) maxError(t sqltext.Token) error {
	if err := cp.give(t.Text, t.Text, t); err != nil {
		return err
	}
	cp.accept("AS")
	n, at, err := cp.integer(t.Text)
	if err != nil {
		return err
	}
	if n < 0 || n > 100000 {
		return errTok(at, "MAXERROR must be between 0 and 100000")
	}
	cp.c.MaxError = int(n)
	return nil
}
