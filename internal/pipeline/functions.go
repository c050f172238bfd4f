package pipeline

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Function is a Lambda function: its code is a folder or a .zip beside
// the config, and it runs as the key Role names (it can do no more than
// that key's grants).
type Function struct {
	Name        string            `yaml:"name"`
	Runtime     string            `yaml:"runtime"`           // python3.12, nodejs20.x, provided.al2023 …
	Handler     string            `yaml:"handler"`           // app.handler
	Code        string            `yaml:"code"`              // a folder or a .zip, relative to the config's folder
	Role        string            `yaml:"role"`              // the name of the key it runs as
	Timeout     int               `yaml:"timeout,omitempty"` // seconds, default 3
	Memory      int               `yaml:"memory,omitempty"`  // MB, default 128
	Environment map[string]string `yaml:"environment,omitempty"`
	Description string            `yaml:"description,omitempty"`
	Line        int               `yaml:"-"`
	// CodeSHA256 is an exported function's code's (base64), which the
	// exporter may fetch from the server's data folder.
	CodeSHA256 string `yaml:"-"`
}

func (f *Function) UnmarshalYAML(n *yaml.Node) error {
	type plain Function
	return decodeAt(n, (*plain)(f), &f.Line)
}

// REST calls a REST-JSON API (Lambda's): in, if not nil, is the body; the
// answer is decoded into out.
type REST interface {
	Do(ctx context.Context, method, path string, in, out any) error
}

// roleARN is the role ARN of a key's name, as Lambda and Firehose take it.
func roleARN(key string) string { return "arn:aws:iam::" + account + ":role/" + key }

const account = "000000000000"

// functionState is a function as Lambda's ListFunctions describes it.
type functionState struct {
	FunctionName, Runtime, Handler, Role, Description, CodeSha256 string
	Timeout, MemorySize                                           int
	Environment                                                   *struct{ Variables map[string]string }
}

func listFunctions(ctx context.Context, t Target) (map[string]functionState, error) {
	out := map[string]functionState{}
	marker := ""
	for {
		var page struct {
			Functions  []functionState
			NextMarker string
		}
		path := "/2015-03-31/functions/"
		if marker != "" {
			path += "?Marker=" + url.QueryEscape(marker)
		}
		if err := t.Lambda.Do(ctx, "GET", path, nil, &page); err != nil {
			return nil, err
		}
		for _, f := range page.Functions {
			out[f.FunctionName] = f
		}
		if marker = page.NextMarker; marker == "" || len(page.Functions) == 0 {
			return out, nil
		}
	}
}

type functionKind struct{}

func (functionKind) plan(ctx context.Context, t Target, s Spec) ([]Change, int, error) {
	if s.Functions == nil {
		return nil, 0, nil // no functions: section, no functions managed
	}
	have, err := listFunctions(ctx, t)
	if err != nil {
		return nil, 0, err
	}
	var out []Change
	n := 0
	for _, f := range s.Functions {
		code, err := zipCode(s.path(f.Code))
		if err != nil {
			return nil, 0, fmt.Errorf("function %s: %w", f.Name, err)
		}
		sum := sha256.Sum256(code)
		sha := base64.StdEncoding.EncodeToString(sum[:])
		conf := f.configuration()
		was, ok := have[f.Name]
		delete(have, f.Name)
		if !ok {
			in := maps.Clone(conf)
			in["FunctionName"], in["Code"] = f.Name, map[string]any{"ZipFile": code}
			out = append(out, Change{Op: Create, Kind: "function", Name: f.Name, do: func(ctx context.Context) error {
				return t.Lambda.Do(ctx, "POST", "/2015-03-31/functions", in, nil)
			}})
			continue
		}
		var d diff
		d.field("runtime", was.Runtime, f.Runtime)
		d.field("handler", was.Handler, f.Handler)
		d.field("role", was.Role, conf["Role"])
		d.field("timeout", was.Timeout, conf["Timeout"])
		d.field("memory", was.MemorySize, conf["MemorySize"])
		d.field("description", quoted(was.Description), quoted(f.Description))
		var env map[string]string
		if was.Environment != nil {
			env = was.Environment.Variables
		}
		if !maps.Equal(env, f.Environment) {
			d = append(d, "environment")
		}
		configChanged := len(d) > 0
		if was.CodeSha256 != sha {
			d = append(d, "code")
		}
		if len(d) == 0 {
			n++
			continue
		}
		path := "/2015-03-31/functions/" + url.PathEscape(f.Name)
		out = append(out, Change{Op: Update, Kind: "function", Name: f.Name, What: d.String(), do: func(ctx context.Context) error {
			if configChanged {
				if err := t.Lambda.Do(ctx, "PUT", path+"/configuration", conf, nil); err != nil {
					return err
				}
			}
			if was.CodeSha256 != sha {
				return t.Lambda.Do(ctx, "PUT", path+"/code", map[string]any{"ZipFile": code}, nil)
			}
			return nil
		}})
	}
	for name := range have {
		out = append(out, Change{Op: Delete, Kind: "function", Name: name, do: func(ctx context.Context) error {
			return t.Lambda.Do(ctx, "DELETE", "/2015-03-31/functions/"+url.PathEscape(name), nil, nil)
		}})
	}
	sortChanges(out)
	return out, n, nil
}

// configuration is f's configuration as CreateFunction and
// UpdateFunctionConfiguration take it, defaults filled in.
func (f Function) configuration() map[string]any {
	timeout, memory := f.Timeout, f.Memory
	if timeout == 0 {
		timeout = 3
	}
	if memory == 0 {
		memory = 128
	}
	env := f.Environment
	if env == nil {
		env = map[string]string{}
	}
	return map[string]any{"Runtime": f.Runtime, "Handler": f.Handler, "Role": roleARN(f.Role), "Timeout": timeout,
		"MemorySize": memory, "Description": f.Description, "Environment": map[string]any{"Variables": env}}
}

// zipCode is a function's code as a zip: a .zip file as it is, a folder
// zipped with its files in name order and fixed times, so that the same
// folder makes the same zip and an unchanged function is not updated.
func zipCode(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return os.ReadFile(path)
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, p := range files {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(path, p)
		h := &zip.FileHeader{Name: filepath.ToSlash(rel), Method: zip.Deflate, Modified: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)}
		// 0644 or 0755 whatever the umask: a bootstrap keeps its execute
		// bit, and another checkout zips the same.
		mode := fs.FileMode(0o644)
		if fi.Mode().Perm()&0o100 != 0 {
			mode = 0o755
		}
		h.SetMode(mode)
		fw, err := w.CreateHeader(h)
		if err != nil {
			return nil, err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		if _, err := fw.Write(b); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// path resolves a path the config names relative to its folder.
func (s Spec) path(p string) string {
	if filepath.IsAbs(p) || s.Dir == "" {
		return p
	}
	return filepath.Join(s.Dir, p)
}

// exportFunctions lists the target's functions without their code, which
// the Lambda API does not hand out here: Code names where to put it (the
// exporter may fill it from the server's data folder).
func exportFunctions(ctx context.Context, t Target) ([]Function, error) {
	have, err := listFunctions(ctx, t)
	if err != nil {
		return nil, err
	}
	var out []Function
	for _, name := range sortedKeys(have) {
		f := have[name]
		fn := Function{Name: name, Runtime: f.Runtime, Handler: f.Handler, Code: "functions/" + name,
			Role: strings.TrimPrefix(f.Role, "arn:aws:iam::"+account+":role/"), Description: f.Description, CodeSHA256: f.CodeSha256}
		if f.Timeout != 3 {
			fn.Timeout = f.Timeout
		}
		if f.MemorySize != 128 {
			fn.Memory = f.MemorySize
		}
		if f.Environment != nil && len(f.Environment.Variables) > 0 {
			fn.Environment = f.Environment.Variables
		}
		out = append(out, fn)
	}
	return out, nil
}
