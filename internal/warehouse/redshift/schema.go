package redshift

import "github.com/tarnlake/tarn/internal/query/sqltext"

// ExternalSchema is CREATE EXTERNAL SCHEMA … FROM DATA CATALOG: a local
// schema naming a database of the data catalog (tarn's Glue catalog).
type ExternalSchema struct {
	Name                      string
	IfNotExists               bool
	Database                  string // DATABASE 'db'
	Role                      string // IAM_ROLE: an ARN (or a chain), "default" or "SESSION"; "" when not given
	Region                    string
	CatalogRole               string // CATALOG_ROLE: an ARN (or a chain) or "SESSION"
	CatalogID                 string // CATALOG_ID: the account whose catalog holds Database
	CreateDatabaseIfNotExists bool   // CREATE EXTERNAL DATABASE IF NOT EXISTS
}

// otherSources are the sources Redshift's CREATE EXTERNAL SCHEMA knows
// besides the data catalog; tarn has none of them.
var otherSources = map[string]string{
	"HIVE": "HIVE METASTORE", "POSTGRES": "POSTGRES", "MYSQL": "MYSQL", "KINESIS": "KINESIS",
	"MSK": "MSK", "REDSHIFT": "REDSHIFT", "KAFKA": "KAFKA",
}

func parseExternalSchema(p *parser) (*ExternalSchema, error) {
	s := &ExternalSchema{}
	for _, w := range []string{"CREATE", "EXTERNAL", "SCHEMA"} {
		if _, err := p.expect(w); err != nil {
			return nil, err
		}
	}
	if p.accept("IF") {
		for _, w := range []string{"NOT", "EXISTS"} {
			if _, err := p.expect(w); err != nil {
				return nil, err
			}
		}
		s.IfNotExists = true
	}
	var err error
	if s.Name, _, err = p.name(); err != nil {
		return nil, err
	}
	if _, err := p.expect("FROM"); err != nil {
		return nil, err
	}
	if err := p.schemaSource(); err != nil {
		return nil, err
	}
	if err := p.options(func(t sqltext.Token) (bool, error) { return p.schemaOption(s, t) }); err != nil {
		return nil, err
	}
	if s.Database == "" {
		return nil, errAt(p.end, "DATABASE is required for an external schema FROM DATA CATALOG")
	}
	return s, nil
}

// schemaSource reads the source after FROM: [DATA CATALOG], the default.
func (p *parser) schemaSource() error {
	t, ok := p.peek()
	switch {
	case ok && t.Is("DATA"):
		p.i++
		_, err := p.expect("CATALOG")
		return err
	case ok && t.Kind == sqltext.Word && otherSources[t.Text] != "":
		return errTok(t, "CREATE EXTERNAL SCHEMA FROM %s is not supported: tarn's external schemas come from its data catalog", otherSources[t.Text])
	}
	return nil
}

func (p *parser) schemaOption(s *ExternalSchema, t sqltext.Token) (bool, error) {
	var dst *string
	switch t.Text {
	case "DATABASE":
		dst = &s.Database
	case "REGION":
		dst = &s.Region
	case "CATALOG_ID":
		dst = &s.CatalogID
	case "IAM_ROLE", "CATALOG_ROLE":
		if err := p.give(t.Text, t.Text, t); err != nil {
			return true, err
		}
		if t.Text == "CATALOG_ROLE" && p.peekIs("DEFAULT") {
			return true, p.syntax()
		}
		r, err := p.role(true)
		if t.Text == "IAM_ROLE" {
			s.Role = r
		} else {
			s.CatalogRole = r
		}
		return true, err
	case "CREATE":
		if err := p.give(t.Text, "CREATE EXTERNAL DATABASE", t); err != nil {
			return true, err
		}
		for _, w := range []string{"EXTERNAL", "DATABASE", "IF", "NOT", "EXISTS"} {
			if _, err := p.expect(w); err != nil {
				return true, err
			}
		}
		s.CreateDatabaseIfNotExists = true
		return true, nil
	default:
		return false, nil
	}
	if err := p.give(t.Text, t.Text, t); err != nil {
		return true, err
	}
	v, err := p.str()
	if err != nil {
		return true, err
	}
	if v.Text == "" {
		return true, errTok(v, "%s argument must not be empty", t.Text)
	}
	*dst = v.Text
	return true, nil
}
