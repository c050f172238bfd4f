package redshift

import "github.com/tarnlake/tarn/internal/query/sqltext"

// copyHandler reads one COPY option whose keyword t was just taken.
type copyHandler func(cp *copyParser, t sqltext.Token) error

// copyOptions are COPY's options from S3 by keyword (authorization is
// read apart, being UNLOAD's too).
var copyOptions = map[string]copyHandler{
	"FORMAT":     (*copyParser).format,
	"CSV":        (*copyParser).formatWord,
	"JSON":       (*copyParser).formatWord,
	"AVRO":       (*copyParser).formatWord,
	"PARQUET":    (*copyParser).formatWord,
	"ORC":        (*copyParser).formatWord,
	"FIXEDWIDTH": (*copyParser).formatWord,
	"SHAPEFILE":  (*copyParser).formatWord,
	"QUOTE":      (*copyParser).quote,
	"DELIMITER":  (*copyParser).delimiter,

	"BZIP2": (*copyParser).compression,
	"GZIP":  (*copyParser).compression,
	"LZOP":  (*copyParser).compression,
	"ZSTD":  (*copyParser).compression,

	"MANIFEST":         copyFlag(func(c *Copy) *bool { return &c.Manifest }),
	"ENCRYPTED":        copyFlag(func(c *Copy) *bool { return &c.Encrypted }),
	"ACCEPTANYDATE":    copyFlag(func(c *Copy) *bool { return &c.AcceptAnyDate }),
	"BLANKSASNULL":     copyFlag(func(c *Copy) *bool { return &c.BlanksAsNull }),
	"EMPTYASNULL":      copyFlag(func(c *Copy) *bool { return &c.EmptyAsNull }),
	"ESCAPE":           copyFlag(func(c *Copy) *bool { return &c.Escape }),
	"EXPLICIT_IDS":     copyFlag(func(c *Copy) *bool { return &c.ExplicitIDs }),
	"FILLRECORD":       copyFlag(func(c *Copy) *bool { return &c.FillRecord }),
	"IGNOREBLANKLINES": copyFlag(func(c *Copy) *bool { return &c.IgnoreBlankLines }),
	"REMOVEQUOTES":     copyFlag(func(c *Copy) *bool { return &c.RemoveQuotes }),
	"ROUNDEC":          copyFlag(func(c *Copy) *bool { return &c.RoundEC }),
	"TRIMBLANKS":       copyFlag(func(c *Copy) *bool { return &c.TrimBlanks }),
	"TRUNCATECOLUMNS":  copyFlag(func(c *Copy) *bool { return &c.TruncateColumns }),
	"IGNOREALLERRORS":  copyFlag(func(c *Copy) *bool { return &c.IgnoreAllErrors }),
	"NOLOAD":           copyFlag(func(c *Copy) *bool { return &c.NoLoad }),
	"SERIALIZETOJSON":  copyFlag(func(c *Copy) *bool { return &c.SerializeToJSON }),

	"ACCEPTINVCHARS": (*copyParser).acceptInvChars,
	"DATEFORMAT":     copyString(func(c *Copy) *string { return &c.DateFormat }),
	"TIMEFORMAT":     copyString(func(c *Copy) *string { return &c.TimeFormat }),
	"REGION":         copyString(func(c *Copy) *string { return &c.Region }),
	"ENCODING":       (*copyParser).encoding,
	"IGNOREHEADER":   (*copyParser).ignoreHeader,
	"NULL":           (*copyParser).nullAs,
	"COMPROWS":       (*copyParser).compRows,
	"COMPUPDATE":     (*copyParser).compUpdate,
	"STATUPDATE":     (*copyParser).statUpdate,
	"MAXERROR":       (*copyParser).maxError,

	"SSH":       notFromS3,
	"READRATIO": notFromS3,
}

func copyFlag(field func(*Copy) *bool) copyHandler {
	return func(cp *copyParser, t sqltext.Token) error {
		*field(cp.c) = true
		return cp.give(t.Text, t.Text, t)
	}
}

// copyString reads OPTION [AS] 'value'.
func copyString(field func(*Copy) *string) copyHandler {
	return func(cp *copyParser, t sqltext.Token) error {
		if err := cp.give(t.Text, t.Text, t); err != nil {
			return err
		}
		cp.accept("AS")
		s, err := cp.str()
		if err != nil {
			return err
		}
		if s.Text == "" {
			return errTok(s, "%s argument must not be empty", t.Text)
		}
		*field(cp.c) = s.Text
		return nil
	}
}

func notFromS3(_ *copyParser, t sqltext.Token) error {
	return errTok(t, "%s can't be used with COPY from Amazon S3", t.Text)
}
