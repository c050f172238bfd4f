package athenaapi

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
)

func TestSDKWorkGroups(t *testing.T) {
	e := newEnv(t, Options{})
	c, ctx := e.client(e.api, nil), ctxT(t)
	_, err := c.CreateWorkGroup(ctx, &athena.CreateWorkGroupInput{Name: aws.String("analytics"), Description: aws.String("team"),
		Configuration: &types.WorkGroupConfiguration{ResultConfiguration: &types.ResultConfiguration{OutputLocation: aws.String("s3://results/analytics/")}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetWorkGroup(ctx, &athena.GetWorkGroupInput{WorkGroup: aws.String("analytics")})
	if err != nil {
		t.Fatal(err)
	}
	wg := got.WorkGroup
	if wg.State != types.WorkGroupStateEnabled || aws.ToString(wg.Description) != "team" || wg.CreationTime == nil ||
		aws.ToString(wg.Configuration.ResultConfiguration.OutputLocation) != "s3://results/analytics/" {
		t.Fatalf("workgroup %+v", wg)
	}
	// The workgroup's location is used when the request names none...
	id := start(t, c, &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT 1"), WorkGroup: aws.String("analytics")})
	qe := waitState(t, c, id, finishedStates()...)
	if aws.ToString(qe.ResultConfiguration.OutputLocation) != "s3://results/analytics/"+id+".csv" || aws.ToString(qe.WorkGroup) != "analytics" {
		t.Fatalf("in workgroup: %+v", qe)
	}
	e.readObject("results", "analytics/"+id+".csv")
	// ...and even when it does, once the workgroup enforces its own.
	if _, err := c.UpdateWorkGroup(ctx, &athena.UpdateWorkGroupInput{WorkGroup: aws.String("analytics"),
		ConfigurationUpdates: &types.WorkGroupConfigurationUpdates{EnforceWorkGroupConfiguration: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	id = start(t, c, &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT 1"), WorkGroup: aws.String("analytics"),
		ResultConfiguration: &types.ResultConfiguration{OutputLocation: aws.String("s3://results/mine/")}})
	if qe := waitState(t, c, id, finishedStates()...); !strings.HasPrefix(aws.ToString(qe.ResultConfiguration.OutputLocation), "s3://results/analytics/") {
		t.Fatalf("enforced: %s", aws.ToString(qe.ResultConfiguration.OutputLocation))
	}
	if ids, err := c.ListQueryExecutions(ctx, &athena.ListQueryExecutionsInput{WorkGroup: aws.String("analytics")}); err != nil || len(ids.QueryExecutionIds) != 2 {
		t.Fatalf("list in workgroup: %+v %v", ids, err)
	}
	// A disabled workgroup refuses queries.
	if _, err := c.UpdateWorkGroup(ctx, &athena.UpdateWorkGroupInput{WorkGroup: aws.String("analytics"), State: types.WorkGroupStateDisabled}); err != nil {
		t.Fatal(err)
	}
	_, err = c.StartQueryExecution(ctx, &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT 1"), WorkGroup: aws.String("analytics")})
	var ire *types.InvalidRequestException
	if !errors.As(err, &ire) || !strings.Contains(aws.ToString(ire.Message), "is disabled") {
		t.Fatalf("disabled: %v", err)
	}
	list, err := c.ListWorkGroups(ctx, &athena.ListWorkGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range list.WorkGroups {
		names = append(names, aws.ToString(s.Name)+":"+string(s.State))
	}
	if !slices.Equal(names, []string{"analytics:DISABLED", "primary:ENABLED"}) {
		t.Fatalf("workgroups %v", names)
	}
	_, err = c.GetWorkGroup(ctx, &athena.GetWorkGroupInput{WorkGroup: aws.String("nope")})
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) || aws.ToString(rnf.ResourceName) != "nope" {
		t.Fatalf("unknown workgroup: %v", err)
	}
	if _, err := c.DeleteWorkGroup(ctx, &athena.DeleteWorkGroupInput{WorkGroup: aws.String("primary")}); !errors.As(err, &ire) {
		t.Fatalf("delete primary: %v", err)
	}
	if _, err := c.CreateWorkGroup(ctx, &athena.CreateWorkGroupInput{Name: aws.String("analytics")}); !errors.As(err, &ire) {
		t.Fatalf("create twice: %v", err)
	}
	if _, err := c.DeleteWorkGroup(ctx, &athena.DeleteWorkGroupInput{WorkGroup: aws.String("analytics")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetWorkGroup(ctx, &athena.GetWorkGroupInput{WorkGroup: aws.String("analytics")}); !errors.As(err, &rnf) {
		t.Fatalf("deleted: %v", err)
	}
	// primary can be given an output location of its own.
	if _, err := c.UpdateWorkGroup(ctx, &athena.UpdateWorkGroupInput{WorkGroup: aws.String("primary"), ConfigurationUpdates: &types.WorkGroupConfigurationUpdates{
		ResultConfigurationUpdates: &types.ResultConfigurationUpdates{OutputLocation: aws.String("s3://results/p/")}}}); err != nil {
		t.Fatal(err)
	}
	id = start(t, c, &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT 1")})
	if qe := waitState(t, c, id, finishedStates()...); aws.ToString(qe.ResultConfiguration.OutputLocation) != "s3://results/p/"+id+".csv" {
		t.Fatalf("primary's location: %s", aws.ToString(qe.ResultConfiguration.OutputLocation))
	}
}

func TestSDKNamedQueries(t *testing.T) {
	e := newEnv(t, Options{})
	c, ctx := e.client(e.api, nil), ctxT(t)
	in := &athena.CreateNamedQueryInput{Name: aws.String("daily"), Database: aws.String("sales"), QueryString: aws.String("SELECT 1"),
		Description: aws.String("d"), ClientRequestToken: aws.String("named-token-0123456789-0123456789")}
	a, err := c.CreateNamedQuery(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.CreateNamedQuery(ctx, in)
	if err != nil || aws.ToString(a.NamedQueryId) != aws.ToString(b.NamedQueryId) {
		t.Fatalf("repeat: %v %v", b, err)
	}
	other, err := c.CreateNamedQuery(ctx, &athena.CreateNamedQueryInput{Name: aws.String("other"), Database: aws.String("sales"), QueryString: aws.String("SELECT 2")})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(a.NamedQueryId)
	got, err := c.GetNamedQuery(ctx, &athena.GetNamedQueryInput{NamedQueryId: &id})
	if err != nil || aws.ToString(got.NamedQuery.Name) != "daily" || aws.ToString(got.NamedQuery.WorkGroup) != "primary" ||
		aws.ToString(got.NamedQuery.Database) != "sales" || aws.ToString(got.NamedQuery.Description) != "d" {
		t.Fatalf("get: %+v %v", got, err)
	}
	list, err := c.ListNamedQueries(ctx, &athena.ListNamedQueriesInput{})
	want := []string{id, aws.ToString(other.NamedQueryId)}
	slices.Sort(want)
	if err != nil || !slices.Equal(list.NamedQueryIds, want) {
		t.Fatalf("list %+v %v", list, err)
	}
	unknown := "00000000-0000-4000-8000-000000000000"
	batch, err := c.BatchGetNamedQuery(ctx, &athena.BatchGetNamedQueryInput{NamedQueryIds: []string{id, unknown}})
	if err != nil || len(batch.NamedQueries) != 1 || len(batch.UnprocessedNamedQueryIds) != 1 || aws.ToString(batch.UnprocessedNamedQueryIds[0].NamedQueryId) != unknown {
		t.Fatalf("batch %+v %v", batch, err)
	}
	if _, err := c.UpdateNamedQuery(ctx, &athena.UpdateNamedQueryInput{NamedQueryId: &id, Name: aws.String("weekly"), QueryString: aws.String("SELECT 7")}); err != nil {
		t.Fatal(err)
	}
	got, err = c.GetNamedQuery(ctx, &athena.GetNamedQueryInput{NamedQueryId: &id})
	if err != nil || aws.ToString(got.NamedQuery.Name) != "weekly" || aws.ToString(got.NamedQuery.QueryString) != "SELECT 7" || aws.ToString(got.NamedQuery.Description) != "d" {
		t.Fatalf("updated: %+v %v", got, err)
	}
	if _, err := c.DeleteNamedQuery(ctx, &athena.DeleteNamedQueryInput{NamedQueryId: &id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetNamedQuery(ctx, &athena.GetNamedQueryInput{NamedQueryId: &id})
	var ire *types.InvalidRequestException
	if !errors.As(err, &ire) || !strings.Contains(aws.ToString(ire.Message), "was not found") {
		t.Fatalf("deleted: %v", err)
	}
	_, err = c.CreateNamedQuery(ctx, &athena.CreateNamedQueryInput{Name: aws.String("x"), Database: aws.String("s"), QueryString: aws.String("SELECT 1"), WorkGroup: aws.String("nope")})
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Fatalf("unknown workgroup: %v", err)
	}
}
