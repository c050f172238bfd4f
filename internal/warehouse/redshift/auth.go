package redshift

import (
	"strings"

	"github.com/tarnlake/tarn/internal/query/sqltext"
)

// auth is how COPY and UNLOAD are authorized to reach S3; both read it
// the same way.
type auth struct {
	role, credentials, accessKeyID, secretAccessKey, sessionToken string
	masterKey                                                     string
}

// authOption reads an authorization option if t starts one.
func (p *parser) authOption(a *auth, t sqltext.Token) (bool, error) {
	switch t.Text {
	case "IAM_ROLE":
		if err := p.give("IAM_ROLE", "IAM_ROLE", t); err != nil {
			return true, err
		}
		role, err := p.role(false)
		a.role = role
		return true, err
	case "WITH":
		c, err := p.expect("CREDENTIALS")
		if err != nil {
			return true, err
		}
		return true, p.credentials(a, c)
	case "CREDENTIALS":
		return true, p.credentials(a, t)
	case "ACCESS_KEY_ID":
		return true, p.authString(&a.accessKeyID, t)
	case "SECRET_ACCESS_KEY":
		return true, p.authString(&a.secretAccessKey, t)
	case "SESSION_TOKEN":
		return true, p.authString(&a.sessionToken, t)
	case "MASTER_SYMMETRIC_KEY":
		return true, p.authString(&a.masterKey, t)
	}
	return false, nil
}

func (p *parser) authString(dst *string, t sqltext.Token) error {
	if err := p.give(t.Text, t.Text, t); err != nil {
		return err
	}
	s, err := p.str()
	*dst = s.Text
	return err
}

// role reads IAM_ROLE's argument: default, or one ARN or a comma-separated
// chain of them; CREATE EXTERNAL SCHEMA also takes 'SESSION'.
func (p *parser) role(session bool) (string, error) {
	if p.accept("DEFAULT") {
		return "default", nil
	}
	s, err := p.str()
	if err != nil {
		return "", err
	}
	if session && s.Text == "SESSION" {
		return s.Text, nil
	}
	for _, arn := range strings.Split(s.Text, ",") {
		if !strings.HasPrefix(arn, "arn:") {
			return "", errTok(s, "invalid IAM role ARN %q", arn)
		}
	}
	return s.Text, nil
}

const badCredentials = "Invalid credentials. Must be of the format: credentials " +
	"'aws_iam_role=...' or 'aws_access_key_id=...;aws_secret_access_key=...[;token=...]'"

// credentials reads [WITH] CREDENTIALS [AS] 'k=v;…' and decodes the
// string's parts into the same fields the separate options fill, so a
// reader looks in one place whichever way the statement was written.
func (p *parser) credentials(a *auth, t sqltext.Token) error {
	if err := p.give("CREDENTIALS", "CREDENTIALS", t); err != nil {
		return err
	}
	p.accept("AS")
	s, err := p.str()
	if err != nil {
		return err
	}
	a.credentials = s.Text
	parts := map[string]string{}
	for _, kv := range strings.Split(s.Text, ";") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || v == "" || strings.ContainsAny(kv, " \t\r\n") {
			return errTok(s, badCredentials)
		}
		switch k {
		case "aws_iam_role", "aws_access_key_id", "aws_secret_access_key", "token", "master_symmetric_key":
		default:
			return errTok(s, badCredentials)
		}
		if _, dup := parts[k]; dup {
			return errTok(s, badCredentials)
		}
		parts[k] = v
	}
	role, key, secret, token := parts["aws_iam_role"], parts["aws_access_key_id"], parts["aws_secret_access_key"], parts["token"]
	switch {
	case role != "" && (key != "" || secret != "" || token != ""),
		role == "" && (key == "" || secret == ""):
		return errTok(s, badCredentials)
	}
	a.role, a.accessKeyID, a.secretAccessKey, a.sessionToken = role, key, secret, token
	a.masterKey = parts["master_symmetric_key"]
	return nil
}

// checkAuth refuses mixed or missing authorization.
func (p *parser) checkAuth(a *auth, stmt string) error {
	if err := p.clash("IAM_ROLE", "CREDENTIALS", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN"); err != nil {
		return err
	}
	if err := p.clash("CREDENTIALS", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN", "MASTER_SYMMETRIC_KEY"); err != nil {
		return err
	}
	key, hasKey := p.has("ACCESS_KEY_ID")
	secret, hasSecret := p.has("SECRET_ACCESS_KEY")
	switch {
	case hasKey && !hasSecret:
		return errTok(key.tok, "ACCESS_KEY_ID and SECRET_ACCESS_KEY must be used together")
	case hasSecret && !hasKey:
		return errTok(secret.tok, "ACCESS_KEY_ID and SECRET_ACCESS_KEY must be used together")
	}
	if tok, ok := p.has("SESSION_TOKEN"); ok && !hasKey {
		return errTok(tok.tok, "SESSION_TOKEN requires ACCESS_KEY_ID and SECRET_ACCESS_KEY")
	}
	if a.role == "" && a.accessKeyID == "" {
		return errAt(p.end, "%s needs authorization: IAM_ROLE, CREDENTIALS, or ACCESS_KEY_ID and SECRET_ACCESS_KEY", stmt)
	}
	return nil
}
