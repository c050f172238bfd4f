package main

import (
	"context"
	"fmt"
	"strings"
)

const deliveryUsage = `Usage:
  tarn delivery status [NAME] [flags]

Prints each delivery stream's state (or one's): its status and version,
where it reads and writes, and why it is failing if it is. Deliveries are
made and changed with the Firehose API (aws firehose
create-delivery-stream, update-destination, put-record-batch …).

Examples:
  tarn delivery status
  tarn delivery status clicks-to-lake
`

func deliveryCmd(ctx context.Context, args []string, con console) error {
	if _, err := subcommand("delivery", deliveryUsage, args, con, "status"); err != nil {
		return err
	}
	fs := newCommand("delivery status", deliveryUsage, con)
	var cf clientFlags
	cf.register(fs.FlagSet)
	pos, err := fs.parse(args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return fs.usageErr("name at most one delivery stream")
	}
	cfg, err := cf.awsConfig()
	if err != nil {
		return err
	}
	c := newJSONClient(cfg, nil, "Firehose_20150804", "firehose")
	names := pos
	if len(names) == 0 {
		var out struct{ DeliveryStreamNames []string }
		if err := c.Call(ctx, "ListDeliveryStreams", map[string]int{"Limit": 10000}, &out); err != nil {
			return cf.remote().explain("list delivery streams", err)
		}
		names = out.DeliveryStreamNames
		if len(names) == 0 {
			fmt.Fprintln(con.out, "no delivery streams: make one with aws firehose create-delivery-stream")
			return nil
		}
	}
	for _, name := range names {
		var out struct {
			DeliveryStreamDescription struct {
				DeliveryStreamStatus, DeliveryStreamType, VersionId string
				Source                                              struct {
					KinesisStreamSourceDescription struct{ KinesisStreamARN string }
				}
				Destinations []struct {
					ExtendedS3DestinationDescription struct{ BucketARN, Prefix, ErrorOutputPrefix string }
				}
				FailureDescription *struct{ Type, Details string }
			}
		}
		if err := c.Call(ctx, "DescribeDeliveryStream", map[string]string{"DeliveryStreamName": name}, &out); err != nil {
			return cf.remote().explain("delivery stream "+name, err)
		}
		d := out.DeliveryStreamDescription
		from := "direct PUTs"
		if arn := d.Source.KinesisStreamSourceDescription.KinesisStreamARN; arn != "" {
			_, s, _ := strings.Cut(arn, ":stream/")
			from = "stream " + s
		}
		to := ""
		if len(d.Destinations) > 0 {
			s3 := d.Destinations[0].ExtendedS3DestinationDescription
			to = "s3://" + strings.TrimPrefix(s3.BucketARN, "arn:aws:s3:::") + "/" + s3.Prefix
		}
		fmt.Fprintf(con.out, "%s\t%s\tversion %s\tfrom %s\tto %s", name, d.DeliveryStreamStatus, d.VersionId, from, to)
		if f := d.FailureDescription; f != nil {
			fmt.Fprintf(con.out, "\tFAILING: %s", f.Details)
		}
		fmt.Fprintln(con.out)
	}
	return nil
}
