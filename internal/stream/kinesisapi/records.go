package kinesisapi

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"time"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/stream"
)

// entry is one record of PutRecord or PutRecords on its way in.
type entry struct {
	rec  stream.Record
	hash *big.Int
	err  *recordErr // set when the record is refused
}

type recordErr struct{ code, msg string }

type putEntry struct {
	Data            *string
	PartitionKey    *string
	ExplicitHashKey *string
}

// check validates one record; prefix names it in messages ("" or
// "records.3.member.").
func (p putEntry) check(v *validation, prefix string) {
	v.required(prefix+"data", p.Data != nil)
	if v.required(prefix+"partitionKey", p.PartitionKey != nil) {
		v.length(prefix+"partitionKey", p.PartitionKey, 1, 256)
	}
}

// entry decodes a validated record, computing its hash key.
func (p putEntry) entry(field string) (entry, error) {
	data, err := blob(field+"Data", *p.Data)
	if err != nil {
		return entry{}, err
	}
	if len(data) > maxRecord {
		return entry{}, clientErr("ValidationException", "1 validation error detected: Value at '%sdata' failed to satisfy constraint: "+
			"Member must have length less than or equal to %d (1 MiB)", field, maxRecord)
	}
	if n := len(data) + len(*p.PartitionKey); n > maxRecord {
		return entry{}, invalidArg("%sRecord size %d bytes (data plus partition key) exceeds the 1 MiB limit.", field, n)
	}
	e := entry{rec: stream.Record{PartitionKey: *p.PartitionKey, Data: data}}
	if p.ExplicitHashKey != nil {
		k, ok := parseHashKey(*p.ExplicitHashKey)
		if !ok {
			return entry{}, invalidArg("Invalid %sExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was %s",
				field, *p.ExplicitHashKey)
		}
		e.hash = k
	} else {
		e.hash = partitionHash(*p.PartitionKey)
	}
	return e, nil
}

func (a *API) putRecord(c *call) (any, error) {
	var req struct {
		streamRef
		putEntry
		SequenceNumberForOrdering *string // Seq always grows; nothing to order by
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	var v validation
	name := req.resolve(&v)
	req.check(&v, "")
	if err := v.err(); err != nil {
		return nil, err
	}
	e, err := req.entry("")
	if err != nil {
		return nil, err
	}
	if err := a.authorize(c, access.Write, name); err != nil {
		return nil, err
	}
	entries := []entry{e}
	if err := a.put(c, name, entries, true); err != nil {
		return nil, err
	}
	if e := entries[0]; e.err != nil {
		return nil, clientErr(e.err.code, "%s", e.err.msg)
	}
	return struct {
		ShardId        string
		SequenceNumber string
		EncryptionType string
	}{entries[0].rec.Shard, formatSeq(entries[0].rec.Seq), "NONE"}, nil
}

func (a *API) putRecords(c *call) (any, error) {
	var req putRecordsReq
	if !scanPutRecords(c.Body, &req) {
		req = putRecordsReq{}
		if err := c.Decode(&req); err != nil {
			return nil, err
		}
	}
	var v validation
	name := req.resolve(&v)
	if v.required("records", req.Records != nil) {
		switch n := len(req.Records); {
		case n < 1:
			v.fail("records", "[]", "Member must have length greater than or equal to 1")
		case n > maxPutRecords:
			v.fail("records", fmt.Sprintf("[%d records]", n), fmt.Sprintf("Member must have length less than or equal to %d", maxPutRecords))
		}
	}
	for i, p := range req.Records {
		p.check(&v, "records."+strconv.Itoa(i+1)+".member.")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	entries := make([]entry, len(req.Records))
	total := 0
	for i, p := range req.Records {
		e, err := p.entry("records." + strconv.Itoa(i+1) + ".member.")
		if err != nil {
			return nil, err
		}
		entries[i] = e
		total += len(e.rec.Data) + len(e.rec.PartitionKey)
	}
	if total > maxPutBytes {
		return nil, invalidArg("Records size %d bytes exceeds the 5 MiB limit of a PutRecords request.", total)
	}
	if err := a.authorize(c, access.Write, name); err != nil {
		return nil, err
	}
	if err := a.put(c, name, entries, false); err != nil {
		return nil, err
	}
	type result struct {
		SequenceNumber string `json:",omitempty"`
		ShardId        string `json:",omitempty"`
		ErrorCode      string `json:",omitempty"`
		ErrorMessage   string `json:",omitempty"`
	}
	res := struct {
		FailedRecordCount int
		Records           []result
		EncryptionType    string
	}{Records: make([]result, len(entries)), EncryptionType: "NONE"}
	for i, e := range entries {
		if e.err != nil {
			res.FailedRecordCount++
			res.Records[i] = result{ErrorCode: e.err.code, ErrorMessage: e.err.msg}
			continue
		}
		res.Records[i] = result{SequenceNumber: formatSeq(e.rec.Seq), ShardId: e.rec.Shard}
	}
	return res, nil
}

// put routes entries to shards, applies the write limits and appends what
// passes, setting each entry's Shard and Seq or err. With all, one refused
// record fails the whole request, as PutRecord does.
//
// A reshard may close a shard between routing and appending; the record
// then lands beyond the shard's EndSeq, where readers never see it. So
// after appending, put reads the shards again (waiting out the reshard's
// UPDATING step, during which the closing Seq is being chosen) and appends
// such records once more to the shard that now holds their key. A record
// routed to a shard gone since (ErrNoSuchShard) is routed again too.
func (a *API) put(c *call, name string, entries []entry, all bool) error {
	info, err := a.store.Info(c.Ctx, name)
	if err != nil {
		return storeErr(err, name)
	}
	rt, err := newRouter(info)
	if err != nil {
		return err
	}
	pending := make([]int, 0, len(entries))
	for i := range entries {
		e := &entries[i]
		sh, err := rt.route(e.hash)
		if err != nil {
			return err
		}
		e.rec.Shard = sh.ID
		if !a.limits.take(name, sh.ID, 1, len(e.rec.Data)+len(e.rec.PartitionKey), a.opts.Now()) {
			e.err = &recordErr{"ProvisionedThroughputExceededException",
				fmt.Sprintf("Rate exceeded for shard %s in stream %s under account %s.", sh.ID, name, account)}
			if all {
				return clientErr(e.err.code, "%s", e.err.msg)
			}
			continue
		}
		pending = append(pending, i)
	}
	for attempt := 0; len(pending) > 0; attempt++ {
		if attempt == 3 {
			return fmt.Errorf("put to stream %s: records keep landing in closed or replaced shards", name)
		}
		recs := make([]stream.Record, len(pending))
		for j, i := range pending {
			recs[j] = entries[i].rec
		}
		seqs, err := a.store.Append(c.Ctx, name, recs)
		// A reshard of an empty stream replaces its shards: routed before,
		// the records are refused, all of them, and go again.
		replaced := errors.Is(err, stream.ErrNoSuchShard)
		if err != nil && !replaced {
			if errors.Is(err, stream.ErrNotFound) {
				return streamNotFound(name)
			}
			a.log.Warn("append failed", "stream", name, "records", len(recs), "err", err)
			for _, i := range pending {
				entries[i].err = &recordErr{"InternalFailure", "Internal service failure."}
			}
			if all {
				return err
			}
			return nil
		}
		for j, seq := range seqs { // none when replaced
			entries[pending[j]].rec.Seq = seq
		}
		if info, err = a.settled(c, name); err != nil {
			return err
		}
		if rt, err = newRouter(info); err != nil {
			return err
		}
		again := pending[:0]
		for _, i := range pending {
			e := &entries[i]
			if sh, ok := findShard(info, e.rec.Shard); ok && !replaced && (sh.Open() || e.rec.Seq <= sh.EndSeq) {
				continue
			}
			sh, err := rt.route(e.hash)
			if err != nil {
				return err
			}
			e.rec.Shard = sh.ID
			again = append(again, i)
		}
		pending = again
	}
	return nil
}

// settled returns the stream's Info once no reshard is half way, or after
// a while regardless: a reshard that died half way must not stop writes.
func (a *API) settled(c *call, name string) (stream.Info, error) {
	const poll, patience = 5 * time.Millisecond, 5 * time.Second
	for waited := time.Duration(0); ; waited += poll {
		info, err := a.store.Info(c.Ctx, name)
		if err != nil || info.Status != "UPDATING" || waited >= patience {
			return info, storeErr(err, name)
		}
		select {
		case <-time.After(poll):
		case <-c.Ctx.Done():
			return stream.Info{}, c.Ctx.Err()
		}
	}
}
