// Package firehoseapi serves the Amazon Data Firehose API (JSON 1.1,
// Firehose_20150804.*) over tarn's deliveries: delivery streams, their
// destinations and tags, and records put directly. A call needs the grant
// its operation implies on the resource "firehose:<name>"; creating or
// changing a destination also needs write on its bucket.
package firehoseapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/delivery"
)

// API is the Firehose handler.
type API struct {
	svc *delivery.Service
	srv *awsapi.JSONServer
}

// Firehose's limits on records.
const (
	maxRecord     = 1000 << 10
	maxBatch      = 500
	maxBatchBytes = 4 << 20
	maxBody       = 8 << 20 // a full batch, base64-encoded
	account       = "000000000000"
)

// New serves svc.
func New(svc *delivery.Service, log *slog.Logger) *API {
	a := &API{svc: svc}
	a.srv = &awsapi.JSONServer{
		Service: "Firehose", MaxBody: maxBody, Internal: "ServiceUnavailableException", Log: log.With("component", "firehoseapi"),
		TooLarge: func(n int) error { return invalidArg("The request body is larger than %d bytes.", n) },
		BadBody:  func(err error) error { return clientErr("SerializationException", "%v", err) },
		Ops: map[string]func(*awsapi.Request) (any, error){
			"CreateDeliveryStream":      a.create,
			"DescribeDeliveryStream":    a.describe,
			"ListDeliveryStreams":       a.list,
			"DeleteDeliveryStream":      a.delete,
			"UpdateDestination":         a.updateDestination,
			"PutRecord":                 a.putRecord,
			"PutRecordBatch":            a.putRecordBatch,
			"TagDeliveryStream":         a.tag,
			"UntagDeliveryStream":       a.untag,
			"ListTagsForDeliveryStream": a.listTags,
		},
	}
	return a
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.srv.ServeHTTP(w, r) }

func clientErr(code, format string, args ...any) *awsapi.Error {
	return awsapi.Errorf(http.StatusBadRequest, code, format, args...)
}

func invalidArg(format string, args ...any) *awsapi.Error {
	return clientErr("InvalidArgumentException", format, args...)
}

// apiErr gives the service's errors Firehose's codes.
func apiErr(err error, name string) error {
	var ae *awsapi.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, delivery.ErrNotFound):
		return clientErr("ResourceNotFoundException", "Firehose %s not found under account %s.", name, account)
	case errors.Is(err, delivery.ErrExists):
		return clientErr("ResourceInUseException", "Firehose %s under accountId %s already exists", name, account)
	case errors.Is(err, delivery.ErrConcurrentUpdate):
		return clientErr("ConcurrentModificationException", "%s", strings.TrimPrefix(err.Error(), delivery.ErrConcurrentUpdate.Error()+": "))
	case errors.Is(err, delivery.ErrInvalid):
		return invalidArg("%s", strings.TrimPrefix(err.Error(), delivery.ErrInvalid.Error()+": "))
	}
	return err
}

// authorize checks the caller's grant on a delivery stream.
func authorize(r *awsapi.Request, act access.Action, name string) error {
	if r.Caller == nil || r.Caller.Allowed(act, access.Delivery(name)) {
		return nil
	}
	return clientErr("AccessDeniedException", "User: %s is not authorized to perform: firehose:%s on resource: arn:aws:firehose:us-east-1:%s:deliverystream/%s (grant %s on firehose:%s)",
		r.Caller.ID, r.Op, account, name, act, name)
}

// mayPassRole checks that a role gives the delivery no more than the
// caller has: a delivery reads and writes with its role's key, and a key
// other than root may only name itself.
func mayPassRole(r *awsapi.Request, roleARN string) error {
	if roleARN == "" || r.Caller == nil || r.Caller.Root {
		return nil
	}
	if name, ok := access.RoleName(roleARN); ok && name == r.Caller.Name {
		return nil
	}
	return clientErr("AccessDeniedException", "access key %s may not pass role %s: a delivery acts with its role's key, and a key may only give its own grants (use arn:aws:iam::%s:role/%s)",
		r.Caller.ID, roleARN, account, r.Caller.Name)
}

// mayWriteBucket checks the caller may write a destination's bucket.
func mayWriteBucket(r *awsapi.Request, bucketARN string) error {
	b, ok := delivery.Bucket(bucketARN)
	if !ok || r.Caller == nil || r.Caller.Allowed(access.Write, access.Bucket(b)) {
		return nil
	}
	return clientErr("AccessDeniedException", "access key %s may not write bucket %s, the destination", r.Caller.ID, b)
}

type createIn struct {
	DeliveryStreamName                 string
	DeliveryStreamType                 string
	KinesisStreamSourceConfiguration   *delivery.Source
	ExtendedS3DestinationConfiguration *delivery.ExtendedS3
	S3DestinationConfiguration         *delivery.ExtendedS3
	Tags                               []tag
}

type tag struct {
	Key   string
	Value string `json:",omitempty"`
}

func (a *API) create(r *awsapi.Request) (any, error) {
	var in createIn
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if err := authorize(r, access.Write, in.DeliveryStreamName); err != nil {
		return nil, err
	}
	dest := in.ExtendedS3DestinationConfiguration
	if dest == nil {
		dest = in.S3DestinationConfiguration
	}
	if dest == nil {
		return nil, invalidArg("tarn delivers to the lake: ExtendedS3DestinationConfiguration is required (other destinations have no tarn analogue)")
	}
	if err := mayWriteBucket(r, dest.BucketARN); err != nil {
		return nil, err
	}
	if err := mayPassRole(r, dest.RoleARN); err != nil {
		return nil, err
	}
	if src := in.KinesisStreamSourceConfiguration; src != nil {
		if err := mayPassRole(r, src.RoleARN); err != nil {
			return nil, err
		}
	}
	c := delivery.Config{Name: in.DeliveryStreamName, Type: in.DeliveryStreamType, Source: in.KinesisStreamSourceConfiguration, S3: *dest}
	if len(in.Tags) > 0 {
		c.Tags = map[string]string{}
		for _, t := range in.Tags {
			c.Tags[t.Key] = t.Value
		}
	}
	if r.Caller != nil {
		c.Owner = r.Caller.ID
	}
	out, err := a.svc.Create(r.Ctx, c)
	if err != nil {
		return nil, apiErr(err, in.DeliveryStreamName)
	}
	return map[string]string{"DeliveryStreamARN": a.svc.ARN(out.Name)}, nil
}

func (a *API) describe(r *awsapi.Request) (any, error) {
	var in struct{ DeliveryStreamName string }
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if err := authorize(r, access.Read, in.DeliveryStreamName); err != nil {
		return nil, err
	}
	c, err := a.svc.Get(r.Ctx, in.DeliveryStreamName)
	if err != nil {
		return nil, apiErr(err, in.DeliveryStreamName)
	}
	d := map[string]any{
		"DeliveryStreamName": c.Name, "DeliveryStreamARN": a.svc.ARN(c.Name), "DeliveryStreamStatus": c.Status,
		"DeliveryStreamType": c.Type, "VersionId": fmt.Sprint(c.Version),
		"CreateTimestamp": awsapi.Timestamp(c.Created), "LastUpdateTimestamp": awsapi.Timestamp(c.Updated),
		"DeliveryStreamEncryptionConfiguration": map[string]string{"Status": "DISABLED"},
		"Destinations":                          []map[string]any{{"DestinationId": "destinationId-000000000001", "ExtendedS3DestinationDescription": c.S3}},
		"HasMoreDestinations":                   false,
	}
	if c.Source != nil {
		d["Source"] = map[string]any{"KinesisStreamSourceDescription": map[string]any{
			"KinesisStreamARN": c.Source.StreamARN, "RoleARN": c.Source.RoleARN, "DeliveryStartTimestamp": awsapi.Timestamp(c.Created)}}
	}
	if c.Failure != "" {
		d["FailureDescription"] = map[string]string{"Type": "DELIVERY_FAILED", "Details": c.Failure}
	}
	return map[string]any{"DeliveryStreamDescription": d}, nil
}

func (a *API) list(r *awsapi.Request) (any, error) {
	var in struct {
		Limit                            int
		DeliveryStreamType               string
		ExclusiveStartDeliveryStreamName string
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if in.Limit <= 0 || in.Limit > 10000 {
		in.Limit = 10
	}
	all, err := a.svc.List(r.Ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	names, more := []string{}, false
	for _, c := range all {
		if c.Name <= in.ExclusiveStartDeliveryStreamName || in.DeliveryStreamType != "" && c.Type != in.DeliveryStreamType ||
			r.Caller != nil && !r.Caller.Allowed(access.Read, access.Delivery(c.Name)) {
			continue
		}
		if len(names) == in.Limit {
			more = true
			break
		}
		names = append(names, c.Name)
	}
	return map[string]any{"DeliveryStreamNames": names, "HasMoreDeliveryStreams": more}, nil
}

func (a *API) delete(r *awsapi.Request) (any, error) {
	var in struct{ DeliveryStreamName string }
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if err := authorize(r, access.Write, in.DeliveryStreamName); err != nil {
		return nil, err
	}
	return struct{}{}, apiErr(a.svc.Delete(r.Ctx, in.DeliveryStreamName), in.DeliveryStreamName)
}

func (a *API) updateDestination(r *awsapi.Request) (any, error) {
	var in struct {
		DeliveryStreamName             string
		CurrentDeliveryStreamVersionId string
		DestinationId                  string
		ExtendedS3DestinationUpdate    *delivery.ExtendedS3
		S3DestinationUpdate            *delivery.ExtendedS3
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	// Which members the update names, so that one named empty ("Prefix":
	// "") clears what was there rather than being taken as left out.
	var named struct {
		ExtendedS3DestinationUpdate, S3DestinationUpdate map[string]json.RawMessage
	}
	r.Decode(&named)
	if err := authorize(r, access.Write, in.DeliveryStreamName); err != nil {
		return nil, err
	}
	upd, present := in.ExtendedS3DestinationUpdate, named.ExtendedS3DestinationUpdate
	if upd == nil {
		upd, present = in.S3DestinationUpdate, named.S3DestinationUpdate
	}
	if upd == nil {
		return nil, invalidArg("ExtendedS3DestinationUpdate is required")
	}
	if in.DestinationId != "" && in.DestinationId != "destinationId-000000000001" {
		return nil, invalidArg("Destination %s not found.", in.DestinationId)
	}
	var version int
	if _, err := fmt.Sscan(in.CurrentDeliveryStreamVersionId, &version); err != nil {
		return nil, invalidArg("CurrentDeliveryStreamVersionId %q is not a version id", in.CurrentDeliveryStreamVersionId)
	}
	if upd.BucketARN != "" {
		if err := mayWriteBucket(r, upd.BucketARN); err != nil {
			return nil, err
		}
	}
	if err := mayPassRole(r, upd.RoleARN); err != nil {
		return nil, err
	}
	_, err := a.svc.Update(r.Ctx, in.DeliveryStreamName, version, func(c *delivery.Config) error {
		mergeS3(&c.S3, *upd, present)
		return nil
	})
	return struct{}{}, apiErr(err, in.DeliveryStreamName)
}

// mergeS3 applies an update: what it names replaces what was there; a
// text member named empty clears it (present: the members named).
func mergeS3(dst *delivery.ExtendedS3, u delivery.ExtendedS3, present map[string]json.RawMessage) {
	set := func(name string, d *string, v string) {
		if _, named := present[name]; v != "" || named {
			*d = v
		}
	}
	set("RoleARN", &dst.RoleARN, u.RoleARN)
	set("BucketARN", &dst.BucketARN, u.BucketARN)
	set("Prefix", &dst.Prefix, u.Prefix)
	set("ErrorOutputPrefix", &dst.ErrorOutputPrefix, u.ErrorOutputPrefix)
	set("CompressionFormat", &dst.Compression, u.Compression)
	set("CustomTimeZone", &dst.CustomTimeZone, u.CustomTimeZone)
	set("FileExtension", &dst.FileExtension, u.FileExtension)
	if u.Buffering != nil {
		dst.Buffering = u.Buffering
	}
	if u.Processing != nil {
		dst.Processing = u.Processing
	}
	if u.Conversion != nil {
		dst.Conversion = u.Conversion
	}
	if u.Partitioning != nil {
		dst.Partitioning = u.Partitioning
	}
}

type recordIn struct{ Data []byte } // base64 in JSON

func (a *API) putRecord(r *awsapi.Request) (any, error) {
	var in struct {
		DeliveryStreamName string
		Record             recordIn
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if err := authorize(r, access.Write, in.DeliveryStreamName); err != nil {
		return nil, err
	}
	if len(in.Record.Data) > maxRecord {
		return nil, invalidArg("Record size must be less than or equal to %d bytes", maxRecord)
	}
	ids, err := a.svc.Put(r.Ctx, in.DeliveryStreamName, [][]byte{in.Record.Data})
	if err != nil {
		return nil, apiErr(err, in.DeliveryStreamName)
	}
	return map[string]any{"RecordId": ids[0], "Encrypted": false}, nil
}

func (a *API) putRecordBatch(r *awsapi.Request) (any, error) {
	var in struct {
		DeliveryStreamName string
		Records            []recordIn
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if err := authorize(r, access.Write, in.DeliveryStreamName); err != nil {
		return nil, err
	}
	switch n := len(in.Records); {
	case n == 0:
		return nil, invalidArg("Records must have at least 1 record")
	case n > maxBatch:
		return nil, invalidArg("Records size must be less than or equal to %d", maxBatch)
	}
	data := make([][]byte, len(in.Records))
	total := 0
	for i, rec := range in.Records {
		if len(rec.Data) > maxRecord {
			return nil, invalidArg("Records[%d] size must be less than or equal to %d bytes", i, maxRecord)
		}
		total += len(rec.Data)
		data[i] = rec.Data
	}
	if total > maxBatchBytes {
		return nil, invalidArg("Records total size %d exceeds %d bytes", total, maxBatchBytes)
	}
	ids, err := a.svc.Put(r.Ctx, in.DeliveryStreamName, data)
	if err != nil {
		return nil, apiErr(err, in.DeliveryStreamName)
	}
	res := make([]map[string]string, len(ids))
	for i, id := range ids {
		res[i] = map[string]string{"RecordId": id}
	}
	return map[string]any{"FailedPutCount": 0, "Encrypted": false, "RequestResponses": res}, nil
}

func (a *API) tag(r *awsapi.Request) (any, error) {
	var in struct {
		DeliveryStreamName string
		Tags               []tag
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if err := authorize(r, access.Write, in.DeliveryStreamName); err != nil {
		return nil, err
	}
	err := a.svc.Tag(r.Ctx, in.DeliveryStreamName, func(m map[string]string) error {
		for _, t := range in.Tags {
			m[t.Key] = t.Value
		}
		if len(m) > 50 {
			return clientErr("LimitExceededException", "a delivery stream may have at most 50 tags")
		}
		return nil
	})
	return struct{}{}, apiErr(err, in.DeliveryStreamName)
}

func (a *API) untag(r *awsapi.Request) (any, error) {
	var in struct {
		DeliveryStreamName string
		TagKeys            []string
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if err := authorize(r, access.Write, in.DeliveryStreamName); err != nil {
		return nil, err
	}
	err := a.svc.Tag(r.Ctx, in.DeliveryStreamName, func(m map[string]string) error {
		for _, k := range in.TagKeys {
			delete(m, k)
		}
		return nil
	})
	return struct{}{}, apiErr(err, in.DeliveryStreamName)
}

func (a *API) listTags(r *awsapi.Request) (any, error) {
	var in struct {
		DeliveryStreamName   string
		ExclusiveStartTagKey string
		Limit                int
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if err := authorize(r, access.Read, in.DeliveryStreamName); err != nil {
		return nil, err
	}
	c, err := a.svc.Get(r.Ctx, in.DeliveryStreamName)
	if err != nil {
		return nil, apiErr(err, in.DeliveryStreamName)
	}
	if in.Limit <= 0 || in.Limit > 50 {
		in.Limit = 50
	}
	keys := make([]string, 0, len(c.Tags))
	for k := range c.Tags {
		if k > in.ExclusiveStartTagKey {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	tags, more := []tag{}, false
	for _, k := range keys {
		if len(tags) == in.Limit {
			more = true
			break
		}
		tags = append(tags, tag{Key: k, Value: c.Tags[k]})
	}
	return map[string]any{"Tags": tags, "HasMoreTags": more}, nil
}
