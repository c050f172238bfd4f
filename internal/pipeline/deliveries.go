package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Delivery is a Firehose delivery stream into the lake: records put to
// it, or read from a Kinesis stream, land in a bucket in batches,
// optionally passed through a function and converted to Parquet or ORC by
// a catalog table. It reads and writes as the key Role names.
type Delivery struct {
	Name        string `yaml:"name"`
	Stream      string `yaml:"stream,omitempty"` // the Kinesis stream it reads; none: records are put to it
	Role        string `yaml:"role"`
	Bucket      string `yaml:"bucket"`
	Prefix      string `yaml:"prefix,omitempty"`       // clicks/dt=!{timestamp:yyyy-MM-dd}/
	ErrorPrefix string `yaml:"error_prefix,omitempty"` // where records that fail go
	Interval    int    `yaml:"interval,omitempty"`     // seconds a batch may wait, default 300
	SizeMB      int    `yaml:"size_mb,omitempty"`      // a batch's size, default 5 (128 when converting)
	Compression string `yaml:"compression,omitempty"`  // GZIP, ZIP, Snappy, HADOOP_SNAPPY; default none
	Format      string `yaml:"format,omitempty"`       // parquet, converting by Table
	Table       string `yaml:"table,omitempty"`        // DATABASE.TABLE of the catalog
	Transform   string `yaml:"transform,omitempty"`    // a function records pass through first
	Line        int    `yaml:"-"`
}

func (d *Delivery) UnmarshalYAML(n *yaml.Node) error {
	type plain Delivery
	return decodeAt(n, (*plain)(d), &d.Line)
}

// normal fills in Firehose's defaults, so that a declared delivery and a
// described one compare equal when they behave the same.
func (d Delivery) normal() Delivery {
	d.Line = 0
	if d.Interval == 0 {
		d.Interval = 300
	}
	if d.SizeMB == 0 {
		d.SizeMB = 5
		if d.Format != "" {
			d.SizeMB = 128
		}
	}
	if strings.EqualFold(d.Compression, "UNCOMPRESSED") {
		d.Compression = ""
	}
	return d
}

// deliveryJSON is the destination's part of Firehose's API a Delivery
// covers, as sent and as described.
type deliveryJSON struct {
	RoleARN                 string
	BucketARN               string
	Prefix                  string `json:",omitempty"`
	ErrorOutputPrefix       string `json:",omitempty"`
	BufferingHints          struct{ SizeInMBs, IntervalInSeconds int }
	CompressionFormat       string `json:",omitempty"`
	ProcessingConfiguration *struct {
		Enabled    bool
		Processors []struct {
			Type       string
			Parameters []struct{ ParameterName, ParameterValue string }
		}
	} `json:",omitempty"`
	DataFormatConversionConfiguration *struct {
		Enabled             *bool `json:",omitempty"`
		SchemaConfiguration *struct {
			DatabaseName, TableName string
			RoleARN                 string `json:",omitempty"`
		} `json:",omitempty"`
		InputFormatConfiguration  map[string]any `json:",omitempty"`
		OutputFormatConfiguration struct {
			Serializer map[string]any
		}
	} `json:",omitempty"`
}

// destination is what Firehose is sent for d (defaults filled in), with
// conversion and processing switched off explicitly when d has none, so
// that an update takes them away.
func (d Delivery) destination(region string) map[string]any {
	d = d.normal()
	dst := map[string]any{"RoleARN": roleARN(d.Role), "BucketARN": "arn:aws:s3:::" + d.Bucket, "Prefix": d.Prefix,
		"ErrorOutputPrefix": d.ErrorPrefix, "BufferingHints": map[string]int{"SizeInMBs": d.SizeMB, "IntervalInSeconds": d.Interval},
		"CompressionFormat": "UNCOMPRESSED"}
	if d.Compression != "" {
		dst["CompressionFormat"] = d.Compression
	}
	if d.Transform != "" {
		arn := "arn:aws:lambda:" + region + ":" + account + ":function:" + d.Transform
		dst["ProcessingConfiguration"] = map[string]any{"Enabled": true, "Processors": []any{map[string]any{"Type": "Lambda",
			"Parameters": []any{map[string]string{"ParameterName": "LambdaArn", "ParameterValue": arn}}}}}
	} else {
		dst["ProcessingConfiguration"] = map[string]any{"Enabled": false}
	}
	if d.Format != "" {
		db, table, _ := strings.Cut(d.Table, ".")
		serde := map[string]any{"ParquetSerDe": map[string]any{}}
		dst["DataFormatConversionConfiguration"] = map[string]any{"Enabled": true,
			"SchemaConfiguration":       map[string]string{"DatabaseName": db, "TableName": table, "RoleARN": roleARN(d.Role)},
			"InputFormatConfiguration":  map[string]any{"Deserializer": map[string]any{"OpenXJsonSerDe": map[string]any{}}},
			"OutputFormatConfiguration": map[string]any{"Serializer": serde}}
	} else {
		dst["DataFormatConversionConfiguration"] = map[string]any{"Enabled": false}
	}
	return dst
}

// deliveryState is a delivery as DescribeDeliveryStream gives it.
type deliveryState struct {
	Delivery
	version string
}

func describeDelivery(ctx context.Context, t Target, name string) (deliveryState, error) {
	var res struct {
		DeliveryStreamDescription struct {
			VersionId string
			Source    *struct {
				KinesisStreamSourceDescription struct{ KinesisStreamARN string }
			}
			Destinations []struct {
				ExtendedS3DestinationDescription json.RawMessage
			}
		}
	}
	if err := t.Firehose.Call(ctx, "DescribeDeliveryStream", map[string]any{"DeliveryStreamName": name}, &res); err != nil {
		return deliveryState{}, err
	}
	desc := res.DeliveryStreamDescription
	st := deliveryState{Delivery: Delivery{Name: name}, version: desc.VersionId}
	if desc.Source != nil {
		arn := desc.Source.KinesisStreamSourceDescription.KinesisStreamARN
		st.Stream = arn[strings.LastIndex(arn, "/")+1:]
	}
	if len(desc.Destinations) == 0 {
		return st, nil
	}
	var dst deliveryJSON
	if err := json.Unmarshal(desc.Destinations[0].ExtendedS3DestinationDescription, &dst); err != nil {
		return st, err
	}
	st.Role = strings.TrimPrefix(dst.RoleARN, "arn:aws:iam::"+account+":role/")
	st.Bucket = strings.TrimPrefix(dst.BucketARN, "arn:aws:s3:::")
	st.Prefix, st.ErrorPrefix, st.Compression = dst.Prefix, dst.ErrorOutputPrefix, dst.CompressionFormat
	st.Interval, st.SizeMB = dst.BufferingHints.IntervalInSeconds, dst.BufferingHints.SizeInMBs
	if p := dst.ProcessingConfiguration; p != nil && p.Enabled {
		for _, pr := range p.Processors {
			for _, par := range pr.Parameters {
				if pr.Type == "Lambda" && par.ParameterName == "LambdaArn" {
					st.Transform = par.ParameterValue[strings.LastIndex(par.ParameterValue, ":")+1:]
				}
			}
		}
	}
	if c := dst.DataFormatConversionConfiguration; c != nil && (c.Enabled == nil || *c.Enabled) && c.SchemaConfiguration != nil {
		st.Table = c.SchemaConfiguration.DatabaseName + "." + c.SchemaConfiguration.TableName
		st.Format = "parquet"
		if _, orc := c.OutputFormatConfiguration.Serializer["OrcSerDe"]; orc {
			st.Format = "orc"
		}
	}
	return st, nil
}

func listDeliveries(ctx context.Context, t Target) (map[string]deliveryState, error) {
	out := map[string]deliveryState{}
	start := ""
	for {
		var res struct {
			DeliveryStreamNames    []string
			HasMoreDeliveryStreams bool
		}
		in := map[string]any{"Limit": 10000}
		if start != "" {
			in["ExclusiveStartDeliveryStreamName"] = start
		}
		if err := t.Firehose.Call(ctx, "ListDeliveryStreams", in, &res); err != nil {
			return nil, err
		}
		for _, name := range res.DeliveryStreamNames {
			start = name
			st, err := describeDelivery(ctx, t, name)
			if err != nil {
				return nil, err
			}
			out[name] = st
		}
		if !res.HasMoreDeliveryStreams || len(res.DeliveryStreamNames) == 0 {
			return out, nil
		}
	}
}

type deliveryKind struct{}

func (deliveryKind) plan(ctx context.Context, t Target, s Spec) ([]Change, int, error) {
	if s.Deliveries == nil {
		return nil, 0, nil // no deliveries: section, no deliveries managed
	}
	have, err := listDeliveries(ctx, t)
	if err != nil {
		return nil, 0, err
	}
	var out []Change
	n := 0
	for _, d := range s.Deliveries {
		was, ok := have[d.Name]
		delete(have, d.Name)
		dst := d.destination(t.Region)
		if !ok {
			in := map[string]any{"DeliveryStreamName": d.Name, "DeliveryStreamType": "DirectPut", "ExtendedS3DestinationConfiguration": dst}
			if d.Stream != "" {
				in["DeliveryStreamType"] = "KinesisStreamAsSource"
				in["KinesisStreamSourceConfiguration"] = map[string]string{"RoleARN": roleARN(d.Role),
					"KinesisStreamARN": "arn:aws:kinesis:" + t.Region + ":" + account + ":stream/" + d.Stream}
			}
			out = append(out, Change{Op: Create, Kind: "delivery", Name: d.Name, do: func(ctx context.Context) error {
				return t.Firehose.Call(ctx, "CreateDeliveryStream", in, nil)
			}})
			continue
		}
		want, got := d.normal(), was.normal()
		var df diff
		df.field("stream", quoted(got.Stream), quoted(want.Stream))
		df.field("role", got.Role, want.Role)
		df.field("bucket", got.Bucket, want.Bucket)
		df.field("prefix", quoted(got.Prefix), quoted(want.Prefix))
		df.field("error_prefix", quoted(got.ErrorPrefix), quoted(want.ErrorPrefix))
		df.field("interval", got.Interval, want.Interval)
		df.field("size_mb", got.SizeMB, want.SizeMB)
		df.field("compression", quoted(got.Compression), quoted(want.Compression))
		df.field("format", quoted(got.Format), quoted(want.Format))
		df.field("table", quoted(got.Table), quoted(want.Table))
		df.field("transform", quoted(got.Transform), quoted(want.Transform))
		if len(df) == 0 {
			n++
			continue
		}
		// What the config does not change is not sent, so that what it
		// cannot declare (a Parquet codec, deserializer options) stays.
		if got.Format == want.Format && got.Table == want.Table {
			delete(dst, "DataFormatConversionConfiguration")
		}
		if got.Transform == want.Transform {
			delete(dst, "ProcessingConfiguration")
		}
		out = append(out, Change{Op: Update, Kind: "delivery", Name: d.Name, What: df.String(), do: func(ctx context.Context) error {
			if got.Stream != "" && got.Role != want.Role {
				// The source's role is not a destination's: UpdateDestination
				// would leave the stream read as the old key.
				return fmt.Errorf("the role of delivery %s, which reads stream %s, cannot change (%s → %s): delete it once it has delivered, then apply again",
					d.Name, got.Stream, got.Role, want.Role)
			}
			if got.Stream != want.Stream {
				// Firehose cannot change a delivery's source either; deleting
				// it here would drop the records it holds.
				return fmt.Errorf("the source of delivery %s cannot change (%q → %q): delete it (aws firehose delete-delivery-stream) once it has delivered, then apply again",
					d.Name, got.Stream, want.Stream)
			}
			return t.Firehose.Call(ctx, "UpdateDestination", map[string]any{"DeliveryStreamName": d.Name,
				"CurrentDeliveryStreamVersionId": was.version, "DestinationId": "destinationId-000000000001",
				"ExtendedS3DestinationUpdate": dst}, nil)
		}})
	}
	for name := range have {
		out = append(out, Change{Op: Delete, Kind: "delivery", Name: name, do: func(ctx context.Context) error {
			return t.Firehose.Call(ctx, "DeleteDeliveryStream", map[string]any{"DeliveryStreamName": name}, nil)
		}})
	}
	sortChanges(out)
	return out, n, nil
}

// exportDeliveries lists the target's deliveries in the config's terms.
func exportDeliveries(ctx context.Context, t Target) ([]Delivery, error) {
	have, err := listDeliveries(ctx, t)
	if err != nil {
		return nil, err
	}
	var out []Delivery
	for _, name := range sortedKeys(have) {
		d := have[name].Delivery
		if strings.EqualFold(d.Compression, "UNCOMPRESSED") {
			d.Compression = ""
		}
		out = append(out, d)
	}
	return out, nil
}
