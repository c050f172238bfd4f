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
	rnd := newRandom(seed)
	groups := map[string][]item{}
	var order []string
	for _, it := range items {
		key, err := layout.Prefix.Eval(prefix.Input{At: at, Loc: loc, QueryKeys: it.queryKeys, LambdaKeys: it.lambdaKeys, Random: rnd})
		if err == nil && groups[key] == nil && len(groups) == maxPartitions {
			err = fmt.Errorf("more than %d active partitions in one buffer", maxPartitions)
		}
		if err != nil {
			fails = append(fails, failure{kind: partitioningFailed, code: "DynamicPartitioning.PartitionKeyError", message: err.Error(), rec: it.rec, data: it.rec.Data})
			continue
		}
		if groups[key] == nil {
			order = append(order, key)
		}
		groups[key] = append(groups[key], it)
	}
	sort.Strings(order) // names do not depend on map order
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
