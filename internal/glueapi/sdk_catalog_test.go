package glueapi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// The real SDK client decodes tarn's answers into its own types.
func TestSDKDatabases(t *testing.T) {
	e := newEnv(t)
	c, ctx := e.client(nil), ctxT(t)
	for i := range 7 {
		_, err := c.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{
			Name: aws.String(fmt.Sprintf("DB%d", i)), Description: aws.String("d"), LocationUri: aws.String("s3://lake/"),
			Parameters: map[string]string{"k": "v"},
		}})
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("db3")})
	if err != nil {
		t.Fatal(err)
	}
	d := got.Database
	if aws.ToString(d.Name) != "db3" || aws.ToString(d.LocationUri) != "s3://lake/" || d.Parameters["k"] != "v" ||
		!aws.ToTime(d.CreateTime).Equal(epoch) || aws.ToString(d.CatalogId) != account {
		t.Fatalf("database %+v", d)
	}
	// Paging: 7 databases, 3 a page.
	var names []string
	pages := 0
	p := glue.NewGetDatabasesPaginator(c, &glue.GetDatabasesInput{MaxResults: aws.Int32(3)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, d := range out.DatabaseList {
			names = append(names, aws.ToString(d.Name))
		}
	}
	if pages != 3 || len(names) != 7 || !slices.IsSorted(names) || names[0] != "db0" {
		t.Fatalf("%d pages: %v", pages, names)
	}
	_, err = c.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("db0")}})
	var ae *types.AlreadyExistsException
	if !errors.As(err, &ae) || aws.ToString(ae.Message) != "Database db0 already exists." {
		t.Fatalf("create twice: %v", err)
	}
	if _, err = c.UpdateDatabase(ctx, &glue.UpdateDatabaseInput{Name: aws.String("db0"), DatabaseInput: &types.DatabaseInput{Name: aws.String("db0"), Description: aws.String("d2")}}); err != nil {
		t.Fatalf("update: %v", err)
	}
	if got, err := c.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("db0")}); err != nil || aws.ToString(got.Database.Description) != "d2" {
		t.Fatalf("after update: %+v %v", got, err)
	}
	if _, err := c.DeleteDatabase(ctx, &glue.DeleteDatabaseInput{Name: aws.String("db0")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("db0")})
	var nf *types.EntityNotFoundException
	if !errors.As(err, &nf) || aws.ToString(nf.Message) != "Database db0 not found." {
		t.Fatalf("deleted: %v", err)
	}
}

func sdkTableInput(name string, cols ...string) *types.TableInput {
	var cs []types.Column
	for _, c := range cols {
		cs = append(cs, types.Column{Name: aws.String(c), Type: aws.String("string"), Comment: aws.String("c")})
	}
	return &types.TableInput{
		Name: aws.String(name), Description: aws.String("orders"), Owner: aws.String("me"), TableType: aws.String("EXTERNAL_TABLE"),
		Parameters:    map[string]string{"classification": "parquet"},
		PartitionKeys: []types.Column{{Name: aws.String("year"), Type: aws.String("int")}},
		StorageDescriptor: &types.StorageDescriptor{
			Columns: cs, Location: aws.String("s3://lake/" + name + "/"), Compressed: true,
			InputFormat:  aws.String("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"),
			OutputFormat: aws.String("org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"),
			SerdeInfo: &types.SerDeInfo{Name: aws.String("pq"), Parameters: map[string]string{"a": "b"},
				SerializationLibrary: aws.String("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe")},
			Parameters: map[string]string{"p": "q"},
		},
	}
}

func TestSDKTables(t *testing.T) {
	e := newEnv(t)
	c, ctx := e.client(nil), ctxT(t)
	if _, err := c.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("sales")}}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"Orders", "orders_2024", "returns", "refunds", "stock"} {
		if _, err := c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("sales"), TableInput: sdkTableInput(n, "id")}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("SALES"), Name: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	tb := got.Table
	sd := tb.StorageDescriptor
	if aws.ToString(tb.Name) != "orders" || aws.ToString(tb.DatabaseName) != "sales" || aws.ToString(tb.VersionId) != "1" ||
		aws.ToString(tb.CatalogId) != account || tb.IsRegisteredWithLakeFormation || aws.ToString(tb.Owner) != "me" ||
		time.Since(aws.ToTime(tb.CreateTime)) > time.Minute || tb.UpdateTime == nil || tb.Parameters["classification"] != "parquet" ||
		len(tb.PartitionKeys) != 1 || aws.ToString(tb.PartitionKeys[0].Type) != "int" || aws.ToString(tb.TableType) != "EXTERNAL_TABLE" {
		t.Fatalf("table %+v", tb)
	}
	if len(sd.Columns) != 1 || aws.ToString(sd.Columns[0].Comment) != "c" || !sd.Compressed || aws.ToString(sd.Location) != "s3://lake/Orders/" ||
		aws.ToString(sd.SerdeInfo.SerializationLibrary) == "" || sd.SerdeInfo.Parameters["a"] != "b" || sd.Parameters["p"] != "q" {
		t.Fatalf("storage %+v", sd)
	}

	// Expression: Hive patterns and regular expressions, case-insensitive.
	for expr, want := range map[string][]string{
		"": {"orders", "orders_2024", "refunds", "returns", "stock"}, "orders*": {"orders", "orders_2024"},
		"re*|STOCK": {"refunds", "returns", "stock"}, "r.*s": {"refunds", "returns"}, "orders_\\d+": {"orders_2024"},
	} {
		var names []string
		p := glue.NewGetTablesPaginator(c, &glue.GetTablesInput{DatabaseName: aws.String("sales"), Expression: aws.String(expr), MaxResults: aws.Int32(2)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, tb := range out.TableList {
				names = append(names, aws.ToString(tb.Name))
			}
		}
		if !slices.Equal(names, want) {
			t.Errorf("GetTables %q: %v, want %v", expr, names, want)
		}
	}
	_, err = c.GetTables(ctx, &glue.GetTablesInput{DatabaseName: aws.String("sales"), Expression: aws.String("(")})
	var ii *types.InvalidInputException
	if !errors.As(err, &ii) {
		t.Fatalf("bad expression: %v", err)
	}

	// Versions: update twice, the second time from a stale version.
	in := sdkTableInput("orders", "id", "amount")
	if _, err := c.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String("sales"), TableInput: in, VersionId: aws.String("1"), SkipArchive: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String("sales"), TableInput: in, VersionId: aws.String("1")})
	var cm *types.ConcurrentModificationException
	if !errors.As(err, &cm) {
		t.Fatalf("stale update: %v", err)
	}
	if _, err := c.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String("sales"), TableInput: sdkTableInput("orders", "id", "amount", "tax")}); err != nil {
		t.Fatal(err)
	}
	var versions []string
	vp := glue.NewGetTableVersionsPaginator(c, &glue.GetTableVersionsInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"), MaxResults: aws.Int32(2)})
	for vp.HasMorePages() {
		out, err := vp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range out.TableVersions {
			if aws.ToString(v.Table.VersionId) != aws.ToString(v.VersionId) {
				t.Fatalf("version %+v", v)
			}
			versions = append(versions, fmt.Sprintf("%s:%d", aws.ToString(v.VersionId), len(v.Table.StorageDescriptor.Columns)))
		}
	}
	if !slices.Equal(versions, []string{"3:3", "2:2", "1:1"}) {
		t.Fatalf("versions %v", versions)
	}
	v, err := c.GetTableVersion(ctx, &glue.GetTableVersionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"), VersionId: aws.String("2")})
	if err != nil || aws.ToString(v.TableVersion.VersionId) != "2" || len(v.TableVersion.Table.StorageDescriptor.Columns) != 2 {
		t.Fatalf("version 2: %+v %v", v, err)
	}
	v, err = c.GetTableVersion(ctx, &glue.GetTableVersionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders")})
	if err != nil || aws.ToString(v.TableVersion.VersionId) != "3" {
		t.Fatalf("current version: %+v %v", v, err)
	}
	_, err = c.GetTableVersion(ctx, &glue.GetTableVersionInput{DatabaseName: aws.String("sales"), TableName: aws.String("orders"), VersionId: aws.String("9")})
	var nf *types.EntityNotFoundException
	if !errors.As(err, &nf) || aws.ToString(nf.Message) != "Version 9 of table sales.orders not found." {
		t.Fatalf("version 9: %v", err)
	}

	// Deletes, and what is not found says what is missing.
	bd, err := c.BatchDeleteTable(ctx, &glue.BatchDeleteTableInput{DatabaseName: aws.String("sales"), TablesToDelete: []string{"returns", "nope"}})
	if err != nil || len(bd.Errors) != 1 || aws.ToString(bd.Errors[0].TableName) != "nope" ||
		aws.ToString(bd.Errors[0].ErrorDetail.ErrorCode) != "EntityNotFoundException" {
		t.Fatalf("batch delete: %+v %v", bd, err)
	}
	if _, err := c.DeleteTable(ctx, &glue.DeleteTableInput{DatabaseName: aws.String("sales"), Name: aws.String("stock")}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ db, table, msg string }{
		{"sales", "stock", "Table sales.stock not found."},
		{"nodb", "stock", "Database nodb not found."},
	} {
		_, err = c.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String(tc.db), Name: aws.String(tc.table)})
		if !errors.As(err, &nf) || aws.ToString(nf.Message) != tc.msg {
			t.Fatalf("get %s.%s: %v", tc.db, tc.table, err)
		}
	}
	_, err = c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("sales"), TableInput: sdkTableInput("orders")})
	var ae *types.AlreadyExistsException
	if !errors.As(err, &ae) || aws.ToString(ae.Message) != "Table sales.orders already exists." {
		t.Fatalf("create twice: %v", err)
	}
}
