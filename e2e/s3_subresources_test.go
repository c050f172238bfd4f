package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestS3Subresources drives S3's subresource operations (tagging, ACLs,
// bucket configurations, attributes, location constraints) with the aws
// CLI, and checks that none of them reaches the object or bucket it names
// as a plain write or delete would.
func TestS3Subresources(t *testing.T) {
	bin := awsCLIPath(t)
	srv := startServer(t)
	cli := newAWSCLI(t, bin, srv)
	work := t.TempDir()
	const bucket = "subresources"
	api := func(op string, args ...string) []string {
		return append([]string{"s3api", op, "--bucket", bucket}, args...)
	}
	body := []byte("tagged data\n")
	bodyPath := filepath.Join(work, "body.txt")
	writeFile(t, bodyPath, body)

	type tagSet struct{ TagSet []struct{ Key, Value string } }
	tags := func(t *testing.T, args ...string) map[string]string {
		t.Helper()
		var res tagSet
		cli.json(t, &res, args...)
		m := map[string]string{}
		for _, tag := range res.TagSet {
			m[tag.Key] = tag.Value
		}
		return m
	}
	wantTags := func(t *testing.T, got map[string]string, want ...string) {
		t.Helper()
		w := map[string]string{}
		for i := 0; i+1 < len(want); i += 2 {
			w[want[i]] = want[i+1]
		}
		if len(got) != len(w) {
			t.Fatalf("tags %v, want %v", got, w)
		}
		for k, v := range w {
			if got[k] != v {
				t.Fatalf("tags %v, want %v", got, w)
			}
		}
	}
	objectHere := func(t *testing.T, key string) {
		t.Helper()
		out := filepath.Join(work, "check.out")
		cli.must(t, api("get-object", "--key", key, out)...)
		if got := readFile(t, out); string(got) != string(body) {
			t.Fatalf("%s holds %q, want %q", key, got, body)
		}
	}
	tagCount := func(t *testing.T, key string) int {
		t.Helper()
		var res struct{ TagCount int }
		cli.json(t, &res, api("get-object", "--key", key, filepath.Join(work, "count.out"))...)
		return res.TagCount
	}

	runSteps(t, []step{
		{"create-bucket", func(t *testing.T) {
			cli.must(t, api("create-bucket")...)
		}},
		{"put-object --tagging", func(t *testing.T) {
			cli.must(t, api("put-object", "--key", "a.txt", "--body", bodyPath, "--tagging", "team=data&stage=raw%20zone")...)
			wantTags(t, tags(t, api("get-object-tagging", "--key", "a.txt")...), "team", "data", "stage", "raw zone")
			if n := tagCount(t, "a.txt"); n != 2 {
				t.Errorf("get-object TagCount %d, want 2", n)
			}
		}},
		{"put-object-tagging", func(t *testing.T) {
			cli.must(t, api("put-object-tagging", "--key", "a.txt", "--tagging", "TagSet=[{Key=owner,Value=lake@example}]")...)
			wantTags(t, tags(t, api("get-object-tagging", "--key", "a.txt")...), "owner", "lake@example")
			cli.fails(t, "InvalidTag", api("put-object-tagging", "--key", "a.txt", "--tagging", "TagSet=[{Key=k,Value=a},{Key=k,Value=b}]")...)
			cli.fails(t, "NoSuchKey", api("put-object-tagging", "--key", "missing.txt", "--tagging", "TagSet=[{Key=k,Value=v}]")...)
		}},
		{"delete-object-tagging keeps the object", func(t *testing.T) {
			cli.must(t, api("delete-object-tagging", "--key", "a.txt")...)
			wantTags(t, tags(t, api("get-object-tagging", "--key", "a.txt")...))
			objectHere(t, "a.txt")
			if n := tagCount(t, "a.txt"); n != 0 {
				t.Errorf("get-object TagCount %d after delete-object-tagging", n)
			}
		}},
		{"copy-object tagging directive", func(t *testing.T) {
			cli.must(t, api("put-object-tagging", "--key", "a.txt", "--tagging", "TagSet=[{Key=src,Value=1}]")...)
			cli.must(t, api("copy-object", "--key", "copy.txt", "--copy-source", bucket+"/a.txt")...)
			wantTags(t, tags(t, api("get-object-tagging", "--key", "copy.txt")...), "src", "1")
			cli.must(t, api("copy-object", "--key", "replaced.txt", "--copy-source", bucket+"/a.txt",
				"--tagging-directive", "REPLACE", "--tagging", "dst=2")...)
			wantTags(t, tags(t, api("get-object-tagging", "--key", "replaced.txt")...), "dst", "2")
			objectHere(t, "replaced.txt")
		}},
		{"bucket tagging", func(t *testing.T) {
			cli.fails(t, "NoSuchTagSet", api("get-bucket-tagging")...)
			cli.must(t, api("put-bucket-tagging", "--tagging", "TagSet=[{Key=env,Value=test},{Key=cost,Value=42}]")...)
			wantTags(t, tags(t, api("get-bucket-tagging")...), "env", "test", "cost", "42")
			cli.must(t, api("delete-bucket-tagging")...)
			cli.fails(t, "NoSuchTagSet", api("get-bucket-tagging")...)
			cli.must(t, api("head-bucket")...)
		}},
		{"get-bucket-versioning", func(t *testing.T) {
			var res map[string]any
			cli.json(t, &res, api("get-bucket-versioning")...)
			if _, ok := res["Status"]; ok {
				t.Fatalf("get-bucket-versioning: %v, want no Status", res)
			}
			cli.must(t, api("put-bucket-versioning", "--versioning-configuration", "Status=Suspended")...)
			cli.fails(t, "NotImplemented", api("put-bucket-versioning", "--versioning-configuration", "Status=Enabled")...)
		}},
		{"get-bucket-policy", func(t *testing.T) {
			cli.fails(t, "NoSuchBucketPolicy", api("get-bucket-policy")...)
		}},
		{"delete-bucket-cors and delete-bucket-policy keep the bucket", func(t *testing.T) {
			cli.must(t, api("delete-bucket-cors")...)
			cli.must(t, api("delete-bucket-policy")...)
			cli.must(t, api("head-bucket")...)
			objectHere(t, "a.txt")
		}},
		{"put-bucket-acl on a missing bucket", func(t *testing.T) {
			cli.fails(t, "NoSuchBucket", "s3api", "put-bucket-acl", "--bucket", "never-created", "--acl", "private")
			cli.fails(t, "404", "s3api", "head-bucket", "--bucket", "never-created")
		}},
		{"get-bucket-acl and get-object-acl", func(t *testing.T) {
			type acl struct {
				Owner  struct{ ID string }
				Grants []struct {
					Grantee    struct{ ID, Type string }
					Permission string
				}
			}
			for _, args := range [][]string{api("get-bucket-acl"), api("get-object-acl", "--key", "a.txt")} {
				var res acl
				cli.json(t, &res, args...)
				if res.Owner.ID == "" || len(res.Grants) != 1 || res.Grants[0].Permission != "FULL_CONTROL" ||
					res.Grants[0].Grantee.Type != "CanonicalUser" || res.Grants[0].Grantee.ID != res.Owner.ID {
					t.Fatalf("%s: %+v", args[1], res)
				}
			}
			cli.must(t, api("put-bucket-acl", "--acl", "private")...)
			cli.fails(t, "NotImplemented", api("put-bucket-acl", "--acl", "public-read")...)
		}},
		{"get-object-attributes", func(t *testing.T) {
			var res struct {
				ETag         string
				ObjectSize   int64
				StorageClass string
			}
			cli.json(t, &res, api("get-object-attributes", "--key", "a.txt", "--object-attributes", "ETag", "ObjectSize", "StorageClass")...)
			if res.ETag != md5Hex(body) || res.ObjectSize != int64(len(body)) || res.StorageClass != "STANDARD" {
				t.Fatalf("get-object-attributes: %+v", res)
			}
		}},
		{"get-bucket-encryption", func(t *testing.T) {
			var res struct {
				ServerSideEncryptionConfiguration struct {
					Rules []struct {
						ApplyServerSideEncryptionByDefault struct{ SSEAlgorithm string }
					}
				}
			}
			cli.json(t, &res, api("get-bucket-encryption")...)
			if r := res.ServerSideEncryptionConfiguration.Rules; len(r) != 1 || r[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != "AES256" {
				t.Fatalf("get-bucket-encryption: %+v", res)
			}
		}},
		{"create-bucket location constraint", func(t *testing.T) {
			cli.fails(t, "InvalidLocationConstraint", "s3api", "create-bucket", "--bucket", "east-named",
				"--create-bucket-configuration", "LocationConstraint=us-east-1")
			cli.fails(t, "IllegalLocationConstraintException", "s3api", "create-bucket", "--bucket", "elsewhere",
				"--create-bucket-configuration", "LocationConstraint=eu-west-1")
			var res struct{ Buckets []struct{ Name string } }
			cli.json(t, &res, "s3api", "list-buckets")
			if len(res.Buckets) != 1 || res.Buckets[0].Name != bucket {
				t.Fatalf("buckets after the refused creates: %+v", res.Buckets)
			}
		}},
	})
}

// rclonePath finds rclone: $TARN_TEST_RCLONE, Debian's /usr/bin/rclone, or
// rclone on PATH. Without one the test is skipped, or fails on CI.
func rclonePath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("TARN_TEST_RCLONE"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/rclone"); err == nil {
		return "/usr/bin/rclone"
	}
	if p, err := exec.LookPath("rclone"); err == nil {
		return p
	}
	const hint = "install rclone: apt-get install -y rclone"
	if os.Getenv("CI") == "true" {
		t.Fatal("no rclone found: " + hint)
	}
	t.Skip("no rclone found: " + hint)
	return ""
}

// TestRclone syncs a folder into tarn with rclone's S3 backend, configured
// by environment alone, and has rclone check both sides by hash.
func TestRclone(t *testing.T) {
	bin := rclonePath(t)
	srv := startServer(t)
	home := t.TempDir()
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home,
		"RCLONE_CONFIG=" + filepath.Join(home, "rclone.conf"),
		"RCLONE_CONFIG_TARN_TYPE=s3",
		"RCLONE_CONFIG_TARN_PROVIDER=Other",
		"RCLONE_CONFIG_TARN_ENDPOINT=" + srv.URL(),
		"RCLONE_CONFIG_TARN_ACCESS_KEY_ID=" + rootID,
		"RCLONE_CONFIG_TARN_SECRET_ACCESS_KEY=" + rootSecret,
		"RCLONE_CONFIG_TARN_REGION=us-east-1",
		// Small parts, so the 12 MiB file below goes up in several.
		"RCLONE_S3_UPLOAD_CUTOFF=5M", "RCLONE_S3_CHUNK_SIZE=5M",
	}
	writeFile(t, filepath.Join(home, "rclone.conf"), nil) // the remote is in env; no notice of a missing file
	rclone := func(t *testing.T, args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx(t), bin, args...)
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("rclone %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
		}
		return string(out)
	}
	src := filepath.Join(t.TempDir(), "src")
	tree := map[string]string{
		"top.txt":                "top\n",
		"empty.txt":              "",
		"a/one.txt":              "one\n",
		"a/b/two.csv":            "x,y\n1,2\n",
		"dir with space/ünï.txt": "unicode\n",
		"big/multipart.bin":      string(genBytes(7, 12<<20)),
	}
	for name, content := range tree {
		writeFile(t, filepath.Join(src, filepath.FromSlash(name)), []byte(content))
	}
	const remote = "tarn:rclone-sync"
	files := func(t *testing.T) []string {
		t.Helper()
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(rclone(t, "lsf", "-R", "--files-only", remote)), "\n") {
			if l != "" {
				got = append(got, l)
			}
		}
		slices.Sort(got)
		return got
	}
	want := func() []string {
		var w []string
		for name := range tree {
			w = append(w, name)
		}
		slices.Sort(w)
		return w
	}

	runSteps(t, []step{
		{"sync", func(t *testing.T) {
			rclone(t, "sync", src, remote)
			if got := files(t); !slices.Equal(got, want()) {
				t.Fatalf("rclone lsf: %q, want %q", got, want())
			}
			head, err := srv.root().HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: aws.String("rclone-sync"), Key: aws.String("big/multipart.bin")})
			if err != nil || !strings.HasSuffix(aws.ToString(head.ETag), `-3"`) {
				t.Fatalf("big/multipart.bin did not go up in 3 parts: %v %v", aws.ToString(head.ETag), err)
			}
			rclone(t, "check", src, remote)
		}},
		{"sync changes", func(t *testing.T) {
			os.Remove(filepath.Join(src, "a", "one.txt"))
			delete(tree, "a/one.txt")
			tree["top.txt"] = "top, changed\n"
			writeFile(t, filepath.Join(src, "top.txt"), []byte(tree["top.txt"]))
			rclone(t, "sync", src, remote)
			if got := files(t); !slices.Equal(got, want()) {
				t.Fatalf("rclone lsf after the second sync: %q, want %q", got, want())
			}
			rclone(t, "check", src, remote)
		}},
	})
}
