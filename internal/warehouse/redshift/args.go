package redshift

import "github.com/tarnlake/tarn/internal/query/sqltext"

// charArg reads OPTION [AS] 'c' where c is one character.
func (p *parser) charArg(t sqltext.Token) (string, error) {
	if err := p.give(t.Text, t.Text, t); err != nil {
		return "", err
	}
	p.accept("AS")
	s, err := p.str()
	if err != nil {
		return "", err
	}
	c, ok := oneChar(s.Text)
	if !ok {
		return "", errTok(s, "%s argument must be a single character", t.Text)
	}
	return c, nil
}

// nullString reads NULL [AS] 'string', COPY's and UNLOAD's alike, keeping
// the string as written.
func (p *parser) nullString(t sqltext.Token) (*string, error) {
	if err := p.give("NULL", "NULL AS", t); err != nil {
		return nil, err
	}
	p.accept("AS")
	s, err := p.str()
	if err != nil {
		return nil, err
	}
	v := s.Text
	return &v, nil
}
