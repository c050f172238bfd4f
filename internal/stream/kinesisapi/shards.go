package kinesisapi

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/stream"
)

func shardID(i int) string { return fmt.Sprintf("shardId-%012d", i) }

// canonicalShard turns the shard ids Kinesis accepts ("shardId-000000000001",
// "shardId-1", "shard-1", "1": the number after the last hyphen) into the
// canonical form.
func canonicalShard(id string) (string, bool) {
	num := id[strings.LastIndexByte(id, '-')+1:]
	if num == "" || len(num) > 12 {
		return "", false
	}
	n, err := strconv.ParseUint(num, 10, 31)
	if err != nil {
		return "", false
	}
	return shardID(int(n)), true
}

func findShard(info stream.Info, id string) (stream.Shard, bool) {
	id, ok := canonicalShard(id)
	if !ok {
		return stream.Shard{}, false
	}
	for _, sh := range info.Shards {
		if sh.ID == id {
			return sh, true
		}
	}
	return stream.Shard{}, false
}

// nextShardIndex is the number the next new shard gets: ids are never reused.
func nextShardIndex(info stream.Info) int {
	next := 0
	for _, sh := range info.Shards {
		if n, err := strconv.Atoi(strings.TrimPrefix(sh.ID, "shardId-")); err == nil && n >= next {
			next = n + 1
		}
	}
	return next
}

// newShards makes count shards numbered from first that split the hash key
// space evenly, each starting at sequence number start.
func newShards(count, first int, start uint64, ranges []hashRange) []stream.Shard {
	if ranges == nil {
		ranges = evenRanges(count)
	}
	out := make([]stream.Shard, len(ranges))
	for i, r := range ranges {
		out[i] = stream.Shard{
			ID:        shardID(first + i),
			HashStart: r.start.String(),
			HashEnd:   r.end.String(),
			StartSeq:  start,
		}
	}
	return out
}

type shardOut struct {
	ShardId               string
	ParentShardId         string `json:",omitempty"`
	AdjacentParentShardId string `json:",omitempty"`
	HashKeyRange          hashKeyRange
	SequenceNumberRange   struct {
		StartingSequenceNumber string
		EndingSequenceNumber   string `json:",omitempty"`
	}
}

type hashKeyRange struct {
	StartingHashKey string
	EndingHashKey   string
}

func describeShards(shards []stream.Shard) []shardOut {
	out := make([]shardOut, len(shards))
	for i, sh := range shards {
		o := &out[i]
		o.ShardId, o.ParentShardId, o.AdjacentParentShardId = sh.ID, sh.Parent, sh.AdjacentParent
		o.HashKeyRange = hashKeyRange{sh.HashStart, sh.HashEnd}
		o.SequenceNumberRange.StartingSequenceNumber = formatSeq(sh.StartSeq)
		if !sh.Open() {
			o.SequenceNumberRange.EndingSequenceNumber = formatSeq(sh.EndSeq)
		}
	}
	return out
}

// horizonSeq is the first sequence number still within retention.
func (a *API) horizonSeq(c *call, info stream.Info) (uint64, error) {
	seq, err := a.store.SeqAt(c.Ctx, info.Name, a.opts.Now().Add(-info.Retention))
	return seq, storeErr(err, info.Name)
}

// liveShards leaves out closed shards whose every record is past
// retention, as Kinesis stops listing them.
func (a *API) liveShards(c *call, info stream.Info) ([]stream.Shard, error) {
	if !slices.ContainsFunc(info.Shards, func(sh stream.Shard) bool { return !sh.Open() }) {
		return slices.Clone(info.Shards), nil
	}
	h, err := a.horizonSeq(c, info)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(slices.Clone(info.Shards), func(sh stream.Shard) bool {
		return !sh.Open() && sh.EndSeq < h
	}), nil
}

// after keeps the shards whose id follows id; ids are fixed width, so
// they order as strings.
func after(shards []stream.Shard, id string) []stream.Shard {
	if c, ok := canonicalShard(id); ok {
		id = c
	}
	var out []stream.Shard
	for _, sh := range shards {
		if sh.ID > id {
			out = append(out, sh)
		}
	}
	return out
}

type shardFilter struct {
	Type      *string
	ShardId   *string  `json:",omitempty"`
	Timestamp *float64 `json:",omitempty"`
}

// listToken is what ListShards' NextToken carries, base64url-encoded JSON.
type listToken struct {
	Stream string
	After  string
	Filter *shardFilter `json:",omitempty"`
}

func (a *API) listShards(c *call) (any, error) {
	var req struct {
		streamRef
		NextToken               *string
		ExclusiveStartShardId   *string
		MaxResults              *int64
		StreamCreationTimestamp *float64
		ShardFilter             *shardFilter
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	var v validation
	v.between("maxResults", req.MaxResults, 1, 10000)
	v.name("exclusiveStartShardId", req.ExclusiveStartShardId, false)
	if req.NextToken != nil {
		v.length("nextToken", req.NextToken, 1, 1048576)
	}
	if f := req.ShardFilter; f != nil {
		if v.required("shardFilter.type", f.Type != nil) {
			v.enum("shardFilter.type", f.Type, "AFTER_SHARD_ID", "AT_TRIM_HORIZON", "FROM_TRIM_HORIZON", "AT_LATEST", "AT_TIMESTAMP", "FROM_TIMESTAMP")
		}
		v.name("shardFilter.shardId", f.ShardId, false)
	}
	hasStream := req.StreamName != nil || req.StreamARN != nil
	var tok listToken
	switch {
	case req.NextToken != nil && hasStream:
		return nil, invalidArg("NextToken and StreamName cannot be provided together.")
	case req.NextToken != nil && (req.ExclusiveStartShardId != nil || req.ShardFilter != nil):
		return nil, invalidArg("NextToken cannot be provided together with ExclusiveStartShardId or ShardFilter.")
	case req.NextToken != nil:
		b, err := base64.RawURLEncoding.DecodeString(*req.NextToken)
		if err != nil || json.Unmarshal(b, &tok) != nil || !validName(tok.Stream) {
			return nil, invalidArg("Invalid NextToken.")
		}
	case !hasStream:
		return nil, invalidArg("Either NextToken or StreamName should be provided.")
	default:
		tok.Stream = req.resolve(&v)
		tok.Filter = req.ShardFilter
		if req.ExclusiveStartShardId != nil {
			tok.After = *req.ExclusiveStartShardId
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	name := tok.Stream
	if err := a.authorize(c, access.Read, name); err != nil {
		return nil, err
	}
	info, err := a.store.Info(c.Ctx, name)
	if err != nil {
		return nil, storeErr(err, name)
	}
	shards, err := a.filterShards(c, info, tok.Filter)
	if err != nil {
		return nil, err
	}
	if tok.After != "" {
		shards = after(shards, tok.After)
	}
	limit := 1000
	if req.MaxResults != nil {
		limit = int(*req.MaxResults)
	}
	res := struct {
		Shards    []shardOut
		NextToken string `json:",omitempty"`
	}{}
	if len(shards) > limit {
		shards = shards[:limit]
		tok.After = shards[limit-1].ID
		b, _ := json.Marshal(tok)
		res.NextToken = base64.RawURLEncoding.EncodeToString(b)
	}
	res.Shards = describeShards(shards)
	return res, nil
}

// filterShards applies a ListShards ShardFilter. Times are mapped to
// sequence numbers: a shard was open at time t if the first record at or
// after t falls into its sequence number range.
func (a *API) filterShards(c *call, info stream.Info, f *shardFilter) ([]stream.Shard, error) {
	live, err := a.liveShards(c, info)
	if err != nil || f == nil || f.Type == nil {
		return live, err
	}
	openAt := func(seq uint64) []stream.Shard {
		var out []stream.Shard
		for _, sh := range live {
			if sh.StartSeq <= seq && (sh.Open() || sh.EndSeq >= seq) {
				out = append(out, sh)
			}
		}
		return out
	}
	seqAt := func() (uint64, error) {
		if f.Timestamp == nil {
			return 0, invalidArg("ShardFilter.Timestamp is required for ShardFilter.Type %s.", *f.Type)
		}
		t, ok := epochTime(*f.Timestamp)
		if !ok {
			return 0, invalidArg("ShardFilter.Timestamp %v is not a valid time.", *f.Timestamp)
		}
		seq, err := a.store.SeqAt(c.Ctx, info.Name, t)
		return seq, storeErr(err, info.Name)
	}
	switch *f.Type {
	case "AT_LATEST":
		return slices.DeleteFunc(live, func(sh stream.Shard) bool { return !sh.Open() }), nil
	case "AT_TRIM_HORIZON":
		h, err := a.horizonSeq(c, info)
		if err != nil {
			return nil, err
		}
		return openAt(h), nil
	case "AFTER_SHARD_ID":
		if f.ShardId == nil {
			return nil, invalidArg("ShardFilter.ShardId is required for ShardFilter.Type AFTER_SHARD_ID.")
		}
		return after(live, *f.ShardId), nil
	case "AT_TIMESTAMP":
		seq, err := seqAt()
		if err != nil {
			return nil, err
		}
		return openAt(seq), nil
	case "FROM_TIMESTAMP":
		seq, err := seqAt()
		if err != nil {
			return nil, err
		}
		return slices.DeleteFunc(live, func(sh stream.Shard) bool { return !sh.Open() && sh.EndSeq < seq }), nil
	}
	return live, nil // FROM_TRIM_HORIZON
}
