package delivery

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sort"
	"time"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/delivery/prefix"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/stream"
)

// item is a record on its way through a buffer.
type item struct {
	rec        stream.Record
	data       []byte
	queryKeys  map[string]string
	lambdaKeys map[string]string
}

// failure is a record that goes under the error prefix.
type failure struct {
	kind      string // the error output type: processing-failed, …
	code      string
	message   string
	rec       stream.Record
	data      []byte // what failed: the record, or the function's output
	lambdaARN string
}

// maxPartitions bounds a buffer's active partitions, as Firehose's 500;
// records of further partitions go to the error prefix.
const maxPartitions = 500

// Error output types tarn adds where Firehose names none.
const partitioningFailed = "partitioning-failed"

// write delivers one buffer: the same records always make the same
// objects under the same names, so writing again after a crash replaces
// rather than adds.
func (w *worker) write(ctx context.Context, recs []stream.Record, sp span) error {
	d := w.cfg.S3
	dynamic := d.Partitioning != nil && d.Partitioning.Enabled
	layout, err := prefix.Compile(d.Prefix, d.ErrorOutputPrefix, dynamic)
	if err != nil {
		return err
	}
	loc := time.UTC
	if d.CustomTimeZone != "" {
		if loc, err = prefix.LoadZone(d.CustomTimeZone); err != nil {
			return err
		}
	}
	bucket, _ := Bucket(d.BucketARN)
	role, err := w.s.roleKey(d.RoleARN)
	if err != nil {
		return err
	}
	if !role.Allowed(access.Write, access.Bucket(bucket)) {
		return fmt.Errorf("role %s may no longer write bucket %s", d.RoleARN, bucket)
	}
	items := make([]item, len(recs))
	for i, r := range recs {
		items[i] = item{rec: r, data: r.Data}
	}
	var fails []failure
	if items, fails, err = w.process(ctx, items, role); err != nil {
		return err
	}
	at := oldest(recs).In(loc)
	seed := w.seed(sp)
	groups, order, bad := group(layout.Prefix, items, prefix.Input{At: at, Loc: loc, Random: newRandom(seed)})
	fails = append(fails, bad...)
	ext, err := prefix.Extension(d.Compression, d.Conversion.On(), d.FileExtension)
	if err != nil {
		return err
	}
	var tb catalog.Table // read once: every partition's object and the catalog's partitions use it
	if d.Conversion.On() {
		if tb, err = w.table(ctx); err != nil {
			return fmt.Errorf("table %s.%s: %w", d.Conversion.Schema.Database, d.Conversion.Schema.Table, err)
		}
	}
	var written []string
	for i, key := range order {
		body, bad, err := w.encode(groups[key], tb)
		if err != nil {
			return err
		}
		fails = append(fails, bad...)
		if body == nil {
			continue // every record failed
		}
		name := key + prefix.ObjectName("", w.cfg.Name, w.cfg.Version, at, objectID(seed, i), ext)
		if err := w.put(ctx, bucket, name, body); err != nil {
			return err
		}
		written = append(written, name)
	}
	if err := w.writeFailures(ctx, bucket, layout, at, loc, seed, fails); err != nil {
		return err
	}
	if err := w.addPartitions(ctx, bucket, tb, written); err != nil {
		return err
	}
	w.s.metrics.age.WithLabelValues(w.cfg.Name).Set(time.Since(oldest(recs)).Seconds())
	return nil
}

func (w *worker) put(ctx context.Context, bucket, key string, body []byte) error {
	_, err := w.s.opts.Lake.Put(ctx, bucket, key, bytes.NewReader(body), lake.PutOptions{Size: int64(len(body))})
	if err != nil {
		return fmt.Errorf("write s3://%s/%s: %w", bucket, key, err)
	}
	w.s.metrics.objects.WithLabelValues(w.cfg.Name).Inc()
	w.s.metrics.bytes.WithLabelValues(w.cfg.Name).Add(float64(len(body)))
	return nil
}

// group splits a buffer's items by the prefix each is written under: the
// prefix is evaluated once per partition (a !{firehose:random-string} is
// drawn once per object), and items whose keys do not make a prefix, or
// that would make more than maxPartitions, fail. The groups come in order
// of their prefixes, so that names do not depend on map order.
func group(t *prefix.Template, items []item, in prefix.Input) (map[string][]item, []string, []failure) {
	qk, lk := t.PartitionKeys()
	if len(qk) == 0 && len(lk) == 0 { // one prefix for all: no copies
		key, err := t.Eval(in)
		if err != nil {
			fails := make([]failure, len(items))
			for i, it := range items {
				fails[i] = partitionFailure(it, err)
			}
			return nil, nil, fails
		}
		return map[string][]item{key: items}, []string{key}, nil
	}
	// Items are told apart by their keys' values; each new combination is
	// evaluated once.
	var (
		fails  []failure
		ident  []byte
		byID   = map[string]int{}
		byKey  = map[string]int{}
		keys   []string // per group
		counts []int
		of     = make([]int, len(items)) // each item's group, or -1
	)
	for i, it := range items {
		ident = ident[:0]
		for _, k := range qk {
			ident = append(append(ident, it.queryKeys[k]...), 0)
		}
		for _, k := range lk {
			ident = append(append(ident, it.lambdaKeys[k]...), 0)
		}
		g, ok := byID[string(ident)]
		if !ok {
			in.QueryKeys, in.LambdaKeys = it.queryKeys, it.lambdaKeys
			key, err := t.Eval(in)
			if err == nil && len(keys) == maxPartitions {
				err = fmt.Errorf("more than %d active partitions in one buffer", maxPartitions)
			}
			if err != nil {
				of[i] = -1
				fails = append(fails, partitionFailure(it, err))
				continue
			}
			if g, ok = byKey[key]; !ok { // other keys may make the same prefix
				g = len(keys)
				byKey[key] = g
				keys, counts = append(keys, key), append(counts, 0)
			}
			byID[string(ident)] = g
		}
		of[i] = g
		counts[g]++
	}
	groups := make(map[string][]item, len(keys))
	for g, key := range keys {
		groups[key] = make([]item, 0, counts[g])
	}
	for i, it := range items {
		if g := of[i]; g >= 0 {
			groups[keys[g]] = append(groups[keys[g]], it)
		}
	}
	sort.Strings(keys)
	return groups, keys, fails
}

func partitionFailure(it item, err error) failure {
	return failure{kind: partitioningFailed, code: "DynamicPartitioning.PartitionKeyError", message: err.Error(), rec: it.rec, data: it.rec.Data}
}

// seed is what a buffer's names are made from: the delivery, its version
// and the records' positions.
func (w *worker) seed(sp span) [32]byte {
	var b []byte
	b = append(b, w.cfg.Name...)
	b = binary.BigEndian.AppendUint64(b, uint64(w.cfg.Version))
	b = binary.BigEndian.AppendUint64(b, sp.First)
	b = binary.BigEndian.AppendUint64(b, sp.Last)
	return sha256.Sum256(b)
}

// objectID is a UUID-shaped id of the i-th object of a buffer.
func objectID(seed [32]byte, i int) string {
	h := sha256.Sum256(binary.BigEndian.AppendUint64(seed[:], uint64(i)))
	x := hex.EncodeToString(h[:16])
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// newRandom makes the buffer's !{firehose:random-string} values: fresh for
// each use, the same when the buffer is written again.
func newRandom(seed [32]byte) func() string {
	n := uint64(0)
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	return func() string {
		n++
		h := sha256.Sum256(binary.BigEndian.AppendUint64(seed[:], 1<<62+n))
		out := make([]byte, 11)
		for i := range out {
			out[i] = alphabet[int(h[i])%len(alphabet)]
		}
		return string(out)
	}
}
