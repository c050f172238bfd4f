package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"golang.org/x/crypto/ssh"

	"github.com/tarnlake/tarn/internal/access"
)

const keysFile = "keys.json"

const keysUsage = `Usage:
  tarn keys add NAME [--read RESOURCES] [--write RESOURCES] [--ssh-key FILE] [--data DIR]
  tarn keys list [--data DIR]
  tarn keys remove ID [--data DIR]

Access keys other than root, each limited to what it is granted. A grant
names a kind and a pattern (path.Match syntax), comma-separated:
  s3:BUCKET         buckets ("s3:raw-*"; a bare name is a bucket too)
  kinesis:STREAM    streams
  glue:DATABASE     catalog databases (write: create, change, drop them)
  athena:WORKGROUP  Athena workgroups (write: manage them)
  lambda:FUNCTION   functions (write: create, change, invoke them)
  firehose:NAME     deliveries (write: create, change them, put records)
  warehouse:SCHEMA  warehouse schemas (read: query their tables; write:
                    create, load, change and drop them)
--write grants read too. SQL sees the catalog tables whose files the key
may read; CTAS, INSERT INTO and UNLOAD need write on the target bucket (and
glue: write on the database they register in). A running tarn picks up
changes within a second.

--ssh-key FILE lets the key log in to SFTP with the SSH public keys in FILE
(authorized_keys lines, e.g. ~/.ssh/id_ed25519.pub) as well as with its
secret as password; the SFTP user name is the key's ID or NAME. For a NAME
that exists, --ssh-key alone adds the SSH keys to that key.

Examples:
  tarn keys add producer --write s3:landing,kinesis:clicks
  tarn keys add analyst --read s3:lake --write s3:results,glue:scratch
  tarn keys add partner --write s3:landing --ssh-key partner.pub
  tarn keys list --data /var/lib/tarn
  tarn keys remove TK0123456789ABCDEFGH
`

func keys(args []string, con console) error {
	cmd, err := subcommand("keys", keysUsage, args, con, "add", "list", "remove")
	if err != nil {
		return err
	}
	fs := newCommand("keys "+cmd, keysUsage, con)
	data := fs.String("data", envOr("TARN_DATA", defaultConfig().Data), "data `folder`")
	read := fs.String("read", "", "resources the key may read (s3:BUCKET, kinesis:STREAM, glue:DATABASE, athena:WORKGROUP, lambda:, firehose:, warehouse:SCHEMA)")
	write := fs.String("write", "", "resources the key may write (and read)")
	sshKey := fs.String("ssh-key", "", "a `file` of SSH public keys (authorized_keys lines) the key may log in to SFTP with")
	pos, err := fs.parse(args[1:])
	if err != nil {
		return err
	}
	file := filepath.Join(*data, keysFile)
	list, err := access.ReadFile(file)
	if err != nil {
		return err
	}
	switch cmd {
	case "add":
		if len(pos) != 1 {
			return fs.usageErr("give the key one NAME")
		}
		sshKeys, err := readSSHKeys(*sshKey)
		if err != nil {
			return fmt.Errorf("keys add: %w", err)
		}
		if *read == "" && *write == "" && len(sshKeys) > 0 {
			for i := range list {
				if list[i].Name == pos[0] {
					list[i].SSHKeys = append(list[i].SSHKeys, sshKeys...)
					if err := access.WriteFile(file, list); err != nil {
						return err
					}
					fmt.Fprintf(con.out, "added %d SSH key(s) to key %s (%s)\n", len(sshKeys), pos[0], list[i].ID)
					return nil
				}
			}
		}
		for _, o := range list {
			if o.Name == pos[0] {
				return fmt.Errorf("keys add: a key named %s exists (%s): remove it first (tarn keys remove %s), or give --ssh-key alone to add SSH keys to it", o.Name, o.ID, o.ID)
			}
		}
		k := access.NewKey(pos[0])
		k.SSHKeys = sshKeys
		for i, list := range []string{*write, *read} {
			for _, p := range splitList(list) {
				r, err := access.ParsePattern(p)
				if err != nil {
					return fmt.Errorf("keys add: %w", err)
				}
				k.Grants = append(k.Grants, access.Grant{Resource: r.String(), Read: true, Write: i == 0})
			}
		}
		if len(k.Grants) == 0 {
			return fs.usageErr("grant at least one resource with --read or --write (e.g. --read s3:lake)")
		}
		if err := os.MkdirAll(*data, 0o700); err != nil {
			return err
		}
		if err := access.WriteFile(file, append(list, k)); err != nil {
			return err
		}
		fmt.Fprintf(con.out, "AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n", k.ID, k.Secret)
	case "list":
		tw := tabwriter.NewWriter(con.out, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tGRANTS")
		for _, k := range list {
			var gs []string
			for _, g := range k.Grants {
				mode := "read"
				if g.Write {
					mode = "write"
				}
				target, err := g.Target()
				name := target.String()
				if err != nil {
					name = "invalid(" + g.Resource + g.Bucket + ")"
				}
				gs = append(gs, name+"="+mode)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", k.ID, k.Name, strings.Join(gs, ","))
		}
		return tw.Flush()
	case "remove":
		if len(pos) != 1 {
			return fs.usageErr("give one key ID (tarn keys list shows them)")
		}
		kept := list[:0]
		for _, k := range list {
			if k.ID != pos[0] {
				kept = append(kept, k)
			}
		}
		if len(kept) == len(list) {
			return fmt.Errorf("keys remove: no key %s in %s (tarn keys list shows them)", pos[0], file)
		}
		return access.WriteFile(file, kept)
	}
	return nil
}

// readSSHKeys reads the public keys of an authorized_keys file ("": none),
// checking each so that a typo is found here, not at login.
func readSSHKeys(file string) ([]string, error) {
	if file == "" {
		return nil, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var out []string
	for n, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		_, _, opts, _, err := ssh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			return nil, fmt.Errorf("%s line %d: not an SSH public key (%v): give a .pub file such as ~/.ssh/id_ed25519.pub", file, n+1, err)
		}
		if len(opts) > 0 {
			return nil, fmt.Errorf("%s line %d: authorized_keys options (%s) are not enforced by tarn: give the key alone", file, n+1, strings.Join(opts, ","))
		}
		out = append(out, line)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no SSH public key", file)
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
