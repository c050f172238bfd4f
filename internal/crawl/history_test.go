package crawl

import (
	"context"
	"fmt"
	"testing"

	"github.com/tarnlake/tarn/internal/catalog"
)

// A crawl that ends prunes the history to keepRuns; listing it writes
// nothing.
func TestRunHistoryPrunedByCrawls(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.put("lake/a.json", []byte(`{"a":1}`))
	c := Crawler{Name: "h", Targets: []S3Target{{Path: "s3://lake/"}}}
	e.crawl(c)
	for i := range keepRuns + 5 { // older runs, as ids sort by start time
		body := fmt.Appendf(nil, `{"Id":"old-%03d","State":"COMPLETED"}`, i)
		if _, err := e.cat.PutDoc(ctx, catalog.Doc{Kind: kindRun, Name: fmt.Sprintf("h/0-old-%03d", i), Body: body}, catalog.AnyRev); err != nil {
			t.Fatal(err)
		}
	}
	if runs, err := e.svc.ListCrawls(ctx, "h"); err != nil || len(runs) != keepRuns {
		t.Fatalf("ListCrawls: %d runs, %v", len(runs), err)
	}
	if docs, _ := e.cat.ListDocs(ctx, kindRun, "h/"); len(docs) != keepRuns+6 {
		t.Fatalf("listing the history changed it: %d runs kept", len(docs))
	}
	e.crawl(c)
	if docs, _ := e.cat.ListDocs(ctx, kindRun, "h/"); len(docs) != keepRuns {
		t.Fatalf("after a crawl: %d runs kept, want %d", len(docs), keepRuns)
	}
}
