package glueapi

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
)

func TestSDKClassifiers(t *testing.T) {
	e := newEnv(t)
	c, ctx := e.client(nil), ctxT(t)
	for _, in := range []*glue.CreateClassifierInput{
		{GrokClassifier: &types.CreateGrokClassifierRequest{Name: aws.String("logs"), Classification: aws.String("applog"),
			GrokPattern: aws.String("%{TIMESTAMP_ISO8601:ts} %{GREEDYDATA:msg}"), CustomPatterns: aws.String("X [a-z]+")}},
		{CsvClassifier: &types.CreateCsvClassifierRequest{Name: aws.String("pipes"), Delimiter: aws.String("|"), QuoteSymbol: aws.String("'"),
			ContainsHeader: types.CsvHeaderOptionAbsent, Header: []string{"a", "b"}, AllowSingleColumn: aws.Bool(true)}},
		{JsonClassifier: &types.CreateJsonClassifierRequest{Name: aws.String("records"), JsonPath: aws.String("$.records[*]")}},
	} {
		if _, err := c.CreateClassifier(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	g := must(c.GetClassifier(ctx, &glue.GetClassifierInput{Name: aws.String("logs")})).Classifier.GrokClassifier
	if g == nil || aws.ToString(g.Classification) != "applog" || aws.ToString(g.CustomPatterns) != "X [a-z]+" || g.Version != 1 || g.CreationTime == nil {
		t.Fatalf("grok %+v", g)
	}
	// Update changes only what it is given.
	if _, err := c.UpdateClassifier(ctx, &glue.UpdateClassifierInput{CsvClassifier: &types.UpdateCsvClassifierRequest{
		Name: aws.String("pipes"), ContainsHeader: types.CsvHeaderOptionPresent}}); err != nil {
		t.Fatal(err)
	}
	csv := must(c.GetClassifier(ctx, &glue.GetClassifierInput{Name: aws.String("pipes")})).Classifier.CsvClassifier
	if csv == nil || aws.ToString(csv.Delimiter) != "|" || csv.ContainsHeader != types.CsvHeaderOptionPresent ||
		!aws.ToBool(csv.AllowSingleColumn) || len(csv.Header) != 2 || csv.Version != 2 {
		t.Fatalf("csv %+v", csv)
	}
	_, err := c.UpdateClassifier(ctx, &glue.UpdateClassifierInput{JsonClassifier: &types.UpdateJsonClassifierRequest{Name: aws.String("pipes"), JsonPath: aws.String("$")}})
	var ii *types.InvalidInputException
	if !errors.As(err, &ii) {
		t.Fatalf("update as another kind: %v", err)
	}
	_, err = c.CreateClassifier(ctx, &glue.CreateClassifierInput{XMLClassifier: &types.CreateXMLClassifierRequest{Name: aws.String("x"), Classification: aws.String("xml")}})
	if !errors.As(err, &ii) {
		t.Fatalf("xml: %v", err)
	}
	_, err = c.CreateClassifier(ctx, &glue.CreateClassifierInput{JsonClassifier: &types.CreateJsonClassifierRequest{Name: aws.String("records"), JsonPath: aws.String("$[*]")}})
	var ae *types.AlreadyExistsException
	if !errors.As(err, &ae) || aws.ToString(ae.Message) != "Classifier records already exists." {
		t.Fatalf("create twice: %v", err)
	}

	var names []string
	p := glue.NewGetClassifiersPaginator(c, &glue.GetClassifiersInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		for _, cl := range must(p.NextPage(ctx)).Classifiers {
			switch {
			case cl.GrokClassifier != nil:
				names = append(names, "grok:"+aws.ToString(cl.GrokClassifier.Name))
			case cl.CsvClassifier != nil:
				names = append(names, "csv:"+aws.ToString(cl.CsvClassifier.Name))
			case cl.JsonClassifier != nil:
				names = append(names, "json:"+aws.ToString(cl.JsonClassifier.Name)+":"+aws.ToString(cl.JsonClassifier.JsonPath))
			}
		}
	}
	if len(names) != 3 || names[0] != "grok:logs" || names[1] != "csv:pipes" || names[2] != "json:records:$.records[*]" {
		t.Fatalf("classifiers %v", names)
	}
	if _, err := c.DeleteClassifier(ctx, &glue.DeleteClassifierInput{Name: aws.String("logs")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteClassifier(ctx, &glue.DeleteClassifierInput{Name: aws.String("logs")})
	var nf *types.EntityNotFoundException
	if !errors.As(err, &nf) || aws.ToString(nf.Message) != "Classifier logs not found." {
		t.Fatalf("delete twice: %v", err)
	}
}
