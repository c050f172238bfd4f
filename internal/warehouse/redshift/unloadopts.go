package redshift

import "github.com/tarnlake/tarn/internal/query/sqltext"

// unloadHandler reads one UNLOAD option whose keyword t was just taken.
type unloadHandler func(up *unloadParser, t sqltext.Token) error

// unloadOptions are UNLOAD's options by keyword (authorization is read
// apart, being COPY's too).
var unloadOptions = map[string]unloadHandler{
	"FORMAT":     (*unloadParser).format,
	"CSV":        (*unloadParser).formatWord,
	"JSON":       (*unloadParser).formatWord,
	"PARQUET":    (*unloadParser).formatWord,
	"FIXEDWIDTH": (*unloadParser).formatWord,
	"PARTITION":  (*unloadParser).partitionBy,
	"MANIFEST":   (*unloadParser).manifest,
	"DELIMITER":  (*unloadParser).delimiter,
	"ENCRYPTED":  (*unloadParser).encrypted,
	"NULL":       (*unloadParser).nullAs,
	"PARALLEL":   (*unloadParser).parallel,

	"BZIP2": (*unloadParser).compression,
	"GZIP":  (*unloadParser).compression,
	"ZSTD":  (*unloadParser).compression,

	"HEADER":         unloadFlag(func(u *Unload) *bool { return &u.Header }),
	"ADDQUOTES":      unloadFlag(func(u *Unload) *bool { return &u.AddQuotes }),
	"ESCAPE":         unloadFlag(func(u *Unload) *bool { return &u.Escape }),
	"ALLOWOVERWRITE": unloadFlag(func(u *Unload) *bool { return &u.AllowOverwrite }),
	"CLEANPATH":      unloadFlag(func(u *Unload) *bool { return &u.CleanPath }),

	"MAXFILESIZE":  (*unloadParser).maxFileSize,
	"ROWGROUPSIZE": (*unloadParser).rowGroupSize,
	"REGION":       unloadString(func(u *Unload) *string { return &u.Region }, true),
	"EXTENSION":    unloadString(func(u *Unload) *string { return &u.Extension }, false),
	"KMS_KEY_ID":   unloadString(func(u *Unload) *string { return &u.KMSKeyID }, false),
}

func unloadFlag(field func(*Unload) *bool) unloadHandler {
	return func(up *unloadParser, t sqltext.Token) error {
		*field(up.u) = true
		return up.give(t.Text, t.Text, t)
	}
}

// unloadString reads OPTION 'value', with AS allowed where Redshift has it.
func unloadString(field func(*Unload) *string, as bool) unloadHandler {
	return func(up *unloadParser, t sqltext.Token) error {
		if err := up.give(t.Text, t.Text, t); err != nil {
			return err
		}
		if as {
			up.accept("AS")
		}
		s, err := up.str()
		if err != nil {
			return err
		}
		if s.Text == "" {
			return errTok(s, "%s argument must not be empty", t.Text)
		}
		*field(up.u) = s.Text
		return nil
	}
}

// format reads FORMAT [AS] CSV | PARQUET | JSON.
func (up *unloadParser) format(_ sqltext.Token) error {
	up.accept("AS")
	w, ok := up.peek()
	if !ok || !w.Is("CSV") && !w.Is("PARQUET") && !w.Is("JSON") {
		return up.syntax()
	}
	up.i++
	return up.formatWord(w)
}

// formatWord reads a format keyword; FIXEDWIDTH [AS] 'spec' counts as one,
// since it excludes all the others.
func (up *unloadParser) formatWord(t sqltext.Token) error {
	if err := up.giveOne("format", t); err != nil {
		return err
	}
	up.u.Format = t.Text
	if t.Text != "FIXEDWIDTH" {
		return nil
	}
	up.accept("AS")
	s, err := up.str()
	if err != nil {
		return err
	}
	up.u.FixedWidth = s.Text
	return checkFixedWidth(s)
}

// partitionBy reads PARTITION BY ( column [, …] ) [INCLUDE].
func (up *unloadParser) partitionBy(t sqltext.Token) error {
	if err := up.give("PARTITION", "PARTITION BY", t); err != nil {
		return err
	}
	for _, w := range []string{"BY", "("} {
		if _, err := up.expect(w); err != nil {
			return err
		}
	}
	if c, ok := up.peek(); ok && c.Is(")") {
		return errTok(c, "PARTITION BY requires at least one column")
	}
	for {
		if s, ok := up.peek(); ok && s.Kind == sqltext.String {
			return errTok(s, "string literals are not supported in PARTITION BY")
		}
		col, _, err := up.name()
		if err != nil {
			return err
		}
		up.u.PartitionBy = append(up.u.PartitionBy, col)
		if !up.accept(",") {
			break
		}
	}
	if _, err := up.expect(")"); err != nil {
		return err
	}
	up.u.PartitionInclude = up.accept("INCLUDE")
	return nil
}

// manifest reads MANIFEST [VERBOSE].
func (up *unloadParser) manifest(t sqltext.Token) error {
	up.u.Manifest = true
	up.u.ManifestVerbose = up.accept("VERBOSE")
	return up.give(t.Text, t.Text, t)
}

func (up *unloadParser) delimiter(t sqltext.Token) error {
	s, err := up.charArg(t)
	up.u.Delimiter = s
	return err
}

// encrypted reads ENCRYPTED [AUTO]; AUTO is noted apart for its checks.
func (up *unloadParser) encrypted(t sqltext.Token) error {
	if err := up.give(t.Text, t.Text, t); err != nil {
		return err
	}
	up.u.Encrypted = true
	if a, ok := up.peek(); ok && a.Is("AUTO") {
		up.i++
		up.u.EncryptedAuto = true
		return up.give("ENCRYPTED_AUTO", "ENCRYPTED AUTO", t)
	}
	return nil
}

func (up *unloadParser) nullAs(t sqltext.Token) error {
	s, err := up.nullString(t)
	up.u.NullAs = s
	return err
}

func (up *unloadParser) parallel(t sqltext.Token) error {
	up.u.Parallel = up.onOff()
	return up.give(t.Text, t.Text, t)
}

func (up *unloadParser) compression(t sqltext.Token) error {
	up.u.Compression = t.Text
	return up.giveOne("compression", t)
}

// maxFileSize reads MAXFILESIZE [AS] n [MB | GB]: 5 MB to 6.2 GB.
func (up *unloadParser) maxFileSize(t sqltext.Token) error {
	if err := up.give(t.Text, t.Text, t); err != nil {
		return err
	}
	v, at, err := up.sizeMB(t)
	if err != nil {
		return err
	}
	if v < 5 || v > 6.2*1024+1e-9 {
		return errTok(at, "MAXFILESIZE must be between 5 MB and 6.2 GB")
	}
	up.u.MaxFileSize = mbToBytes(v)
	return nil
}

// rowGroupSize reads ROWGROUPSIZE [AS] n [MB | GB]: 32 MB to 128 MB.
func (up *unloadParser) rowGroupSize(t sqltext.Token) error {
	if err := up.give(t.Text, t.Text, t); err != nil {
		return err
	}
	v, at, err := up.sizeMB(t)
	if err != nil {
		return err
	}
	if v < 32 || v > 128 {
		return errTok(at, "ROWGROUPSIZE must be between 32 MB and 128 MB")
	}
	up.u.RowGroupSize = mbToBytes(v)
	return nil
}
