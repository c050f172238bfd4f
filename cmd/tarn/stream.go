package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

const streamUsage = `Usage:
  tarn stream put STREAM [--partition-key KEY] [flags] < lines
  tarn stream tail STREAM [--from trim_horizon|latest] [--follow] [--raw] [flags]
  tarn stream clicks STREAM [--records N] [--rate N] [--users N] [flags]

put sends each line of standard input as one record (batches of 500), with
the given partition key or, without one, a key per line so records spread
over the shards; it reports progress on standard error as it goes.
tail prints the records of every shard: shard, sequence number, partition
key and data (or only the data with --raw), and with --follow keeps waiting
for new ones.
clicks puts made-up click events, the reference example's, as JSON:
{"event_id": "…", "user_id": 1…N, "url": "/p/…", "ts": "2026-12-07T10:00:00.123Z"}
keyed by user, --records of them (0: until interrupted), at most --rate a
second (0: as fast as the stream takes them).

Examples:
  seq 1 100000 | tarn stream put clicks
  tarn stream tail clicks --from latest --follow --raw
  tarn stream clicks clicks --records 100000
  tarn stream clicks clicks --records 0 --rate 200
`

func streamCmd(ctx context.Context, args []string, con console) error {
	cmd, err := subcommand("stream", streamUsage, args, con, "put", "tail", "clicks")
	if err != nil {
		return err
	}
	fs := newCommand("stream "+cmd, streamUsage, con)
	var cf clientFlags
	cf.register(fs.FlagSet)
	key := fs.String("partition-key", "", "partition key of every record (put)")
	from := fs.String("from", "trim_horizon", "where tail starts: trim_horizon or latest")
	follow := fs.Bool("follow", false, "tail: keep waiting for new records")
	raw := fs.Bool("raw", false, "tail: print only each record's data")
	records := fs.Int("records", 100000, "clicks: events to put (0: until interrupted)")
	rate := fs.Int("rate", 0, "clicks: events a second at most (0: no limit)")
	users := fs.Int("users", 500, "clicks: user ids run from 1 to this")
	pos, err := fs.parse(args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fs.usageErr("name one stream")
	}
	if *from != "trim_horizon" && *from != "latest" {
		return fs.usageErr("--from %q: want trim_horizon or latest", *from)
	}
	cfg, err := cf.awsConfig()
	if err != nil {
		return err
	}
	s := kinesisStream{c: kinesis.NewFromConfig(cfg), name: pos[0], at: cf.remote()}
	switch cmd {
	case "put":
		return s.put(ctx, *key, con.in, con.err)
	case "clicks":
		if *records < 0 || *rate < 0 || *users < 1 {
			return fs.usageErr("--records and --rate must not be negative, --users must be at least 1")
		}
		return s.clicks(ctx, *records, *rate, *users, con.err)
	}
	it := types.ShardIteratorTypeTrimHorizon
	if *from == "latest" {
		it = types.ShardIteratorTypeLatest
	}
	return s.tail(ctx, it, *follow, *raw, con.out)
}

// kinesisStream is a stream of a running tarn, through its Kinesis API.
type kinesisStream struct {
	c    *kinesis.Client
	name string
	at   remote
}

// explain rewrites an error of doing what with the stream.
func (s kinesisStream) explain(what string, err error) error {
	if code, _, _ := apiErr(err); code == "ResourceNotFoundException" {
		return fmt.Errorf("stream %s does not exist at %s: create it with "+
			"`aws kinesis create-stream --stream-name %s --shard-count 1 --endpoint-url %s`", s.name, s.at.url, s.name, s.at.url)
	}
	return s.at.explain(what+" stream "+s.name, err)
}

func (s kinesisStream) put(ctx context.Context, key string, in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var batch []types.PutRecordsRequestEntry
	p := s.newPutter(out)
	for n := 0; sc.Scan(); n++ {
		k := key
		if k == "" {
			k = strconv.Itoa(n)
		}
		batch = append(batch, types.PutRecordsRequestEntry{Data: append([]byte(nil), sc.Bytes()...), PartitionKey: aws.String(k)})
		if len(batch) == 500 {
			if err := p.put(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read standard input: %w", err)
	}
	if err := p.put(ctx, batch); err != nil {
		return err
	}
	return p.done()
}

// putter puts batches of records, retrying those a throttled stream
// refuses, and shows how far it got.
type putter struct {
	s            kinesisStream
	sent, failed int
	start        time.Time
	prog         *progress
}

func (s kinesisStream) newPutter(out io.Writer) *putter {
	return &putter{s: s, start: time.Now(), prog: newProgress(out)}
}

func (p *putter) rate() string {
	return fmt.Sprintf("put %s in %.1fs (%.0f/s)", plural(p.sent, "record"), time.Since(p.start).Seconds(), float64(p.sent)/time.Since(p.start).Seconds())
}

func (p *putter) put(ctx context.Context, batch []types.PutRecordsRequestEntry) error {
	for attempt := 0; len(batch) > 0; attempt++ {
		out, err := p.s.c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: &p.s.name, Records: batch})
		if err != nil {
			return p.s.explain("put records to", err)
		}
		var retry []types.PutRecordsRequestEntry
		for i, r := range out.Records {
			if r.ErrorCode != nil {
				retry = append(retry, batch[i])
			}
		}
		p.sent += len(batch) - len(retry)
		if len(retry) > 0 && attempt == 5 {
			p.failed += len(retry)
			break
		}
		batch = retry
		if len(retry) > 0 {
			time.Sleep(time.Duration(100<<attempt) * time.Millisecond) // throttled: back off
		}
	}
	p.prog.update(p.rate())
	return nil
}

func (p *putter) done() error {
	p.prog.done(p.rate())
	if p.failed > 0 {
		return fmt.Errorf("stream %s refused %s after 5 retries (throttled: its shards' write limits, "+
			"streams.shard_records_per_sec and shard_bytes_per_sec)", p.s.name, plural(p.failed, "record"))
	}
	return nil
}

func (s kinesisStream) tail(ctx context.Context, from types.ShardIteratorType, follow, raw bool, out io.Writer) error {
	c, name := s.c, s.name
	shards, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: &name})
	if err != nil {
		return s.explain("read", err)
	}
	listed := map[string]bool{}
	for _, sh := range shards.Shards {
		listed[aws.ToString(sh.ShardId)] = true
	}
	iters := map[string]*string{}
	for _, sh := range shards.Shards {
		if listed[aws.ToString(sh.ParentShardId)] || listed[aws.ToString(sh.AdjacentParentShardId)] {
			continue // started once its parents are read to their end
		}
		it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: &name, ShardId: sh.ShardId, ShardIteratorType: from})
		if err != nil {
			return s.explain("read", err)
		}
		iters[aws.ToString(sh.ShardId)] = it.ShardIterator
	}
	w := bufio.NewWriter(out)
	defer w.Flush()
	enc := json.NewEncoder(w)
	done := map[string]bool{}
	for len(iters) > 0 {
		got := 0
		for shard, it := range iters {
			res, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it})
			if err != nil {
				return s.explain("read", err)
			}
			for _, r := range res.Records {
				got++
				if raw {
					w.Write(r.Data)
					w.WriteByte('\n')
					continue
				}
				enc.Encode(map[string]any{"shard": shard, "sequence": aws.ToString(r.SequenceNumber),
					"key": aws.ToString(r.PartitionKey), "arrival": r.ApproximateArrivalTimestamp, "data": string(r.Data)})
			}
			if res.NextShardIterator == nil {
				// A closed shard read to its end: go on with its children,
				// from their start, so each key's records stay in order.
				delete(iters, shard)
				done[shard] = true
				for _, child := range res.ChildShards {
					id := aws.ToString(child.ShardId)
					if _, ok := iters[id]; ok || !allDone(done, child.ParentShards) {
						continue // wait for its other parent too
					}
					it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: &name, ShardId: child.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
					if err != nil {
						return s.explain("read", err)
					}
					iters[id] = it.ShardIterator
				}
				continue
			}
			iters[shard] = res.NextShardIterator
		}
		if got == 0 {
			if !follow {
				return nil
			}
			w.Flush()
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	return nil
}

func allDone(done map[string]bool, shards []string) bool {
	for _, s := range shards {
		if !done[s] {
			return false
		}
	}
	return true
}
