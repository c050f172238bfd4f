package kinesisapi

import (
	"fmt"
	"maps"
	"slices"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/stream"
)

// checkTags validates tag keys (1-128 characters) and values (0-256).
func checkTags(v *validation, field string, tags map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		val := tags[k]
		v.length(field+".key", &k, 1, 128)
		v.length(field+"."+k, &val, 0, 256)
	}
}

func (a *API) addTags(c *call) (any, error) {
	var req struct {
		streamRef
		Tags map[string]string
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	var v validation
	name := req.resolve(&v)
	if v.required("tags", req.Tags != nil) {
		if n := len(req.Tags); n < 1 || n > maxTagsPerCall {
			v.fail("tags", fmt.Sprintf("%d tags", n), fmt.Sprintf("Member must have length between 1 and %d", maxTagsPerCall))
		}
		checkTags(&v, "tags", req.Tags)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := a.authorize(c, access.Write, name); err != nil {
		return nil, err
	}
	_, err := a.store.UpdateInfo(c.Ctx, name, func(info *stream.Info) error {
		if info.Tags == nil {
			info.Tags = map[string]string{}
		}
		maps.Copy(info.Tags, req.Tags)
		if len(info.Tags) > maxTagsPerStream {
			return invalidArg("Failed to add tags to stream %s under account %s because a given stream cannot have more than %d tags.",
				name, account, maxTagsPerStream)
		}
		return nil
	})
	if err != nil {
		return nil, storeErr(err, name)
	}
	return struct{}{}, nil
}

func (a *API) removeTags(c *call) (any, error) {
	var req struct {
		streamRef
		TagKeys []string
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	var v validation
	name := req.resolve(&v)
	if v.required("tagKeys", req.TagKeys != nil) {
		if n := len(req.TagKeys); n < 1 || n > maxTagsPerCall {
			v.fail("tagKeys", fmt.Sprintf("%d keys", n), fmt.Sprintf("Member must have length between 1 and %d", maxTagsPerCall))
		}
		for _, k := range req.TagKeys {
			v.length("tagKeys.member", &k, 1, 128)
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := a.authorize(c, access.Write, name); err != nil {
		return nil, err
	}
	_, err := a.store.UpdateInfo(c.Ctx, name, func(info *stream.Info) error {
		for _, k := range req.TagKeys {
			delete(info.Tags, k)
		}
		return nil
	})
	if err != nil {
		return nil, storeErr(err, name)
	}
	return struct{}{}, nil
}

func (a *API) listTags(c *call) (any, error) {
	var req struct {
		streamRef
		ExclusiveStartTagKey *string
		Limit                *int64
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	var v validation
	name := req.resolve(&v)
	if req.ExclusiveStartTagKey != nil {
		v.length("exclusiveStartTagKey", req.ExclusiveStartTagKey, 1, 128)
	}
	v.between("limit", req.Limit, 1, maxTagsPerStream)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := a.authorize(c, access.Read, name); err != nil {
		return nil, err
	}
	info, err := a.store.Info(c.Ctx, name)
	if err != nil {
		return nil, storeErr(err, name)
	}
	limit := maxTagsPerStream
	if req.Limit != nil {
		limit = int(*req.Limit)
	}
	type tag struct{ Key, Value string }
	res := struct {
		Tags        []tag
		HasMoreTags bool
	}{Tags: []tag{}}
	for _, k := range slices.Sorted(maps.Keys(info.Tags)) {
		if req.ExclusiveStartTagKey != nil && k <= *req.ExclusiveStartTagKey {
			continue
		}
		if len(res.Tags) == limit {
			res.HasMoreTags = true
			break
		}
		res.Tags = append(res.Tags, tag{k, info.Tags[k]})
	}
	return res, nil
}
