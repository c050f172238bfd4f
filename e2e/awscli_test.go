package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// These tests run the aws command line, unchanged, against tarn.

const awsCLIHint = "install awscli: apt-get install -y awscli"

// awsCLIPath finds the aws command line: $TARN_TEST_AWS_CLI, Debian's
// /usr/bin/aws, or aws on PATH. Without one the test is skipped, or fails on
// CI.
func awsCLIPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("TARN_TEST_AWS_CLI"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/aws"); err == nil {
		return "/usr/bin/aws"
	}
	if p, err := exec.LookPath("aws"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no aws CLI found: " + awsCLIHint)
	}
	t.Skip("no aws CLI found: " + awsCLIHint)
	return ""
}

// curlPath finds curl for fetching presigned URLs.
func curlPath(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/curl"); err == nil {
		return "/usr/bin/curl"
	}
	p, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("no curl found: apt-get install -y curl")
	}
	return p
}

// awsCLI runs the aws CLI against one server with an environment that holds
// nothing but the root credentials.
type awsCLI struct {
	bin    string
	env    []string
	global []string // options appended to every command
	dir    string   // working folder
}

func newAWSCLI(t *testing.T, bin string, srv *server) *awsCLI {
	t.Helper()
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	if err := os.Mkdir(home, 0o755); err != nil {
		t.Fatal(err)
	}
	config, creds := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	for _, f := range []string{config, creds} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if v1 := awsCLIIsV1(t, bin, home); v1 {
		// CLI v1 presigns with SigV2 unless told otherwise; these tests want
		// SigV4 URLs (TestAWSCLIv1PresignSigV2 takes the default).
		if err := os.WriteFile(config, []byte("[default]\ns3 =\n    signature_version = s3v4\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"LANG=C.UTF-8", "LC_ALL=C.UTF-8", "PYTHONIOENCODING=utf-8",
		"AWS_ACCESS_KEY_ID=" + rootID,
		"AWS_SECRET_ACCESS_KEY=" + rootSecret,
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + config,
		"AWS_SHARED_CREDENTIALS_FILE=" + creds,
		"AWS_PAGER=",
		"AWS_EC2_METADATA_DISABLED=true",
	}
	for _, kv := range os.Environ() { // a pyenv shim finds its interpreter through these
		if strings.HasPrefix(kv, "PYENV_") {
			env = append(env, kv)
		}
	}
	global := []string{"--endpoint-url", srv.URL()}
	if srv.TLS {
		global = append(global, "--no-verify-ssl")
	}
	return &awsCLI{bin: bin, env: env, global: global, dir: dir}
}

// awsCLIIsV1 reports whether bin is version 1 of the CLI.
func awsCLIIsV1(t *testing.T, bin, home string) bool {
	t.Helper()
	cmd := exec.CommandContext(ctx(t), bin, "--version")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "AWS_PAGER="}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PYENV_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s --version: %v\n%s", bin, err, out)
	}
	return strings.HasPrefix(string(out), "aws-cli/1.")
}

// run runs one command, feeding it stdin (may be nil).
func (c *awsCLI) run(t *testing.T, stdin io.Reader, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.CommandContext(ctx(t), c.bin, append(slices.Clone(args), c.global...)...)
	cmd.Env, cmd.Dir, cmd.Stdin = c.env, c.dir, stdin
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// must runs a command that has to succeed and returns its output.
func (c *awsCLI) must(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := c.run(t, nil, args...)
	if err != nil {
		t.Fatalf("aws %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// json runs a command with JSON output and decodes it into v.
func (c *awsCLI) json(t *testing.T, v any, args ...string) {
	t.Helper()
	out := c.must(t, append(args, "--output", "json")...)
	if strings.TrimSpace(out) == "" {
		out = "{}"
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("aws %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// fails runs a command that has to fail with the S3 error code given (as the
// CLI prints it: "An error occurred (Code) when calling ...").
func (c *awsCLI) fails(t *testing.T, code string, args ...string) {
	t.Helper()
	out, errOut, err := c.run(t, nil, args...)
	if err == nil {
		t.Fatalf("aws %s succeeded, want error %s\n%s", strings.Join(args, " "), code, out)
	}
	if !strings.Contains(errOut, "("+code+")") {
		t.Fatalf("aws %s: want error %s, got: %s", strings.Join(args, " "), code, errOut)
	}
}

// step is one stage of a scenario; later stages build on earlier ones.
type step struct {
	name string
	run  func(t *testing.T)
}

func runSteps(t *testing.T, steps []step) {
	t.Helper()
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			t.FailNow() // the following steps depend on this one
		}
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readTree maps the slash-separated path of every file below dir to its content.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	tree := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		tree[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// lsLine is one line of `aws s3 ls`: "2024-01-02 03:04:05   1234 key".
var lsLine = regexp.MustCompile(`^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) +(\d+) (.+)$`)

// parseLS maps the keys `aws s3 ls --recursive` prints to their sizes.
func parseLS(t *testing.T, out string) map[string]int64 {
	t.Helper()
	got := map[string]int64{}
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		m := lsLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("unexpected `aws s3 ls` line %q", line)
		}
		if _, err := time.Parse(time.DateTime, m[1]); err != nil {
			t.Fatalf("`aws s3 ls` line %q: %v", line, err)
		}
		n, _ := strconv.ParseInt(m[2], 10, 64)
		got[m[3]] = n
	}
	return got
}

// transfers counts the "upload:"/"download:"/"copy:" lines of a cp or sync.
func transfers(out string) int {
	n := 0
	for _, line := range strings.Split(out, "\n") {
		for _, p := range []string{"upload: ", "download: ", "copy: "} {
			if strings.HasPrefix(line, p) {
				n++
			}
		}
	}
	return n
}

// curl fetches url with curl and returns the status and body.
func curl(t *testing.T, url string, insecure bool) (int, []byte) {
	t.Helper()
	body := filepath.Join(t.TempDir(), "body")
	args := []string{"-sS", "-o", body, "-w", "%{http_code}"}
	if insecure {
		args = append(args, "-k")
	}
	out, err := exec.CommandContext(ctx(t), curlPath(t), append(args, url)...).Output()
	if err != nil {
		t.Fatalf("curl %s: %v", url, err)
	}
	status, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("curl %s: status %q", url, out)
	}
	return status, readFile(t, body)
}

func TestAWSCLIS3(t *testing.T) {
	bin := awsCLIPath(t)
	srv := startServer(t)
	cli := newAWSCLI(t, bin, srv)
	work := t.TempDir()
	const bucket = "cli-s3"
	s3url := func(key string) string { return "s3://" + bucket + "/" + key }

	small := []byte("hello from the aws cli\n")
	big := genBytes(100, 100<<20) // above the CLI's 8 MiB multipart threshold
	stdin := bytes.Repeat([]byte("streamed through stdin\n"), 3000)
	tree := map[string]string{
		"top.txt":         "top\n",
		"empty.txt":       "",
		"a/one.txt":       "one\n",
		"a/b/two.txt":     "two\n",
		"a/b/c/three.bin": string(genBytes(3, 200<<10)),
		"dir with space/ünïcødé файл ✓.txt": "unicode name\n",
	}

	runSteps(t, []step{
		{"mb", func(t *testing.T) {
			if out := cli.must(t, "s3", "mb", "s3://"+bucket); !strings.Contains(out, "make_bucket: "+bucket) {
				t.Fatalf("s3 mb: %q", out)
			}
			if out := cli.must(t, "s3", "ls"); !strings.Contains(out, " "+bucket+"\n") {
				t.Fatalf("s3 ls does not list the new bucket: %q", out)
			}
		}},
		{"cp small", func(t *testing.T) {
			src, dst := filepath.Join(work, "small.txt"), filepath.Join(work, "small.out")
			writeFile(t, src, small)
			if out := cli.must(t, "s3", "cp", src, s3url("small.txt"), "--no-progress"); transfers(out) != 1 {
				t.Fatalf("s3 cp up: %q", out)
			}
			cli.must(t, "s3", "cp", s3url("small.txt"), dst, "--no-progress")
			if got := readFile(t, dst); !bytes.Equal(got, small) {
				t.Fatalf("downloaded %q, want %q", got, small)
			}
		}},
		{"cp 100MiB multipart", func(t *testing.T) {
			src, dst := filepath.Join(work, "big.bin"), filepath.Join(work, "big.out")
			writeFile(t, src, big)
			cli.must(t, "s3", "cp", src, s3url("big.bin"), "--only-show-errors")
			var head struct {
				ContentLength int64
				ETag          string
			}
			cli.json(t, &head, "s3api", "head-object", "--bucket", bucket, "--key", "big.bin")
			if head.ContentLength != int64(len(big)) {
				t.Errorf("ContentLength %d, want %d", head.ContentLength, len(big))
			}
			if want := multipartETag(big, 8<<20); head.ETag != want || !strings.HasSuffix(head.ETag, `-13"`) {
				t.Errorf("ETag %s, want %s (13 parts of 8 MiB)", head.ETag, want)
			}
			cli.must(t, "s3", "cp", s3url("big.bin"), dst, "--only-show-errors")
			if got := readFile(t, dst); !bytes.Equal(got, big) {
				t.Fatalf("downloaded copy differs: %d bytes, want %d", len(got), len(big))
			}
			os.Remove(src)
			os.Remove(dst)
		}},
		{"cp stdin", func(t *testing.T) {
			if out, errOut, err := cli.run(t, bytes.NewReader(stdin), "s3", "cp", "-", s3url("stdin.txt"), "--only-show-errors"); err != nil {
				t.Fatalf("s3 cp -: %v\n%s%s", err, out, errOut)
			}
			out := cli.must(t, "s3", "cp", s3url("stdin.txt"), "-")
			if out != string(stdin) {
				t.Fatalf("s3 cp to stdout: %d bytes, want %d", len(out), len(stdin))
			}
		}},
		{"sync up and down", func(t *testing.T) {
			src, dst := filepath.Join(work, "tree"), filepath.Join(work, "tree-copy")
			for name, content := range tree {
				writeFile(t, filepath.Join(src, filepath.FromSlash(name)), []byte(content))
			}
			if out := cli.must(t, "s3", "sync", src, s3url("tree"), "--no-progress"); transfers(out) != len(tree) {
				t.Fatalf("sync up transferred %d files, want %d:\n%s", transfers(out), len(tree), out)
			}
			if out := cli.must(t, "s3", "sync", src, s3url("tree"), "--no-progress"); strings.TrimSpace(out) != "" {
				t.Errorf("second sync up transferred files:\n%s", out)
			}
			if out := cli.must(t, "s3", "sync", s3url("tree"), dst, "--no-progress"); transfers(out) != len(tree) {
				t.Fatalf("sync down transferred %d files, want %d:\n%s", transfers(out), len(tree), out)
			}
			if got := readTree(t, dst); !maps.Equal(got, tree) {
				t.Fatalf("synced tree has %v, want %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(tree)))
			}
			if out := cli.must(t, "s3", "sync", s3url("tree"), dst, "--no-progress"); strings.TrimSpace(out) != "" {
				t.Errorf("second sync down transferred files:\n%s", out)
			}
		}},
		{"ls", func(t *testing.T) {
			want := map[string]int64{"small.txt": int64(len(small)), "big.bin": int64(len(big)), "stdin.txt": int64(len(stdin))}
			for name, content := range tree {
				want["tree/"+name] = int64(len(content))
			}
			if got := parseLS(t, cli.must(t, "s3", "ls", "s3://"+bucket, "--recursive")); !maps.Equal(got, want) {
				t.Fatalf("s3 ls --recursive:\n got %v\nwant %v", got, want)
			}
			out := cli.must(t, "s3", "ls", s3url("tree/"))
			for _, line := range []string{"PRE a/", "PRE dir with space/"} {
				if !strings.Contains(out, line+"\n") {
					t.Errorf("s3 ls of a prefix lacks %q:\n%s", line, out)
				}
			}
			if got := parseLS(t, strings.Join(slices.DeleteFunc(strings.Split(out, "\n"), func(l string) bool {
				return strings.Contains(l, " PRE ")
			}), "\n")); !maps.Equal(got, map[string]int64{"top.txt": 4, "empty.txt": 0}) {
				t.Errorf("s3 ls of a prefix lists files %v", got)
			}
		}},
		{"rm recursive", func(t *testing.T) {
			cli.must(t, "s3", "rm", "s3://"+bucket, "--recursive", "--only-show-errors")
			var res struct {
				KeyCount int
				Contents []any
			}
			cli.json(t, &res, "s3api", "list-objects-v2", "--bucket", bucket)
			if res.KeyCount != 0 || len(res.Contents) != 0 {
				t.Fatalf("bucket not empty after s3 rm --recursive: %+v", res)
			}
		}},
		{"rb", func(t *testing.T) {
			if out := cli.must(t, "s3", "rb", "s3://"+bucket); !strings.Contains(out, "remove_bucket: "+bucket) {
				t.Fatalf("s3 rb: %q", out)
			}
			cli.fails(t, "404", "s3api", "head-bucket", "--bucket", bucket)
		}},
	})
}

func TestAWSCLIS3API(t *testing.T) {
	bin := awsCLIPath(t)
	srv := startServer(t)
	cli := newAWSCLI(t, bin, srv)
	work := t.TempDir()
	const bucket = "cli-api"
	api := func(op string, args ...string) []string {
		return append([]string{"s3api", op, "--bucket", bucket}, args...)
	}
	doc := []byte("# readme\nsome words for ranges\n")
	docPath := filepath.Join(work, "readme.md")
	writeFile(t, docPath, doc)

	type object struct {
		Key          string
		Size         int64
		ETag         string
		LastModified string
	}
	type listing struct {
		Contents       []object
		CommonPrefixes []struct{ Prefix string }
		NextToken      string
		KeyCount       int
	}
	keys := func(l listing) []string {
		var ks []string
		for _, o := range l.Contents {
			ks = append(ks, o.Key)
		}
		return ks
	}
	put := func(t *testing.T, key string) {
		t.Helper()
		cli.must(t, api("put-object", "--key", key, "--body", docPath)...)
	}
	pageKeys := make([]string, 11)
	for i := range pageKeys {
		pageKeys[i] = fmt.Sprintf("page/k%02d", i)
	}

	runSteps(t, []step{
		{"create-bucket", func(t *testing.T) {
			cli.must(t, api("create-bucket")...)
			cli.fails(t, "BucketAlreadyOwnedByYou", api("create-bucket")...)
		}},
		{"head-bucket", func(t *testing.T) {
			cli.must(t, api("head-bucket")...)
			cli.fails(t, "404", "s3api", "head-bucket", "--bucket", "no-such-bucket")
		}},
		{"list-buckets", func(t *testing.T) {
			var res struct {
				Buckets []struct{ Name, CreationDate string }
				Owner   struct{ ID string }
			}
			cli.json(t, &res, "s3api", "list-buckets")
			if len(res.Buckets) != 1 || res.Buckets[0].Name != bucket || res.Buckets[0].CreationDate == "" {
				t.Fatalf("list-buckets: %+v", res)
			}
		}},
		{"put-object", func(t *testing.T) {
			var res struct{ ETag string }
			cli.json(t, &res, api("put-object", "--key", "docs/readme.md", "--body", docPath,
				"--metadata", "color=blue,shape=round", "--content-type", "text/markdown")...)
			if want := `"` + md5Hex(doc) + `"`; res.ETag != want {
				t.Fatalf("put-object ETag %s, want %s", res.ETag, want)
			}
		}},
		{"head-object", func(t *testing.T) {
			var res struct {
				AcceptRanges  string
				LastModified  string
				ContentLength int64
				ETag          string
				ContentType   string
				Metadata      map[string]string
			}
			cli.json(t, &res, api("head-object", "--key", "docs/readme.md")...)
			lm, err := time.Parse(time.RFC3339, res.LastModified)
			if err != nil { // CLI v1 prints the header as sent
				lm, err = http.ParseTime(res.LastModified)
			}
			if err != nil || time.Since(lm) > time.Hour || res.AcceptRanges != "bytes" || res.ContentLength != int64(len(doc)) ||
				res.ETag != `"`+md5Hex(doc)+`"` || res.ContentType != "text/markdown" ||
				!maps.Equal(res.Metadata, map[string]string{"color": "blue", "shape": "round"}) {
				t.Fatalf("head-object: %+v (LastModified: %v)", res, err)
			}
			cli.fails(t, "404", api("head-object", "--key", "docs/missing")...)
		}},
		{"get-object range", func(t *testing.T) {
			out := filepath.Join(work, "range.out")
			var res struct {
				ContentRange  string
				ContentLength int64
			}
			cli.json(t, &res, api("get-object", "--key", "docs/readme.md", "--range", "bytes=2-7", out)...)
			if want := fmt.Sprintf("bytes 2-7/%d", len(doc)); res.ContentRange != want || res.ContentLength != 6 {
				t.Errorf("get-object --range: %+v, want ContentRange %s", res, want)
			}
			if got := readFile(t, out); string(got) != string(doc[2:8]) {
				t.Errorf("ranged body %q, want %q", got, doc[2:8])
			}
			cli.fails(t, "NoSuchKey", api("get-object", "--key", "docs/missing", out)...)
		}},
		{"copy-object replace metadata", func(t *testing.T) {
			var res struct{ CopyObjectResult struct{ ETag string } }
			cli.json(t, &res, api("copy-object", "--key", "docs/copy.md", "--copy-source", bucket+"/docs/readme.md",
				"--metadata-directive", "REPLACE", "--metadata", "v=2", "--content-type", "text/plain")...)
			if res.CopyObjectResult.ETag != `"`+md5Hex(doc)+`"` {
				t.Errorf("copy ETag %s", res.CopyObjectResult.ETag)
			}
			var head struct {
				ContentType   string
				ContentLength int64
				Metadata      map[string]string
			}
			cli.json(t, &head, api("head-object", "--key", "docs/copy.md")...)
			if head.ContentType != "text/plain" || head.ContentLength != int64(len(doc)) || !maps.Equal(head.Metadata, map[string]string{"v": "2"}) {
				t.Fatalf("copy with REPLACE: %+v", head)
			}
		}},
		{"list-objects-v2 prefix delimiter", func(t *testing.T) {
			for _, k := range []string{"tree/a/1", "tree/a/2", "tree/b/1", "tree/top"} {
				put(t, k)
			}
			var res listing
			cli.json(t, &res, api("list-objects-v2", "--prefix", "tree/", "--delimiter", "/")...)
			var prefixes []string
			for _, p := range res.CommonPrefixes {
				prefixes = append(prefixes, p.Prefix)
			}
			if !slices.Equal(prefixes, []string{"tree/a/", "tree/b/"}) || !slices.Equal(keys(res), []string{"tree/top"}) {
				t.Fatalf("delimiter listing: prefixes %v, keys %v", prefixes, keys(res))
			}
			if o := res.Contents[0]; o.Size != int64(len(doc)) || o.ETag != `"`+md5Hex(doc)+`"` || o.LastModified == "" {
				t.Fatalf("listed object %+v", o)
			}
		}},
		{"list-objects-v2 paging", func(t *testing.T) {
			for _, k := range pageKeys {
				put(t, k)
			}
			var got []string
			token := ""
			for calls := 0; ; calls++ {
				if calls > 10 {
					t.Fatalf("paging does not end; keys so far %v", got)
				}
				args := api("list-objects-v2", "--prefix", "page/", "--max-items", "4", "--page-size", "3")
				if token != "" {
					args = append(args, "--starting-token", token)
				}
				var res listing
				cli.json(t, &res, args...)
				if len(res.Contents) > 4 {
					t.Fatalf("--max-items 4 gave %d keys", len(res.Contents))
				}
				got = append(got, keys(res)...)
				if token = res.NextToken; token == "" {
					break
				}
			}
			if !slices.Equal(got, pageKeys) {
				t.Fatalf("paged keys %v, want %v", got, pageKeys)
			}
		}},
		{"list-objects v1", func(t *testing.T) {
			var res listing
			cli.json(t, &res, api("list-objects", "--prefix", "page/", "--page-size", "4")...)
			if !slices.Equal(keys(res), pageKeys) {
				t.Fatalf("list-objects with 4-key pages: %v", keys(res))
			}
			cli.json(t, &res, api("list-objects", "--prefix", "tree/", "--delimiter", "/")...)
			if len(res.CommonPrefixes) != 2 || !slices.Equal(keys(res), []string{"tree/top"}) {
				t.Fatalf("list-objects with delimiter: %+v", res)
			}
		}},
		{"delete-objects", func(t *testing.T) {
			var res struct {
				Deleted []struct{ Key string }
				Errors  []any
			}
			cli.json(t, &res, api("delete-objects", "--delete", `{"Objects":[{"Key":"page/k00"},{"Key":"page/k01"},{"Key":"page/missing"}]}`)...)
			if len(res.Deleted) != 3 || len(res.Errors) != 0 {
				t.Fatalf("delete-objects: %+v", res)
			}
			var l listing
			cli.json(t, &l, api("list-objects-v2", "--prefix", "page/")...)
			if !slices.Equal(keys(l), pageKeys[2:]) {
				t.Fatalf("after delete-objects: %v", keys(l))
			}
		}},
		{"multipart", func(t *testing.T) {
			parts := [][]byte{genBytes(11, 5<<20), genBytes(12, 1234)}
			var up struct{ UploadId string }
			cli.json(t, &up, api("create-multipart-upload", "--key", "mp/obj", "--content-type", "application/x-test")...)
			if up.UploadId == "" {
				t.Fatal("create-multipart-upload gave no UploadId")
			}
			type part struct {
				PartNumber int
				ETag       string
				Size       int64 `json:",omitempty"`
			}
			var done []part
			for i, p := range parts {
				path := filepath.Join(work, fmt.Sprintf("part%d", i+1))
				writeFile(t, path, p)
				var res struct{ ETag string }
				cli.json(t, &res, api("upload-part", "--key", "mp/obj", "--upload-id", up.UploadId,
					"--part-number", strconv.Itoa(i+1), "--body", path)...)
				if want := `"` + md5Hex(p) + `"`; res.ETag != want {
					t.Fatalf("upload-part %d: ETag %s, want %s", i+1, res.ETag, want)
				}
				done = append(done, part{PartNumber: i + 1, ETag: res.ETag})
			}
			var lp struct{ Parts []part }
			cli.json(t, &lp, api("list-parts", "--key", "mp/obj", "--upload-id", up.UploadId)...)
			if len(lp.Parts) != 2 || lp.Parts[0].Size != 5<<20 || lp.Parts[1].Size != 1234 || lp.Parts[1].ETag != done[1].ETag {
				t.Fatalf("list-parts: %+v", lp)
			}
			var ups struct {
				Uploads []struct{ Key, UploadId string }
			}
			cli.json(t, &ups, api("list-multipart-uploads")...)
			if len(ups.Uploads) != 1 || ups.Uploads[0].UploadId != up.UploadId || ups.Uploads[0].Key != "mp/obj" {
				t.Fatalf("list-multipart-uploads: %+v", ups)
			}
			js, _ := json.Marshal(map[string][]part{"Parts": done})
			partsFile := filepath.Join(work, "parts.json")
			writeFile(t, partsFile, js)
			var res struct{ ETag, Key string }
			cli.json(t, &res, api("complete-multipart-upload", "--key", "mp/obj", "--upload-id", up.UploadId,
				"--multipart-upload", "file://"+partsFile)...)
			whole := slices.Concat(parts...)
			if want := multipartETag(whole, 5<<20); res.ETag != want || res.Key != "mp/obj" {
				t.Fatalf("complete-multipart-upload: %+v, want ETag %s", res, want)
			}
			var head struct {
				ContentLength int64
				ContentType   string
				ETag          string
			}
			cli.json(t, &head, api("head-object", "--key", "mp/obj")...)
			if head.ContentLength != int64(len(whole)) || head.ContentType != "application/x-test" || head.ETag != res.ETag {
				t.Fatalf("head of the completed upload: %+v", head)
			}
			out := filepath.Join(work, "mp.out")
			cli.must(t, api("get-object", "--key", "mp/obj", out)...)
			if !bytes.Equal(readFile(t, out), whole) {
				t.Fatal("completed upload's content differs")
			}
		}},
		{"abort-multipart-upload", func(t *testing.T) {
			var up struct{ UploadId string }
			cli.json(t, &up, api("create-multipart-upload", "--key", "mp/aborted")...)
			cli.must(t, api("upload-part", "--key", "mp/aborted", "--upload-id", up.UploadId, "--part-number", "1", "--body", docPath)...)
			cli.must(t, api("abort-multipart-upload", "--key", "mp/aborted", "--upload-id", up.UploadId)...)
			cli.fails(t, "NoSuchUpload", api("list-parts", "--key", "mp/aborted", "--upload-id", up.UploadId)...)
			var ups struct{ Uploads []any }
			cli.json(t, &ups, api("list-multipart-uploads")...)
			if len(ups.Uploads) != 0 {
				t.Fatalf("uploads listed after abort: %+v", ups)
			}
			cli.fails(t, "404", api("head-object", "--key", "mp/aborted")...)
		}},
		{"delete-object", func(t *testing.T) {
			cli.must(t, api("delete-object", "--key", "docs/readme.md")...)
			cli.fails(t, "404", api("head-object", "--key", "docs/readme.md")...)
			cli.must(t, api("delete-object", "--key", "docs/readme.md")...) // deleting a missing key succeeds
		}},
		{"delete-bucket", func(t *testing.T) {
			cli.fails(t, "BucketNotEmpty", api("delete-bucket")...)
			var l listing
			cli.json(t, &l, api("list-objects-v2")...)
			var objs []map[string]string
			for _, k := range keys(l) {
				objs = append(objs, map[string]string{"Key": k})
			}
			js, _ := json.Marshal(map[string]any{"Objects": objs, "Quiet": true})
			cli.must(t, api("delete-objects", "--delete", string(js))...)
			cli.must(t, api("delete-bucket")...)
			cli.fails(t, "404", api("head-bucket")...)
			cli.fails(t, "NoSuchBucket", api("delete-bucket")...)
		}},
	})
}

// TestAWSCLIMultipartUploadPaging pages through the uploads of one key with
// the CLI, which follows NextKeyMarker and NextUploadIdMarker.
func TestAWSCLIMultipartUploadPaging(t *testing.T) {
	bin := awsCLIPath(t)
	srv := startServer(t)
	cli := newAWSCLI(t, bin, srv)
	const bucket = "cli-uploads"
	api := func(op string, args ...string) []string {
		return append([]string{"s3api", op, "--bucket", bucket}, args...)
	}
	cli.must(t, api("create-bucket")...)
	// S3 lists the uploads of one key in the order they were
	// initiated, and pages through them with key and upload-id
	// markers. Upload ids are random, so make sure a later upload
	// has a smaller id than an earlier one.
	var ids []string
	descending := func() bool {
		for i := 1; i < len(ids); i++ {
			if ids[i] < ids[i-1] {
				return true
			}
		}
		return false
	}
	for len(ids) < 3 || !descending() {
		if len(ids) == 12 {
			t.Fatalf("upload ids %v are all ascending", ids)
		}
		var up struct{ UploadId string }
		cli.json(t, &up, api("create-multipart-upload", "--key", "mp/many")...)
		ids = append(ids, up.UploadId)
	}
	var all, paged struct {
		Uploads []struct{ Key, UploadId string }
	}
	cli.json(t, &all, api("list-multipart-uploads")...)
	cli.json(t, &paged, api("list-multipart-uploads", "--page-size", "1")...)
	var gotAll, gotPaged []string
	for _, u := range all.Uploads {
		gotAll = append(gotAll, u.UploadId)
	}
	for _, u := range paged.Uploads {
		gotPaged = append(gotPaged, u.UploadId)
	}
	if !slices.Equal(gotAll, ids) {
		t.Errorf("list-multipart-uploads: %v, want the uploads in the order initiated %v", gotAll, ids)
	}
	if !slices.Equal(gotPaged, ids) {
		t.Errorf("list-multipart-uploads --page-size 1: %v, want %v", gotPaged, ids)
	}
}

func TestAWSCLIPresign(t *testing.T) {
	bin := awsCLIPath(t)
	srv := startServer(t)
	cli := newAWSCLI(t, bin, srv)
	testPresign(t, cli, false)
}

// testPresign uploads an object, presigns a GET for it and fetches that
// with curl, then checks that a link valid for one second stops working.
func testPresign(t *testing.T, cli *awsCLI, insecure bool) {
	const bucket = "cli-presign"
	body := []byte("fetched with a presigned URL\n")
	src := filepath.Join(t.TempDir(), "obj.txt")
	writeFile(t, src, body)
	cli.must(t, "s3", "mb", "s3://"+bucket)
	cli.must(t, "s3", "cp", src, "s3://"+bucket+"/dir/obj.txt", "--no-progress")

	t.Run("fetch", func(t *testing.T) {
		url := strings.TrimSpace(cli.must(t, "s3", "presign", "s3://"+bucket+"/dir/obj.txt", "--expires-in", "300"))
		if !strings.Contains(url, "X-Amz-Signature=") {
			t.Fatalf("presign printed %q", url)
		}
		if status, got := curl(t, url, insecure); status != 200 || !bytes.Equal(got, body) {
			t.Fatalf("curl presigned URL: %d %q", status, got)
		}
		url = strings.TrimSpace(cli.must(t, "s3", "presign", "s3://"+bucket+"/dir/missing"))
		if status, got := curl(t, url, insecure); status != 404 || errorCode(got) != "NoSuchKey" {
			t.Fatalf("curl presigned URL of a missing key: %d %s", status, got)
		}
	})
	t.Run("expired", func(t *testing.T) {
		url := strings.TrimSpace(cli.must(t, "s3", "presign", "s3://"+bucket+"/dir/obj.txt", "--expires-in", "1"))
		deadline := time.Now().Add(10 * time.Second)
		for {
			status, got := curl(t, url, insecure)
			if status == 403 {
				if code := errorCode(got); code != "AccessDenied" {
					t.Fatalf("expired presigned URL: %d %s, want AccessDenied", status, got)
				}
				return
			}
			if status != 200 || time.Now().After(deadline) {
				t.Fatalf("presigned URL valid for 1s, fetched later: %d %s", status, got)
			}
			time.Sleep(200 * time.Millisecond) // polling for the expiry
		}
	})
}

// TestAWSCLIOverTLS runs a subset over HTTPS, where the CLI sends
// UNSIGNED-PAYLOAD bodies and, with a flexible checksum, aws-chunked bodies
// with a trailing checksum.
func TestAWSCLIOverTLS(t *testing.T) {
	bin := awsCLIPath(t)
	srv := startServer(t, "--tls-self-signed")
	cli := newAWSCLI(t, bin, srv)
	work := t.TempDir()
	const bucket = "cli-tls"
	small := []byte("hello over https\n")
	chunked := genBytes(7, 300<<10)
	src := filepath.Join(work, "small.txt")
	writeFile(t, src, small)

	runSteps(t, []step{
		{"mb", func(t *testing.T) { cli.must(t, "s3", "mb", "s3://"+bucket) }},
		{"cp small", func(t *testing.T) {
			cli.must(t, "s3", "cp", src, "s3://"+bucket+"/small.txt", "--no-progress")
			dst := filepath.Join(work, "small.out")
			cli.must(t, "s3", "cp", "s3://"+bucket+"/small.txt", dst, "--no-progress")
			if got := readFile(t, dst); !bytes.Equal(got, small) {
				t.Fatalf("downloaded %q, want %q", got, small)
			}
		}},
		{"put-object aws-chunked", func(t *testing.T) {
			path := filepath.Join(work, "chunked.bin")
			writeFile(t, path, chunked)
			var res struct{ ETag, ChecksumCRC32 string }
			cli.json(t, &res, "s3api", "put-object", "--bucket", bucket, "--key", "chunked.bin", "--body", path, "--checksum-algorithm", "CRC32")
			sum := binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(chunked))
			if res.ETag != `"`+md5Hex(chunked)+`"` || res.ChecksumCRC32 != base64.StdEncoding.EncodeToString(sum) {
				t.Fatalf("put-object --checksum-algorithm CRC32: %+v", res)
			}
			dst := filepath.Join(work, "chunked.out")
			var head struct{ ContentEncoding string }
			cli.json(t, &head, "s3api", "get-object", "--bucket", bucket, "--key", "chunked.bin", dst)
			if got := readFile(t, dst); !bytes.Equal(got, chunked) || head.ContentEncoding != "" {
				t.Fatalf("aws-chunked upload stored %d bytes (want %d), Content-Encoding %q", len(got), len(chunked), head.ContentEncoding)
			}
		}},
		{"ls", func(t *testing.T) {
			want := map[string]int64{"small.txt": int64(len(small)), "chunked.bin": int64(len(chunked))}
			if got := parseLS(t, cli.must(t, "s3", "ls", "s3://"+bucket, "--recursive")); !maps.Equal(got, want) {
				t.Fatalf("s3 ls --recursive: %v, want %v", got, want)
			}
		}},
		{"presign", func(t *testing.T) { testPresign(t, cli, true) }},
	})
}

// TestAWSCLIv1StdinOverTLS: the v1 CLI, where one is on PATH, streams stdin
// over HTTPS as aws-chunked with a trailing CRC32. A fresh machine has only
// Debian's v2, so this skips there.
func TestAWSCLIv1StdinOverTLS(t *testing.T) {
	bin, err := exec.LookPath("aws")
	if err != nil || !awsCLIIsV1(t, bin, t.TempDir()) {
		t.Skip("no aws CLI v1 on PATH (pip install awscli gives one)")
	}
	srv := startServer(t, "--tls-self-signed")
	cli := newAWSCLI(t, bin, srv)
	data := genBytes(11, 3<<20)
	cli.must(t, "s3", "mb", "s3://cli-v1")
	if _, stderr, err := cli.run(t, bytes.NewReader(data), "s3", "cp", "-", "s3://cli-v1/stdin.bin"); err != nil {
		t.Fatalf("cp - over TLS: %v\n%s", err, stderr)
	}
	dst := filepath.Join(t.TempDir(), "stdin.out")
	cli.must(t, "s3", "cp", "s3://cli-v1/stdin.bin", dst, "--no-progress")
	if got := readFile(t, dst); !bytes.Equal(got, data) {
		t.Fatalf("stored %d bytes, want %d", len(got), len(data))
	}
}
