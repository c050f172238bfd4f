package redshift

// notWithJSON are the options Redshift refuses with JSON and AVRO data.
var notWithJSON = []string{"DELIMITER", "ESCAPE", "FILLRECORD", "IGNOREBLANKLINES", "NULL", "REMOVEQUOTES"}

// columnarOK are the only options COPY takes with PARQUET and ORC.
var columnarOK = map[string]bool{
	"PARQUET": true, "ORC": true, "IAM_ROLE": true, "CREDENTIALS": true,
	"ACCEPTINVCHARS": true, "FILLRECORD": true, "STATUPDATE": true,
	"MANIFEST": true, "EXPLICIT_IDS": true, "SERIALIZETOJSON": true,
}

// check refuses the combinations Redshift refuses.
func (cp *copyParser) check() error {
	pairs := []struct {
		a  string
		bs []string
	}{
		{"CSV", []string{"REMOVEQUOTES", "ESCAPE"}},
		{"FIXEDWIDTH", []string{"DELIMITER", "ESCAPE"}},
		{"SHAPEFILE", []string{"REMOVEQUOTES", "ESCAPE"}},
		{"JSON", notWithJSON},
		{"AVRO", notWithJSON},
		{"IGNOREALLERRORS", []string{"MAXERROR"}},
	}
	for _, pr := range pairs {
		if err := cp.clash(pr.a, pr.bs...); err != nil {
			return err
		}
	}
	if q, ok := cp.has("QUOTE"); ok && cp.c.Format != "CSV" {
		return errTok(q.tok, "QUOTE can be used only with CSV")
	}
	if err := cp.checkColumnar(); err != nil {
		return err
	}
	if err := cp.checkEncrypted(); err != nil {
		return err
	}
	return cp.checkAuth(&cp.auth, "COPY")
}

// checkColumnar keeps PARQUET and ORC to the few options they take.
func (cp *copyParser) checkColumnar() error {
	f, ok := cp.one("format")
	if !ok || f.key != "PARQUET" && f.key != "ORC" {
		if s, ok := cp.has("SERIALIZETOJSON"); ok {
			return errTok(s.tok, "SERIALIZETOJSON can be used only with PARQUET or ORC")
		}
		return nil
	}
	for _, g := range cp.given {
		switch {
		case g.key == "ACCESS_KEY_ID" || g.key == "SECRET_ACCESS_KEY" || g.key == "SESSION_TOKEN",
			g.key == "CREDENTIALS" && cp.auth.accessKeyID != "":
			return errTok(g.tok, "COPY from this file format only accepts IAM_ROLE credentials")
		case !columnarOK[g.key]:
			return errTok(g.tok, "%s argument is not supported for %s based COPY", g.name, f.key)
		}
	}
	return nil
}

// checkEncrypted: client-side encrypted files need their key, and the key
// means nothing without ENCRYPTED.
func (cp *copyParser) checkEncrypted() error {
	e, enc := cp.has("ENCRYPTED")
	if k, ok := cp.has("MASTER_SYMMETRIC_KEY"); ok && !enc {
		return errTok(k.tok, "MASTER_SYMMETRIC_KEY requires ENCRYPTED")
	}
	if enc && cp.auth.masterKey == "" {
		return errTok(e.tok, "ENCRYPTED requires MASTER_SYMMETRIC_KEY or a master_symmetric_key in CREDENTIALS")
	}
	return nil
}
