package redshift

import (
	"strings"

	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// Unload is Redshift's UNLOAD ('select …') TO 's3://…'. Defaults are
// filled in (Format "TEXT", its delimiter, Parallel); MaxFileSize and
// RowGroupSize are 0 when not given, meaning Redshift's 6.2 GB and 32 MB.
type Unload struct {
	Query string // the SELECT, with '' read as '
	To    string // s3:// prefix of the files written

	// Authorization, as for Copy.
	Role                                                    string
	Credentials, AccessKeyID, SecretAccessKey, SessionToken string
	MasterSymmetricKey                                      string
	KMSKeyID                                                string
	Encrypted, EncryptedAuto                                bool

	Format           string // TEXT, CSV, JSON, PARQUET, FIXEDWIDTH
	FixedWidth       string // FIXEDWIDTH's 'label:width,…'
	PartitionBy      []string
	PartitionInclude bool
	Header           bool
	Delimiter        string // decoded; "|" for TEXT, "," for CSV unless given
	AddQuotes        bool
	Escape           bool
	NullAs           *string
	Compression      string // "", GZIP, BZIP2, ZSTD
	Parallel         bool   // PARALLEL ON (the default) or OFF
	MaxFileSize      int64  // bytes
	RowGroupSize     int64  // bytes, PARQUET only
	Manifest         bool
	ManifestVerbose  bool
	AllowOverwrite   bool
	CleanPath        bool
	Extension        string
	Region           string
}

// unloadParser reads one UNLOAD.
type unloadParser struct {
	*parser
	u     *Unload
	auth  auth
	query sqltext.Token
}

func parseUnload(p *parser) (*Unload, error) {
	up := &unloadParser{parser: p, u: &Unload{Format: "TEXT", Parallel: true}}
	if err := up.head(); err != nil {
		return nil, err
	}
	if err := p.options(up.option); err != nil {
		return nil, err
	}
	if err := up.check(); err != nil {
		return nil, err
	}
	up.finish()
	return up.u, nil
}

// head reads UNLOAD ('query') TO 's3://…'.
func (up *unloadParser) head() error {
	for _, w := range []string{"UNLOAD", "("} {
		if _, err := up.expect(w); err != nil {
			return err
		}
	}
	q, err := up.str()
	if err != nil {
		return err
	}
	up.query, up.u.Query = q, q.Text
	for _, w := range []string{")", "TO"} {
		if _, err := up.expect(w); err != nil {
			return err
		}
	}
	to, err := up.str()
	if err != nil {
		return err
	}
	if !isS3(to.Text) || len(to.Text) == len("s3://") {
		return errTok(to, "UNLOAD to %q is not supported: the destination must be an s3:// location", to.Text)
	}
	up.u.To = to.Text
	return nil
}

func (up *unloadParser) option(t sqltext.Token) (bool, error) {
	if ok, err := up.authOption(&up.auth, t); ok {
		return true, err
	}
	h, ok := unloadOptions[t.Text]
	if !ok {
		return false, nil
	}
	return true, h(up, t)
}

// finish fills the default delimiter and copies authorization over.
func (up *unloadParser) finish() {
	u := up.u
	if _, ok := up.has("DELIMITER"); !ok {
		switch u.Format {
		case "TEXT":
			u.Delimiter = "|"
		case "CSV":
			u.Delimiter = ","
		}
	}
	a := up.auth
	u.Role, u.Credentials, u.AccessKeyID, u.SecretAccessKey = a.role, a.credentials, a.accessKeyID, a.secretAccessKey
	u.SessionToken, u.MasterSymmetricKey = a.sessionToken, a.masterKey
}

// outerLimit refuses a LIMIT in the query's outer SELECT, which Redshift's
// UNLOAD does not run; one in a subquery is fine.
func outerLimit(q sqltext.Token) error {
	toks, err := sqltext.Lex(q.Text)
	if err != nil {
		return nil // the query's own errors show when it is run
	}
	depth := 0
	for _, t := range toks {
		switch {
		case t.Is("("):
			depth++
		case t.Is(")"):
			depth--
		case depth == 0 && t.Is("LIMIT"):
			return errAt(innerPos(q, t.Pos), "LIMIT is not supported in the outer SELECT of UNLOAD: put it in a subquery")
		}
	}
	return nil
}

// innerPos maps an offset in string token q's value to one in the text:
// past the opening quote, each quote before it was written doubled.
func innerPos(q sqltext.Token, at int) int {
	if !strings.HasPrefix(q.Raw, "'") || at > len(q.Text) {
		return q.Pos
	}
	return q.Pos + 1 + at + strings.Count(q.Text[:at], "'")
}
