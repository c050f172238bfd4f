package arch

import (
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/tarnlake/tarn/"

// Each rule: packages matching from may not import packages matching to.
var rules = []struct{ from, to, why string }{
	{"internal/", "cmd/", "nothing imports the command"},
	{"internal/", "internal/edge", "parts do not know the edge (only cmd wires it)"},
	{"internal/lake", "internal/lake/localfs", "only cmd chooses a backend"},
	{"internal/lake", "internal/lake/s3", "only cmd chooses a backend"},
	{"internal/lake", "internal/lake/s3api", "the seam and backends do not know the API"},
	{"internal/stream", "internal/stream/natsjs", "only cmd chooses a backend"},
	{"internal/stream", "internal/stream/memstream", "the in-memory store is for tests"},
	{"internal/stream", "internal/stream/kinesisapi", "the seam and backends do not know the API"},
	{"internal/catalog", "internal/catalog/embedded", "only cmd chooses a backend"},
	{"internal/catalog", "internal/catalog/postgres", "only cmd chooses a backend"},
	{"internal/catalog", "internal/lake", "the catalog store knows no other part"},
	{"internal/catalog", "internal/stream", "the catalog store knows no other part"},
	{"internal/access", "internal/lake", "access keys know no parts"},
	{"internal/lake", "internal/stream", "the lake and streams are separate parts"},
	{"internal/stream", "internal/lake", "the lake and streams are separate parts"},
	{"internal/awsapi", "internal/lake", "the wire shapes know no parts"},
	{"internal/crawl", "internal/catalog/embedded", "only cmd chooses a backend"},
	{"internal/crawl", "internal/catalog/postgres", "only cmd chooses a backend"},
	{"internal/crawl", "internal/lake/localfs", "only cmd chooses a backend"},
	{"internal/crawl", "internal/glueapi", "the crawler does not know the API above it"},
	{"internal/format", "internal/catalog", "formats know files, not the catalog"},
	{"internal/format", "internal/lake", "formats read any io.ReaderAt, not the lake"},
	{"internal/query", "internal/engine", "the SQL front ends know the SQL seam, not the engine"},
	{"internal/pgwire", "internal/engine", "the wire protocol knows the SQL seam, not the engine"},
	{"internal/engine", "internal/pgwire", "the engine knows no front end"},
	{"internal/engine", "internal/query/athenaapi", "the engine knows no front end"},
	{"internal/engine", "internal/query/httpsql", "the engine knows no front end"},
	{"internal/lake", "internal/catalog", "the lake knows no catalog"},
}

// TestLayering checks every package's dependencies, direct and
// transitive (go list's Deps): a package may not reach a forbidden one
// through a third.
func TestLayering(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Deps " "}}`, mod+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], mod)
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, mod) {
				continue
			}
			imp = strings.TrimPrefix(imp, mod)
			for _, r := range rules {
				if under(pkg, r.from) && under(imp, r.to) && !under(pkg, r.to) {
					t.Errorf("%s depends on %s: %s", pkg, imp, r.why)
				}
			}
		}
	}
}

// under reports whether pkg is p or below it ("internal/" matches all).
func under(pkg, p string) bool {
	if strings.HasSuffix(p, "/") {
		return strings.HasPrefix(pkg, p)
	}
	return pkg == p || strings.HasPrefix(pkg, p+"/")
}
