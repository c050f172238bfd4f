package redshift

import "github.com/tarnlake/tarn/internal/query/sqltext"

// Copy is Redshift's COPY table FROM 's3://…': the target, the source, and
// how to read it. Defaults are filled in (Format "TEXT", its delimiter,
// CSV's quote, JSON's 'auto'), so a reader need not know them.
type Copy struct {
	Schema, Table string // Schema "" when unqualified
	Columns       []string
	From          string // s3://bucket/key, a key prefix or, with Manifest, a manifest

	// Authorization. CREDENTIALS keeps its string in Credentials and is
	// also decoded into Role, AccessKeyID, SecretAccessKey, SessionToken
	// and MasterSymmetricKey.
	Role                                                    string // an ARN (or a chain of them) or "default"
	Credentials, AccessKeyID, SecretAccessKey, SessionToken string
	MasterSymmetricKey                                      string
	Encrypted                                               bool

	Format     string // TEXT, CSV, JSON, AVRO, PARQUET, ORC, FIXEDWIDTH, SHAPEFILE
	FixedWidth string // FIXEDWIDTH's 'label:width,…'
	JSONPaths  string // JSON and AVRO: "auto", "auto ignorecase", "noshred" (JSON) or an s3:// JSONPaths file
	Delimiter  string // decoded: '\t' is a tab; "|" for TEXT, "," for CSV unless given
	Quote      string // CSV only; `"` unless given

	// SHAPEFILE SIMPLIFY [AUTO] [tolerance]; the tolerance as written.
	Simplify, SimplifyAuto bool
	SimplifyTolerance      string

	IgnoreHeader int
	NullAs       *string // as written: '\N', '\0' keep their backslash
	EmptyAsNull, BlanksAsNull, TruncateColumns, RemoveQuotes, Escape, FillRecord,
	TrimBlanks, AcceptAnyDate, IgnoreBlankLines, ExplicitIDs bool
	RoundEC, NoLoad, IgnoreAllErrors, SerializeToJSON bool
	AcceptInvChars                                    *string // the replacement character; "?" when ACCEPTINVCHARS has none
	Encoding                                          string  // "" (UTF8), UTF8, UTF16, UTF16LE, UTF16BE
	Compression                                       string  // "", GZIP, BZIP2, ZSTD, LZOP
	DateFormat, TimeFormat                            string  // as written; 'auto', 'epochsecs', 'epochmillisecs' included
	MaxError                                          int
	CompRows                                          int // 0 when not given
	Manifest                                          bool
	Region                                            string

	// Accepted and ignored by tarn, as Redshift's loader hints.
	CompUpdate, StatUpdate *bool
	CompUpdatePreset       bool // COMPUPDATE PRESET (CompUpdate is then true)
}

// copyParser reads one COPY.
type copyParser struct {
	*parser
	c    *Copy
	auth auth
}

func parseCopy(p *parser) (*Copy, error) {
	c := &Copy{Format: "TEXT"}
	if err := p.copyTarget(c); err != nil {
		return nil, err
	}
	cp := &copyParser{parser: p, c: c}
	if err := p.options(cp.option); err != nil {
		return nil, err
	}
	if err := cp.check(); err != nil {
		return nil, err
	}
	cp.finish()
	return c, nil
}

// copyTarget reads [schema.]table [(columns)] FROM 's3://…'.
func (p *parser) copyTarget(c *Copy) error {
	if _, err := p.expect("COPY"); err != nil {
		return err
	}
	name, _, err := p.name()
	if err != nil {
		return err
	}
	if p.accept(".") {
		c.Schema = name
		if name, _, err = p.name(); err != nil {
			return err
		}
	}
	c.Table = name
	if p.accept("(") {
		for {
			col, _, err := p.name()
			if err != nil {
				return err
			}
			c.Columns = append(c.Columns, col)
			if !p.accept(",") {
				break
			}
		}
		if _, err := p.expect(")"); err != nil {
			return err
		}
	}
	if _, err := p.expect("FROM"); err != nil {
		return err
	}
	src, err := p.str()
	if err != nil {
		return err
	}
	if !isS3(src.Text) || len(src.Text) == len("s3://") {
		return errTok(src, "COPY from %q is not supported: the source must be an s3:// location", src.Text)
	}
	c.From = src.Text
	return nil
}

func (cp *copyParser) option(t sqltext.Token) (bool, error) {
	if ok, err := cp.authOption(&cp.auth, t); ok {
		return true, err
	}
	h, ok := copyOptions[t.Text]
	if !ok {
		return false, nil
	}
	return true, h(cp, t)
}

// finish fills what was left to defaults and copies authorization over.
func (cp *copyParser) finish() {
	c := cp.c
	_, delim := cp.has("DELIMITER")
	switch {
	case c.Format == "TEXT" && !delim:
		c.Delimiter = "|"
	case c.Format == "CSV" && !delim:
		c.Delimiter = ","
	}
	if c.Format == "CSV" && c.Quote == "" {
		c.Quote = `"`
	}
	a := cp.auth
	c.Role, c.Credentials, c.AccessKeyID, c.SecretAccessKey = a.role, a.credentials, a.accessKeyID, a.secretAccessKey
	c.SessionToken, c.MasterSymmetricKey = a.sessionToken, a.masterKey
}
