package glueapi

import (
	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/crawl"
)

// classifierHead is what Glue's classifiers of every kind carry.
type classifierHead struct {
	Name         string
	CreationTime *awsapi.Timestamp `json:",omitempty"`
	LastUpdated  *awsapi.Timestamp `json:",omitempty"`
	Version      int64
}

type grokOut struct {
	classifierHead
	Classification string
	GrokPattern    string
	CustomPatterns string `json:",omitempty"`
}

type csvOut struct {
	classifierHead
	Delimiter            string   `json:",omitempty"`
	QuoteSymbol          string   `json:",omitempty"`
	ContainsHeader       string   `json:",omitempty"`
	Header               []string `json:",omitempty"`
	DisableValueTrimming bool
	AllowSingleColumn    bool
}

type jsonOut struct {
	classifierHead
	JsonPath string
}

type classifierOut struct {
	GrokClassifier *grokOut `json:",omitempty"`
	CsvClassifier  *csvOut  `json:",omitempty"`
	JsonClassifier *jsonOut `json:",omitempty"`
}

func classifier(cl crawl.Classifier) classifierOut {
	head := classifierHead{cl.Name, stamp(cl.Created), stamp(cl.Updated), cl.Version}
	var out classifierOut
	switch {
	case cl.Grok != nil:
		out.GrokClassifier = &grokOut{head, cl.Grok.Classification, cl.Grok.GrokPattern, cl.Grok.CustomPatterns}
	case cl.CSV != nil:
		c := cl.CSV
		out.CsvClassifier = &csvOut{head, c.Delimiter, c.QuoteSymbol, c.ContainsHeader, c.Header, c.DisableValueTrimming, c.AllowSingleColumn}
	case cl.JSON != nil:
		out.JsonClassifier = &jsonOut{head, cl.JSON.JSONPath}
	}
	return out
}

func (a *API) getClassifier(c *call) (any, error) {
	name, err := a.crawlerName(c, access.Read)
	if err != nil {
		return nil, err
	}
	cl, err := a.crawlers.GetClassifier(c.Ctx, name)
	if err != nil {
		return nil, crawlErr(err, "Classifier "+name)
	}
	return struct{ Classifier classifierOut }{classifier(cl)}, nil
}

func (a *API) getClassifiers(c *call) (any, error) {
	var req listRequest
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	limit, err := maxResults(req.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	if err := a.crawlerCall(c, access.Read); err != nil {
		return nil, err
	}
	all, err := a.crawlers.ListClassifiers(c.Ctx)
	if err != nil {
		return nil, crawlErr(err, "Classifiers")
	}
	page, next, err := paginate(all, "classifiers", req.NextToken, limit,
		func(cl crawl.Classifier) string { return cl.Name }, ascending)
	if err != nil {
		return nil, err
	}
	out := make([]classifierOut, len(page))
	for i, cl := range page {
		out[i] = classifier(cl)
	}
	return struct {
		Classifiers []classifierOut
		NextToken   string `json:",omitempty"`
	}{out, next}, nil
}

func (a *API) deleteClassifier(c *call) (any, error) {
	name, err := a.crawlerName(c, access.Write)
	if err != nil {
		return nil, err
	}
	if err := a.crawlers.DeleteClassifier(c.Ctx, name); err != nil {
		return nil, crawlErr(err, "Classifier "+name)
	}
	return struct{}{}, nil
}
