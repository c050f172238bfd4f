package glueapi

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
)

func partInput(year, region string) types.PartitionInput {
	return types.PartitionInput{
		Values:            []string{year, region},
		Parameters:        map[string]string{"n": year},
		StorageDescriptor: &types.StorageDescriptor{Location: aws.String("s3://lake/t/year=" + year + "/region=" + region + "/")},
	}
}

func TestSDKPartitions(t *testing.T) {
	e := newEnv(t)
	e.seedTable("sales", "orders", "year", "int", "region", "string")
	c, ctx := e.client(nil), ctxT(t)
	ref := func() (*string, *string) { return aws.String("sales"), aws.String("orders") }
	db, tb := ref()

	if _, err := c.CreatePartition(ctx, &glue.CreatePartitionInput{DatabaseName: db, TableName: tb, PartitionInput: ptr(partInput("9", "eu"))}); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreatePartition(ctx, &glue.CreatePartitionInput{DatabaseName: db, TableName: tb, PartitionInput: ptr(partInput("9", "eu"))})
	var ae *types.AlreadyExistsException
	if !errors.As(err, &ae) || !strings.Contains(aws.ToString(ae.Message), "[9, eu] of table sales.orders already exists") {
		t.Fatalf("create twice: %v", err)
	}
	// A batch with a duplicate, a partition that exists and one of the
	// wrong arity: each gets its error, the rest are stored.
	var batch []types.PartitionInput
	for _, y := range []string{"10", "100", "2024", "2025"} {
		for _, r := range []string{"eu", "us"} {
			batch = append(batch, partInput(y, r))
		}
	}
	batch = append(batch, partInput("2024", "eu"), partInput("9", "eu"), types.PartitionInput{Values: []string{"1"}})
	bc, err := c.BatchCreatePartition(ctx, &glue.BatchCreatePartitionInput{DatabaseName: db, TableName: tb, PartitionInputList: batch})
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, pe := range bc.Errors {
		codes = append(codes, strings.Join(pe.PartitionValues, "/")+":"+aws.ToString(pe.ErrorDetail.ErrorCode))
	}
	if !slices.Equal(codes, []string{"2024/eu:AlreadyExistsException", "9/eu:AlreadyExistsException", "1:InvalidInputException"}) {
		t.Fatalf("batch errors %v", codes)
	}

	gp, err := c.GetPartition(ctx, &glue.GetPartitionInput{DatabaseName: db, TableName: tb, PartitionValues: []string{"2024", "us"}})
	if err != nil {
		t.Fatal(err)
	}
	p := gp.Partition
	if !slices.Equal(p.Values, []string{"2024", "us"}) || aws.ToString(p.DatabaseName) != "sales" || aws.ToString(p.TableName) != "orders" ||
		time.Since(aws.ToTime(p.CreationTime)) > time.Minute || p.Parameters["n"] != "2024" ||
		aws.ToString(p.StorageDescriptor.Location) != "s3://lake/t/year=2024/region=us/" {
		t.Fatalf("partition %+v", p)
	}

	// Filters, with year compared as a number (9 < 10 < 100).
	for expr, want := range map[string][]string{
		"":                                       {"10/eu", "10/us", "100/eu", "100/us", "2024/eu", "2024/us", "2025/eu", "2025/us", "9/eu"},
		"year > 10":                              {"100/eu", "100/us", "2024/eu", "2024/us", "2025/eu", "2025/us"},
		"year = '2024' AND region <> 'eu'":       {"2024/us"},
		"year BETWEEN 9 AND 100 and region='eu'": {"10/eu", "100/eu", "9/eu"},
		"year IN (9, 2025) OR region LIKE 'u_'":  {"10/us", "100/us", "2024/us", "2025/eu", "2025/us", "9/eu"},
		"NOT (year < 2024) AND NOT region = 'us'": {"2024/eu", "2025/eu"},
	} {
		var got []string
		pp := glue.NewGetPartitionsPaginator(c, &glue.GetPartitionsInput{DatabaseName: db, TableName: tb, Expression: aws.String(expr), MaxResults: aws.Int32(2)})
		for pp.HasMorePages() {
			out, err := pp.NextPage(ctx)
			if err != nil {
				t.Fatalf("%q: %v", expr, err)
			}
			for _, p := range out.Partitions {
				got = append(got, strings.Join(p.Values, "/"))
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("GetPartitions %q: %v, want %v", expr, got, want)
		}
	}
	_, err = c.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: db, TableName: tb, Expression: aws.String("yr = 1")})
	var ii *types.InvalidInputException
	if !errors.As(err, &ii) || !strings.Contains(aws.ToString(ii.Message), `at position 1: unknown partition key "yr"`) {
		t.Fatalf("unknown key: %v", err)
	}
	// Segments split the partitions without overlap.
	seen := map[string]int{}
	for s := range int32(3) {
		out, err := c.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: db, TableName: tb,
			Segment: &types.Segment{SegmentNumber: s, TotalSegments: aws.Int32(3)}, ExcludeColumnSchema: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range out.Partitions {
			seen[strings.Join(p.Values, "/")]++
		}
	}
	if len(seen) != 9 {
		t.Fatalf("segments saw %v", seen)
	}

	bg, err := c.BatchGetPartition(ctx, &glue.BatchGetPartitionInput{DatabaseName: db, TableName: tb, PartitionsToGet: []types.PartitionValueList{
		{Values: []string{"10", "eu"}}, {Values: []string{"11", "eu"}}, {Values: []string{"2025", "us"}},
	}})
	if err != nil || len(bg.Partitions) != 2 || len(bg.UnprocessedKeys) != 0 {
		t.Fatalf("batch get: %+v %v", bg, err)
	}
	if _, err := c.DeletePartition(ctx, &glue.DeletePartitionInput{DatabaseName: db, TableName: tb, PartitionValues: []string{"9", "eu"}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeletePartition(ctx, &glue.DeletePartitionInput{DatabaseName: db, TableName: tb, PartitionValues: []string{"9", "eu"}})
	var nf *types.EntityNotFoundException
	if !errors.As(err, &nf) || aws.ToString(nf.Message) != "Partition [9, eu] of table sales.orders not found." {
		t.Fatalf("delete twice: %v", err)
	}
	bd, err := c.BatchDeletePartition(ctx, &glue.BatchDeletePartitionInput{DatabaseName: db, TableName: tb, PartitionsToDelete: []types.PartitionValueList{
		{Values: []string{"10", "eu"}}, {Values: []string{"9", "eu"}},
	}})
	if err != nil || len(bd.Errors) != 1 || aws.ToString(bd.Errors[0].ErrorDetail.ErrorCode) != "EntityNotFoundException" {
		t.Fatalf("batch delete: %+v %v", bd, err)
	}
	_, err = c.GetPartition(ctx, &glue.GetPartitionInput{DatabaseName: db, TableName: aws.String("nope"), PartitionValues: []string{"1"}})
	if !errors.As(err, &nf) || aws.ToString(nf.Message) != "Table sales.nope not found." {
		t.Fatalf("missing table: %v", err)
	}
}

// More partitions than a page holds, paged by the SDK's paginator.
func TestSDKPartitionPaging(t *testing.T) {
	e := newEnv(t)
	e.seedTable("db", "t", "day", "string")
	c, ctx := e.client(nil), ctxT(t)
	var batch []types.PartitionInput
	for i := range 250 {
		batch = append(batch, types.PartitionInput{Values: []string{fmt.Sprintf("%03d", i)}})
		if len(batch) == 100 || i == 249 {
			out, err := c.BatchCreatePartition(ctx, &glue.BatchCreatePartitionInput{DatabaseName: aws.String("db"), TableName: aws.String("t"), PartitionInputList: batch})
			if err != nil || len(out.Errors) != 0 {
				t.Fatalf("batch: %+v %v", out, err)
			}
			batch = nil
		}
	}
	n, pages := 0, 0
	pp := glue.NewGetPartitionsPaginator(c, &glue.GetPartitionsInput{DatabaseName: aws.String("db"), TableName: aws.String("t")})
	for pp.HasMorePages() {
		out, err := pp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range out.Partitions {
			if p.Values[0] != fmt.Sprintf("%03d", n) {
				t.Fatalf("partition %d is %v", n, p.Values)
			}
			n++
		}
		pages++
	}
	if n != 250 || pages != 3 {
		t.Fatalf("%d partitions in %d pages", n, pages)
	}
}

func ptr[T any](v T) *T { return &v }
