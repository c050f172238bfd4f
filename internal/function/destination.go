package function

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/stream"
)

// Destination is where failed events go: a tarn stream
// (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME) or a lake prefix
// (arn:aws:s3:::BUCKET or arn:aws:s3:::BUCKET/PREFIX).
type Destination struct {
	Stream         string
	Bucket, Prefix string
}

// ParseDestination reads a destination ARN.
func ParseDestination(arn string) (Destination, error) {
	switch {
	case strings.HasPrefix(arn, "arn:aws:kinesis:"):
		if _, name, ok := strings.Cut(arn, ":stream/"); ok && stream.ValidName(name) {
			return Destination{Stream: name}, nil
		}
	case strings.HasPrefix(arn, "arn:aws:s3:::"):
		bucket, prefix, _ := strings.Cut(strings.TrimPrefix(arn, "arn:aws:s3:::"), "/")
		if bucket != "" {
			if prefix != "" && !strings.HasSuffix(prefix, "/") {
				prefix += "/"
			}
			return Destination{Bucket: bucket, Prefix: prefix}, nil
		}
	}
	return Destination{}, fmt.Errorf("%w: destination %q is not a tarn stream (arn:aws:kinesis:REGION:%s:stream/NAME) or a lake prefix (arn:aws:s3:::BUCKET/PREFIX)", ErrInvalid, arn, Account)
}

// Resource is the grant a destination needs to be written.
func (d Destination) Resource() access.Resource {
	if d.Stream != "" {
		return access.Stream(d.Stream)
	}
	return access.Bucket(d.Bucket)
}

// Destinations writes failure records to the lake and to streams.
type Destinations struct {
	Lake    lake.Store
	Streams stream.Store
}

// Write puts one failure record where dest says: an object named by the
// function, the time and the request id under the prefix, or a record of
// the stream (partition key: the function's ARN).
func (ds Destinations) Write(ctx context.Context, dest string, rec FailureRecord) error {
	d, err := ParseDestination(dest)
	if err != nil {
		return err
	}
	body, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	fn, _ := rec.RequestContext["functionArn"].(string)
	id, _ := rec.RequestContext["requestId"].(string)
	if d.Stream != "" {
		info, err := ds.Streams.Info(ctx, d.Stream)
		if err != nil {
			return fmt.Errorf("on-failure destination %s: %w", dest, err)
		}
		for _, sh := range info.Shards {
			if sh.Open() {
				_, err = ds.Streams.Append(ctx, d.Stream, []stream.Record{{Shard: sh.ID, PartitionKey: fn, Data: body}})
				return err
			}
		}
		return fmt.Errorf("on-failure destination %s: no open shard", dest)
	}
	key := fmt.Sprintf("%s%s/%s-%s.json", d.Prefix, NameOf(fn), time.Now().UTC().Format("2006/01/02/150405.000"), id)
	_, err = ds.Lake.Put(ctx, d.Bucket, key, bytes.NewReader(body), lake.PutOptions{Size: int64(len(body)), ContentType: "application/json"})
	if err != nil {
		return fmt.Errorf("on-failure destination %s: %w", dest, err)
	}
	return nil
}
