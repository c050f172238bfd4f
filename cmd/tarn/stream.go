package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

const streamUsage = `Usage:
  tarn stream put STREAM [--partition-key KEY] [flags] < lines
  tarn stream tail STREAM [--from trim_horizon|latest] [--follow] [--raw] [flags]

put sends each line of standard input as one record (batches of 500), with
the given partition key or, without one, a key per line so records spread
over the shards; it prints the rate on standard error as it goes.
tail prints the records of every shard: shard, sequence number, partition
key and data (or only the data with --raw), and with --follow keeps waiting
for new ones.

Examples:
  seq 1 100000 | tarn stream put clicks
  tarn stream tail clicks --from latest --follow --raw

Flags:
`

func streamCmd(ctx context.Context, args []string) error {
	if len(args) < 2 || args[0] != "put" && args[0] != "tail" {
		fmt.Fprint(os.Stderr, streamUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return errors.New("stream: want put or tail and a stream name")
	}
	cmd, name := args[0], args[1]
	fs := flag.NewFlagSet("stream "+cmd, flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), streamUsage); fs.PrintDefaults() }
	var cf clientFlags
	cf.register(fs)
	key := fs.String("partition-key", "", "partition key of every record (put)")
	from := fs.String("from", "trim_horizon", "where tail starts: trim_horizon or latest")
	follow := fs.Bool("follow", false, "tail: keep waiting for new records")
	raw := fs.Bool("raw", false, "tail: print only each record's data")
	if err := fs.Parse(args[2:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	cfg, err := cf.awsConfig()
	if err != nil {
		return err
	}
	c := kinesis.NewFromConfig(cfg)
	if cmd == "put" {
		return streamPut(ctx, c, name, *key, os.Stdin, os.Stderr)
	}
	it := types.ShardIteratorTypeTrimHorizon
	if *from == "latest" {
		it = types.ShardIteratorTypeLatest
	}
	return streamTail(ctx, c, name, it, *follow, *raw, os.Stdout)
}

func streamPut(ctx context.Context, c *kinesis.Client, name, key string, in io.Reader, progress io.Writer) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var batch []types.PutRecordsRequestEntry
	var sent, failed int
	start, last := time.Now(), time.Now()
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		for attempt := 0; len(batch) > 0; attempt++ {
			out, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: &name, Records: batch})
			if err != nil {
				return err
			}
			var retry []types.PutRecordsRequestEntry
			for i, r := range out.Records {
				if r.ErrorCode != nil {
					retry = append(retry, batch[i])
				}
			}
			sent += len(batch) - len(retry)
			if len(retry) > 0 && attempt == 5 {
				failed += len(retry)
				break
			}
			batch = retry
			if len(retry) > 0 {
				time.Sleep(time.Duration(100<<attempt) * time.Millisecond) // throttled: back off
			}
		}
		batch = batch[:0]
		if time.Since(last) > time.Second {
			last = time.Now()
			fmt.Fprintf(progress, "\rput %d records (%.0f/s)", sent, float64(sent)/time.Since(start).Seconds())
		}
		return nil
	}
	for n := 0; sc.Scan(); n++ {
		k := key
		if k == "" {
			k = strconv.Itoa(n)
		}
		batch = append(batch, types.PutRecordsRequestEntry{Data: append([]byte(nil), sc.Bytes()...), PartitionKey: aws.String(k)})
		if len(batch) == 500 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	fmt.Fprintf(progress, "\rput %d records in %.1fs (%.0f/s)\n", sent, time.Since(start).Seconds(), float64(sent)/time.Since(start).Seconds())
	if failed > 0 {
		return fmt.Errorf("%d records were refused after retries", failed)
	}
	return nil
}

func streamTail(ctx context.Context, c *kinesis.Client, name string, from types.ShardIteratorType, follow, raw bool, out io.Writer) error {
	shards, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: &name})
	if err != nil {
		return err
	}
	listed := map[string]bool{}
	for _, s := range shards.Shards {
		listed[aws.ToString(s.ShardId)] = true
	}
	iters := map[string]*string{}
	for _, s := range shards.Shards {
		if listed[aws.ToString(s.ParentShardId)] || listed[aws.ToString(s.AdjacentParentShardId)] {
			continue // started once its parents are read to their end
		}
		it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: &name, ShardId: s.ShardId, ShardIteratorType: from})
		if err != nil {
			return err
		}
		iters[aws.ToString(s.ShardId)] = it.ShardIterator
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
				return err
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
						return err
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
