package redshift

// check refuses the combinations Redshift refuses.
func (up *unloadParser) check() error {
	pairs := []struct {
		a  string
		bs []string
	}{
		{"PARQUET", []string{"DELIMITER", "ADDQUOTES", "ESCAPE", "NULL", "HEADER", "GZIP", "BZIP2", "ZSTD", "MASTER_SYMMETRIC_KEY"}},
		{"JSON", []string{"DELIMITER", "HEADER", "ADDQUOTES", "ESCAPE", "NULL"}},
		{"FIXEDWIDTH", []string{"DELIMITER", "HEADER"}},
		{"ALLOWOVERWRITE", []string{"CLEANPATH"}},
		{"KMS_KEY_ID", []string{"CREDENTIALS"}},
		{"ENCRYPTED_AUTO", []string{"KMS_KEY_ID", "MASTER_SYMMETRIC_KEY"}},
	}
	for _, pr := range pairs {
		if err := up.clash(pr.a, pr.bs...); err != nil {
			return err
		}
	}
	if _, csv := up.has("CSV"); csv {
		if q, ok := up.has("ADDQUOTES"); ok {
			return errTok(q.tok, "ADDQUOTES is not supported for UNLOAD to CSV")
		}
	}
	if r, ok := up.has("ROWGROUPSIZE"); ok && up.u.Format != "PARQUET" {
		return errTok(r.tok, "ROWGROUPSIZE can be used only with PARQUET")
	}
	if err := up.checkEncrypted(); err != nil {
		return err
	}
	if err := up.checkAuth(&up.auth, "UNLOAD"); err != nil {
		return err
	}
	return outerLimit(up.query)
}

// checkEncrypted: a key names how to encrypt, so it needs ENCRYPTED; a
// client-side key (in CREDENTIALS too) rules out AUTO and PARQUET.
func (up *unloadParser) checkEncrypted() error {
	_, enc := up.has("ENCRYPTED")
	for _, k := range []string{"KMS_KEY_ID", "MASTER_SYMMETRIC_KEY"} {
		if g, ok := up.has(k); ok && !enc {
			return errTok(g.tok, "%s requires ENCRYPTED", k)
		}
	}
	if c, ok := up.has("CREDENTIALS"); ok && up.auth.masterKey != "" {
		if up.u.EncryptedAuto {
			return errTok(c.tok, "ENCRYPTED AUTO is not compatible with a master_symmetric_key in CREDENTIALS")
		}
		if up.u.Format == "PARQUET" {
			return errTok(c.tok, "PARQUET is not compatible with a master_symmetric_key in CREDENTIALS")
		}
	}
	return nil
}
