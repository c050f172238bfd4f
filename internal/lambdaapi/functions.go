package lambdaapi

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/function"
)

type codeIn struct {
	ZipFile  []byte // base64 in JSON
	S3Bucket string
	S3Key    string
}

type environment struct {
	Variables map[string]string
}

type configIn struct {
	FunctionName string
	Runtime      *string
	Role         *string
	Handler      *string
	Description  *string
	Timeout      *int
	MemorySize   *int
	Environment  *environment
	PackageType  string
	Code         codeIn
}

// configOut is Lambda's FunctionConfiguration.
type configOut struct {
	FunctionName     string
	FunctionArn      string
	Runtime          string
	Role             string
	Handler          string
	CodeSize         int64
	Description      string
	Timeout          int
	MemorySize       int
	LastModified     string
	CodeSha256       string
	Version          string
	Environment      *environment `json:",omitempty"`
	TracingConfig    map[string]string
	RevisionId       string
	State            string
	LastUpdateStatus string
	PackageType      string
	Architectures    []string
	EphemeralStorage map[string]int
}

func (a *API) out(c function.Config) configOut {
	o := configOut{FunctionName: c.Name, FunctionArn: c.ARN(a.opts.Region), Runtime: c.Runtime, Role: c.Role, Handler: c.Handler,
		CodeSize: c.CodeSize, Description: c.Description, Timeout: c.Timeout, MemorySize: c.MemorySize,
		LastModified: c.LastModified.Format("2006-01-02T15:04:05.000-0700"), CodeSha256: c.CodeSHA256, Version: "$LATEST",
		TracingConfig: map[string]string{"Mode": "PassThrough"}, RevisionId: c.RevisionID, State: "Active",
		LastUpdateStatus: "Successful", PackageType: "Zip", Architectures: []string{"x86_64"}, EphemeralStorage: map[string]int{"Size": 512}}
	if len(c.Env) > 0 {
		o.Environment = &environment{Variables: c.Env}
	}
	return o
}

// mayUseRole checks that a role gives the function no more than the
// caller has: a key other than root may only name itself.
func (a *API) mayUseRole(c *call, role string) error {
	k, err := a.svc.RoleKey(role)
	if err != nil {
		return err
	}
	if c.caller != nil && !c.caller.Root && k.ID != c.caller.ID {
		return awsapi.Errorf(http.StatusForbidden, "AccessDeniedException",
			"access key %s may not pass role %s: a function runs with its role's key, and a key may only give its own grants (use arn:aws:iam::%s:role/%s)",
			c.caller.ID, role, function.Account, c.caller.Name)
	}
	return nil
}

func (a *API) code(c *call, in codeIn) ([]byte, error) {
	switch {
	case len(in.ZipFile) > 0:
		return in.ZipFile, nil
	case in.S3Bucket != "" && in.S3Key != "" && a.opts.Lake != nil:
		if c.caller != nil && !c.caller.Allowed(access.Read, access.Bucket(in.S3Bucket)) {
			return nil, awsapi.Errorf(http.StatusForbidden, "AccessDeniedException", "access key %s may not read bucket %s", c.caller.ID, in.S3Bucket)
		}
		b, err := a.opts.Lake(c.ctx, in.S3Bucket, in.S3Key)
		if err != nil {
			return nil, awsapi.Errorf(http.StatusBadRequest, "InvalidParameterValueException", "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: %v", err)
		}
		return b, nil
	}
	return nil, awsapi.Errorf(http.StatusBadRequest, "InvalidParameterValueException", "Code needs ZipFile, or S3Bucket and S3Key")
}

func (a *API) create(c *call) error {
	var in configIn
	if err := c.decode(&in); err != nil {
		return err
	}
	c.name = in.FunctionName
	if err := c.need(access.Write); err != nil {
		return err
	}
	if in.PackageType == "Image" {
		return awsapi.Errorf(http.StatusBadRequest, "InvalidParameterValueException", "tarn runs zip functions as processes; container images are not supported")
	}
	cfg := function.Config{Name: in.FunctionName}
	if c.caller != nil {
		cfg.Owner = c.caller.ID
	}
	apply(&cfg, in)
	if err := a.mayUseRole(c, cfg.Role); err != nil {
		return err
	}
	zip, err := a.code(c, in.Code)
	if err != nil {
		return err
	}
	out, err := a.svc.Registry().Create(c.ctx, cfg, zip)
	if err != nil {
		return err
	}
	return c.reply(http.StatusCreated, a.out(out))
}

// apply sets what the request names.
func apply(cfg *function.Config, in configIn) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&cfg.Runtime, in.Runtime)
	set(&cfg.Role, in.Role)
	set(&cfg.Handler, in.Handler)
	set(&cfg.Description, in.Description)
	if in.Timeout != nil {
		cfg.Timeout = *in.Timeout
	}
	if in.MemorySize != nil {
		cfg.MemorySize = *in.MemorySize
	}
	if in.Environment != nil {
		cfg.Env = in.Environment.Variables
	}
}

func (a *API) list(c *call) error {
	if c.caller != nil && !c.caller.MayReadAny(access.Lambda) {
		return awsapi.Errorf(http.StatusForbidden, "AccessDeniedException", "access key %s has no lambda: grant", c.caller.ID)
	}
	all, err := a.svc.Registry().List(c.ctx)
	if err != nil {
		return err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	marker := c.r.URL.Query().Get("Marker")
	max, _ := strconv.Atoi(c.r.URL.Query().Get("MaxItems"))
	if max <= 0 || max > 50 {
		max = 50
	}
	out := struct {
		Functions  []configOut
		NextMarker string `json:",omitempty"`
	}{Functions: []configOut{}}
	for _, f := range all {
		if f.Name <= marker || c.caller != nil && !c.caller.Allowed(access.Read, access.Function(f.Name)) {
			continue
		}
		if len(out.Functions) == max {
			out.NextMarker = out.Functions[max-1].FunctionName
			break
		}
		out.Functions = append(out.Functions, a.out(f))
	}
	return c.reply(http.StatusOK, out)
}

func (a *API) get(c *call) error {
	if err := c.need(access.Read); err != nil {
		return err
	}
	f, err := a.svc.Registry().Get(c.ctx, function.NameOf(c.name))
	if err != nil {
		return err
	}
	return c.reply(http.StatusOK, map[string]any{
		"Configuration": a.out(f),
		"Code":          map[string]string{"RepositoryType": "S3", "Location": ""},
	})
}

func (a *API) getConfiguration(c *call) error {
	if err := c.need(access.Read); err != nil {
		return err
	}
	f, err := a.svc.Registry().Get(c.ctx, function.NameOf(c.name))
	if err != nil {
		return err
	}
	return c.reply(http.StatusOK, a.out(f))
}

func (a *API) delete(c *call) error {
	if err := c.need(access.Write); err != nil {
		return err
	}
	name := function.NameOf(c.name)
	if err := a.svc.Registry().Delete(c.ctx, name); err != nil {
		return err
	}
	a.evict(name)
	return c.reply(http.StatusNoContent, nil)
}

func (a *API) evict(name string) {
	if a.opts.Evict != nil {
		a.opts.Evict(name)
	}
}

func (a *API) updateConfiguration(c *call) error {
	if err := c.need(access.Write); err != nil {
		return err
	}
	var in configIn
	if err := c.decode(&in); err != nil {
		return err
	}
	if in.Role != nil {
		if err := a.mayUseRole(c, *in.Role); err != nil {
			return err
		}
	}
	name := function.NameOf(c.name)
	out, err := a.svc.Registry().Update(c.ctx, name, nil, func(cfg *function.Config) error {
		apply(cfg, in)
		return nil
	})
	if err != nil {
		return err
	}
	a.evict(name)
	return c.reply(http.StatusOK, a.out(out))
}

func (a *API) updateCode(c *call) error {
	if err := c.need(access.Write); err != nil {
		return err
	}
	var in codeIn
	if err := c.decode(&in); err != nil {
		return err
	}
	zip, err := a.code(c, in)
	if err != nil {
		return err
	}
	name := function.NameOf(c.name)
	out, err := a.svc.Registry().Update(c.ctx, name, zip, nil)
	if err != nil {
		return err
	}
	a.evict(name)
	return c.reply(http.StatusOK, a.out(out))
}
