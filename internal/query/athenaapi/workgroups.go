package athenaapi

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/catalog"
)

const primary = "primary"

// workGroup is a workgroup as stored. "primary" exists without a
// document until it is first updated.
type workGroup struct {
	Name        string
	Description string `json:",omitempty"`
	State       string
	Output      string    `json:",omitempty"` // results folder, s3://bucket/prefix/
	Enforce     bool      `json:",omitempty"`
	Created     time.Time `json:",omitzero"`
}

// loadWorkGroup returns a workgroup.
func (a *API) loadWorkGroup(ctx context.Context, n string) (workGroup, error) {
	d, err := a.docs.GetDoc(ctx, kindWorkGroup, n)
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		return missingWorkGroup(n)
	case err != nil:
		return workGroup{}, err
	}
	var w workGroup
	return w, catalog.DecodeDoc(d, &w)
}

// missingWorkGroup is a workgroup without a document: the primary one
// until it is first updated, else none.
func missingWorkGroup(n string) (workGroup, error) {
	if n == primary {
		return workGroup{Name: primary, State: "ENABLED"}, nil
	}
	return workGroup{}, workGroupNotFound(n)
}

type engineVersion struct{ SelectedEngineVersion, EffectiveEngineVersion string }

var tarnEngine = engineVersion{"AUTO", "tarn (DuckDB)"}

type resultConfig struct {
	OutputLocation string `json:",omitempty"`
}

type workGroupOut struct {
	Name          string
	State         string
	Description   string            `json:",omitempty"`
	CreationTime  *awsapi.Timestamp `json:",omitempty"`
	Configuration *workGroupConfig  `json:",omitempty"`
	EngineVersion *engineVersion    `json:",omitempty"` // in summaries
}

type workGroupConfig struct {
	ResultConfiguration             resultConfig
	EnforceWorkGroupConfiguration   bool
	PublishCloudWatchMetricsEnabled bool
	RequesterPaysEnabled            bool
	EngineVersion                   engineVersion
}

func (w workGroup) out(summary bool) workGroupOut {
	o := workGroupOut{Name: w.Name, State: w.State, Description: w.Description, CreationTime: stamp(w.Created)}
	if summary {
		o.EngineVersion = &tarnEngine
		return o
	}
	o.Configuration = &workGroupConfig{ResultConfiguration: resultConfig{w.Output}, EnforceWorkGroupConfiguration: w.Enforce, EngineVersion: tarnEngine}
	return o
}

type workGroupConfigIn struct {
	ResultConfiguration *struct {
		OutputLocation *string
	}
	EnforceWorkGroupConfiguration *bool
}

func (a *API) createWorkGroup(c *call) (any, error) {
	var req struct {
		Name          *string
		Description   *string
		Configuration *workGroupConfigIn
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	n, err := requiredName("Name", req.Name)
	if err != nil {
		return nil, err
	}
	w := workGroup{Name: n, State: "ENABLED", Created: a.opts.Now()}
	if w.Description, err = optional("Description", req.Description, 0, 1024); err != nil {
		return nil, err
	}
	if cfg := req.Configuration; cfg != nil {
		if cfg.ResultConfiguration != nil && cfg.ResultConfiguration.OutputLocation != nil {
			if w.Output, err = outputFolder("Configuration.ResultConfiguration.OutputLocation", *cfg.ResultConfiguration.OutputLocation); err != nil {
				return nil, err
			}
		}
		w.Enforce = cfg.EnforceWorkGroupConfiguration != nil && *cfg.EnforceWorkGroupConfiguration
	}
	if err := a.authorize(c, access.Write, ""); err != nil {
		return nil, err
	}
	if n == primary {
		return nil, invalid("WorkGroup primary already exists.")
	}
	err = a.createDoc(c.Ctx, kindWorkGroup, n, w)
	if errors.Is(err, catalog.ErrExists) {
		return nil, invalid("WorkGroup %s already exists.", n)
	}
	return struct{}{}, err
}

func (a *API) getWorkGroup(c *call) (any, error) {
	var req struct{ WorkGroup *string }
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	n, err := requiredName("WorkGroup", req.WorkGroup)
	if err != nil {
		return nil, err
	}
	w, err := a.loadWorkGroup(c.Ctx, n)
	if err != nil {
		return nil, err
	}
	return struct{ WorkGroup workGroupOut }{w.out(false)}, nil
}

func (a *API) listWorkGroups(c *call) (any, error) {
	var req struct {
		MaxResults *int32
		NextToken  *string
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	limit, err := maxResults(req.MaxResults, 50)
	if err != nil {
		return nil, err
	}
	docs, err := a.docs.ListDocs(c.Ctx, kindWorkGroup, "")
	if err != nil {
		return nil, err
	}
	all := map[string]workGroup{primary: {Name: primary, State: "ENABLED"}}
	for _, d := range docs {
		var w workGroup
		if err := catalog.DecodeDoc(d, &w); err != nil {
			return nil, err
		}
		all[w.Name] = w
	}
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	keys, next, err := page(keys, "workgroups", req.NextToken, limit)
	if err != nil {
		return nil, err
	}
	out := make([]workGroupOut, len(keys))
	for i, k := range keys {
		out[i] = all[k].out(true)
	}
	return struct {
		WorkGroups []workGroupOut
		NextToken  string `json:",omitempty"`
	}{out, next}, nil
}
