package athenaapi

import (
	"errors"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/catalog"
)

func (a *API) updateWorkGroup(c *call) (any, error) {
	var req struct {
		WorkGroup            *string
		Description          *string
		State                *string
		ConfigurationUpdates *struct {
			EnforceWorkGroupConfiguration *bool
			ResultConfigurationUpdates    *struct {
				OutputLocation       *string
				RemoveOutputLocation *bool
			}
		}
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	n, err := requiredName("WorkGroup", req.WorkGroup)
	if err != nil {
		return nil, err
	}
	if req.State != nil && *req.State != "ENABLED" && *req.State != "DISABLED" {
		return nil, invalid("State %q is not ENABLED or DISABLED.", *req.State)
	}
	if _, err := optional("Description", req.Description, 0, 1024); err != nil {
		return nil, err
	}
	output := ""
	cu := req.ConfigurationUpdates
	if cu != nil && cu.ResultConfigurationUpdates != nil && cu.ResultConfigurationUpdates.OutputLocation != nil {
		if output, err = outputFolder("ConfigurationUpdates.ResultConfigurationUpdates.OutputLocation", *cu.ResultConfigurationUpdates.OutputLocation); err != nil {
			return nil, err
		}
	}
	if err := a.authorize(c, access.Write, ""); err != nil {
		return nil, err
	}
	_, err = catalog.UpdateDoc(c.Ctx, a.docs, kindWorkGroup, n, func(w *workGroup, exists bool) error {
		if !exists { // the primary workgroup's first document may race another's
			first, err := missingWorkGroup(n)
			if err != nil {
				return err
			}
			*w = first
		}
		if req.Description != nil {
			w.Description = *req.Description
		}
		if req.State != nil {
			w.State = *req.State
		}
		if cu != nil && cu.EnforceWorkGroupConfiguration != nil {
			w.Enforce = *cu.EnforceWorkGroupConfiguration
		}
		if rc := cu; rc != nil && rc.ResultConfigurationUpdates != nil {
			if r := rc.ResultConfigurationUpdates; r.RemoveOutputLocation != nil && *r.RemoveOutputLocation {
				w.Output = ""
			} else if output != "" {
				w.Output = output
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (a *API) deleteWorkGroup(c *call) (any, error) {
	var req struct {
		WorkGroup             *string
		RecursiveDeleteOption *bool
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	n, err := requiredName("WorkGroup", req.WorkGroup)
	if err != nil {
		return nil, err
	}
	if n == primary {
		return nil, invalid("The primary workgroup cannot be deleted.")
	}
	if err := a.authorize(c, access.Write, ""); err != nil {
		return nil, err
	}
	if _, err := a.loadWorkGroup(c.Ctx, n); err != nil {
		return nil, err
	}
	named, err := a.namedQueries(c.Ctx, n)
	if err != nil {
		return nil, err
	}
	if len(named) > 0 && (req.RecursiveDeleteOption == nil || !*req.RecursiveDeleteOption) {
		return nil, invalid("WorkGroup %s holds %d named queries; delete them first or set RecursiveDeleteOption.", n, len(named))
	}
	for _, q := range named {
		if err := a.docs.DeleteDoc(c.Ctx, kindNamed, q.NamedQueryId); err != nil && !errors.Is(err, catalog.ErrNotFound) {
			return nil, err
		}
	}
	err = a.docs.DeleteDoc(c.Ctx, kindWorkGroup, n)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, workGroupNotFound(n)
	}
	return struct{}{}, err
}
