package kinesisapi

import (
	"encoding/base64"
	"fmt"
	"sort"
	"time"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/stream"
)

type modeDetails struct {
	StreamMode *string
}

func mode(info stream.Info) modeDetails {
	m := "PROVISIONED"
	if info.OnDemand {
		m = "ON_DEMAND"
	}
	return modeDetails{&m}
}

// enhancedMonitoring is what DescribeStream says when no shard-level
// metrics are enabled, the only state tarn has.
type enhancedMonitoring struct {
	ShardLevelMetrics []string
}

func noMonitoring() []enhancedMonitoring {
	return []enhancedMonitoring{{ShardLevelMetrics: []string{}}}
}

func (a *API) createStream(c *call) (any, error) {
	var req struct {
		StreamName        *string
		ShardCount        *int64
		StreamModeDetails *modeDetails
		Tags              map[string]string
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	var v validation
	v.name("streamName", req.StreamName, true)
	v.between("shardCount", req.ShardCount, 1, 1<<31-1)
	onDemand := false
	if md := req.StreamModeDetails; md != nil {
		if v.required("streamModeDetails.streamMode", md.StreamMode != nil) {
			v.enum("streamModeDetails.streamMode", md.StreamMode, "PROVISIONED", "ON_DEMAND")
			onDemand = *md.StreamMode == "ON_DEMAND"
		}
	}
	checkTags(&v, "tags", req.Tags)
	if err := v.err(); err != nil {
		return nil, err
	}
	name := *req.StreamName
	if len(req.Tags) > maxTagsPerStream {
		return nil, invalidArg("Tags: a stream may have at most %d tags, the request has %d.", maxTagsPerStream, len(req.Tags))
	}
	count := onDemandShards
	switch {
	case req.ShardCount != nil:
		count = int(*req.ShardCount)
	case !onDemand:
		return nil, invalidArg("ShardCount is required for a stream in PROVISIONED mode.")
	}
	if count > a.opts.MaxShards {
		return nil, limitExceeded(name, count, a.opts.MaxShards)
	}
	if err := a.authorize(c, access.Write, name); err != nil {
		return nil, err
	}
	info := stream.Info{
		Name:      name,
		Created:   a.opts.Now(),
		Retention: defaultRetention,
		OnDemand:  onDemand,
		Status:    "ACTIVE", // nothing to provision: a stream is usable at once
		Shards:    newShards(count, 0, 1, nil),
		Tags:      req.Tags,
	}
	if err := a.store.Create(c.Ctx, info); err != nil {
		return nil, storeErr(err, name)
	}
	return struct{}{}, nil
}

func limitExceeded(name string, want, limit int) error {
	return clientErr("LimitExceededException",
		"This request would give stream %s under account %s %d open shards; the limit is %d.", name, account, want, limit)
}

func (a *API) deleteStream(c *call) (any, error) {
	var req struct {
		streamRef
		EnforceConsumerDeletion *bool // tarn has no registered consumers to delete
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	var v validation
	name := req.resolve(&v)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := a.authorize(c, access.Write, name); err != nil {
		return nil, err
	}
	if err := a.store.Delete(c.Ctx, name); err != nil {
		return nil, storeErr(err, name)
	}
	a.limits.forget(name)
	a.recSize.Delete(name)
	return struct{}{}, nil
}

type streamDescription struct {
	StreamName              string
	StreamARN               string
	StreamStatus            string
	StreamModeDetails       modeDetails
	Shards                  []shardOut
	HasMoreShards           bool
	RetentionPeriodHours    int
	StreamCreationTimestamp awsapi.Timestamp
	EnhancedMonitoring      []enhancedMonitoring
	EncryptionType          string
}

func (a *API) describeStream(c *call) (any, error) {
	var req struct {
		streamRef
		Limit                 *int64
		ExclusiveStartShardId *string
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	var v validation
	name := req.resolve(&v)
	v.between("limit", req.Limit, 1, 10000)
	v.name("exclusiveStartShardId", req.ExclusiveStartShardId, false)
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
	shards, err := a.liveShards(c, info)
	if err != nil {
		return nil, err
	}
	if req.ExclusiveStartShardId != nil {
		shards = after(shards, *req.ExclusiveStartShardId)
	}
	limit := 100
	if req.Limit != nil {
		limit = int(*req.Limit)
	}
	more := len(shards) > limit
	if more {
		shards = shards[:limit]
	}
	return struct{ StreamDescription streamDescription }{streamDescription{
		StreamName:              name,
		StreamARN:               a.arn(name),
		StreamStatus:            info.Status,
		StreamModeDetails:       mode(info),
		Shards:                  describeShards(shards),
		HasMoreShards:           more,
		RetentionPeriodHours:    int(info.Retention / time.Hour),
		StreamCreationTimestamp: awsapi.Timestamp(info.Created),
		EnhancedMonitoring:      noMonitoring(),
		EncryptionType:          "NONE",
	}}, nil
}

func (a *API) describeStreamSummary(c *call) (any, error) {
	var req struct{ streamRef }
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	var v validation
	name := req.resolve(&v)
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
	open := 0
	for _, sh := range info.Shards {
		if sh.Open() {
			open++
		}
	}
	type summary struct {
		StreamName              string
		StreamARN               string
		StreamStatus            string
		StreamModeDetails       modeDetails
		RetentionPeriodHours    int
		StreamCreationTimestamp awsapi.Timestamp
		EnhancedMonitoring      []enhancedMonitoring
		EncryptionType          string
		OpenShardCount          int
		ConsumerCount           int
	}
	return struct{ StreamDescriptionSummary summary }{summary{
		StreamName:              name,
		StreamARN:               a.arn(name),
		StreamStatus:            info.Status,
		StreamModeDetails:       mode(info),
		RetentionPeriodHours:    int(info.Retention / time.Hour),
		StreamCreationTimestamp: awsapi.Timestamp(info.Created),
		EnhancedMonitoring:      noMonitoring(),
		EncryptionType:          "NONE",
		OpenShardCount:          open,
	}}, nil
}

func (a *API) listStreams(c *call) (any, error) {
	var req struct {
		Limit                    *int64
		ExclusiveStartStreamName *string
		NextToken                *string
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	var v validation
	v.between("limit", req.Limit, 1, 10000)
	v.name("exclusiveStartStreamName", req.ExclusiveStartStreamName, false)
	if req.NextToken != nil {
		v.length("nextToken", req.NextToken, 1, 1048576)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	start := ""
	if req.ExclusiveStartStreamName != nil {
		start = *req.ExclusiveStartStreamName
	}
	if req.NextToken != nil {
		b, err := base64.RawURLEncoding.DecodeString(*req.NextToken)
		if err != nil || !validName(string(b)) {
			return nil, invalidArg("Invalid NextToken.")
		}
		start = string(b)
	}
	limit := 100
	if req.Limit != nil {
		limit = int(*req.Limit)
	}
	names, err := a.store.List(c.Ctx)
	if err != nil {
		return nil, fmt.Errorf("list streams: %w", err)
	}
	sort.Strings(names)
	type summary struct {
		StreamName              string
		StreamARN               string
		StreamStatus            string
		StreamModeDetails       modeDetails
		StreamCreationTimestamp awsapi.Timestamp
	}
	res := struct {
		StreamNames     []string
		HasMoreStreams  bool
		NextToken       string `json:",omitempty"`
		StreamSummaries []summary
	}{StreamNames: []string{}, StreamSummaries: []summary{}}
	for _, name := range names {
		if name <= start || c.Caller != nil && !c.Caller.Allowed(access.Read, access.Stream(name)) {
			continue
		}
		if len(res.StreamNames) == limit {
			res.HasMoreStreams = true
			res.NextToken = base64.RawURLEncoding.EncodeToString([]byte(res.StreamNames[limit-1]))
			break
		}
		info, err := a.store.Info(c.Ctx, name)
		if err != nil {
			continue // deleted since List
		}
		res.StreamNames = append(res.StreamNames, name)
		res.StreamSummaries = append(res.StreamSummaries, summary{
			StreamName:              name,
			StreamARN:               a.arn(name),
			StreamStatus:            info.Status,
			StreamModeDetails:       mode(info),
			StreamCreationTimestamp: awsapi.Timestamp(info.Created),
		})
	}
	return res, nil
}

func (a *API) increaseRetention(c *call) (any, error) { return a.setRetention(c, true) }
func (a *API) decreaseRetention(c *call) (any, error) { return a.setRetention(c, false) }

func (a *API) setRetention(c *call, increase bool) (any, error) {
	var req struct {
		streamRef
		RetentionPeriodHours *int64
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	var v validation
	name := req.resolve(&v)
	if v.required("retentionPeriodHours", req.RetentionPeriodHours != nil) {
		v.between("retentionPeriodHours", req.RetentionPeriodHours, 1, 1<<31-1)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	hours := *req.RetentionPeriodHours
	switch {
	case hours < minRetention:
		return nil, invalidArg("Minimum allowed retention period is %d hours. Requested retention period (%d hours) is too short.", minRetention, hours)
	case hours > maxRetention:
		return nil, invalidArg("Maximum allowed retention period is %d hours. Requested retention period (%d hours) is too long.", maxRetention, hours)
	}
	if err := a.authorize(c, access.Write, name); err != nil {
		return nil, err
	}
	want := time.Duration(hours) * time.Hour
	_, err := a.store.UpdateInfo(c.Ctx, name, func(info *stream.Info) error {
		cur := int64(info.Retention / time.Hour)
		if increase && want < info.Retention {
			return invalidArg("Requested retention period (%d hours) for stream %s can not be shorter than existing retention period (%d hours). Use DecreaseRetentionPeriod API.", hours, name, cur)
		}
		if !increase && want > info.Retention {
			return invalidArg("Requested retention period (%d hours) for stream %s can not be longer than existing retention period (%d hours). Use IncreaseRetentionPeriod API.", hours, name, cur)
		}
		info.Retention = want
		return nil
	})
	if err != nil {
		return nil, storeErr(err, name)
	}
	return struct{}{}, nil
}
