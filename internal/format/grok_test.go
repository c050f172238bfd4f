package format

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

const apacheLog = `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"
203.0.113.9 - - [15/Mar/2024:10:01:02 +0000] "POST /api/v1/orders?id=42 HTTP/1.1" 201 512 "-" "curl/8.5.0"

2001:db8::7 - - [15/Mar/2024:10:01:03 +0000] "GET /healthz HTTP/2.0" 204 - "-" "kube-probe/1.29"
crawler-7.example.net - - [15/Mar/2024:10:01:04 +0000] "-" 400 0 "-" "-"
`

const apacheSchema = "struct<clientip:string,ident:string,auth:string,timestamp:string,verb:string," +
	"request:string,httpversion:string,rawrequest:string,response:string,bytes:string,referrer:string,agent:string>"

const postfixPatterns = `# Postfix queue ids are upper-case hex.
POSTFIX_QUEUEID [0-9A-F]{7,12}

POSTFIX_MSG %{GREEDYDATA}
`

const postfixLog = "Mar 15 10:01:02 mail01 postfix/smtpd[1234]: 4A1B2C3D4E: client=unknown[10.0.0.5]\r\n" +
	"Mar  5 09:00:00 mail01 postfix/cleanup[99]: 4A1B2C3D4F: message-id=<x@example.com>\r\n"

const appLog = "2024-03-15T10:01:02.123Z INFO [main] 12 0.25 started\n" +
	"2024-03-15 10:01:03,5+01:00 WARN [pool-1] 7 1000.5 slow query took 1.2s\n"

func TestGrokClassify(t *testing.T) {
	cases := []struct {
		name, pattern, custom, class, schema string
		data                                 []byte
		records                              int64
		comp                                 Compression
	}{
		{"apache combined", "%{COMBINEDAPACHELOG}", "", "apache-log", apacheSchema, []byte(apacheLog), 4, CompressionNone},
		{"apache gzip", "%{COMBINEDAPACHELOG}", "", "apache-log", apacheSchema,
			compressWith(t, CompressionGzip, []byte(apacheLog)), 4, CompressionGzip},
		{"postfix custom patterns", "%{SYSLOGBASE} %{POSTFIX_QUEUEID:queue_id}: %{POSTFIX_MSG:message}", postfixPatterns, "postfix",
			"struct<timestamp:string,facility:string,priority:string,logsource:string,program:string,pid:string,queue_id:string,message:string>",
			[]byte(postfixLog), 2, CompressionNone},
		{"typed fields", `%{TIMESTAMP_ISO8601:ts:timestamp} %{LOGLEVEL:level} \[%{NOTSPACE:thread}\] %{INT:latency-ms:int} %{NUMBER:cost:double} %{GREEDYDATA:msg}`,
			"", "app", "struct<ts:timestamp,level:string,thread:string,latency-ms:int,cost:double,msg:string>", []byte(appLog), 2, CompressionNone},
		{"glue type names", "%{INT:a:byte},%{INT:b:short},%{INT:c:long},%{NUMBER:d:float},%{WORD:e:boolean},%{NUMBER:f:decimal(10,2)},%{DATE_US:g:date}",
			"", "t", "struct<a:tinyint,b:smallint,c:bigint,d:float,e:boolean,f:decimal(10,2),g:date>", []byte("1,2,3,4.5,true,6.25,03/15/2024\n"), 1, CompressionNone},
		{"raw named group and repeated field", `(?P<kind>[a-z]+) %{INT:n:int} %{INT:n:long}`, "", "t",
			"struct<kind:string,n:bigint>", []byte("abc 1 2\n"), 1, CompressionNone},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, err := CompileGrok(GrokSpec{Classification: c.class, Pattern: c.pattern, CustomPatterns: c.custom})
			if err != nil {
				t.Fatal(err)
			}
			res, err := g.Classify(bytes.NewReader(c.data), int64(len(c.data)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Schema.String(); got != c.schema {
				t.Errorf("schema\n got %s\nwant %s", got, c.schema)
			}
			if res.Classification != c.class || res.Confidence != 1 || res.Compression != c.comp || res.RecordsSampled != c.records {
				t.Errorf("result %+v", res)
			}
			if res.BytesRead != int64(len(c.data)) {
				t.Errorf("BytesRead %d, file has %d", res.BytesRead, len(c.data))
			}
		})
	}
}

func TestGrokNoMatch(t *testing.T) {
	g, err := CompileGrok(GrokSpec{Classification: "apache-log", Pattern: "%{COMBINEDAPACHELOG}"})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(apacheLog, "\n")
	cases := []struct {
		name, data, want string
		opts             Options
	}{
		{"one stray line", lines[0] + "\n" + lines[1] + "\nGET / 200\n", "line 3 does not match", Options{}},
		{"common log lacks referrer and agent", `1.2.3.4 - - [15/Mar/2024:10:01:02 +0000] "GET / HTTP/1.1" 200 5` + "\n", "line 1", Options{}},
		{"json", `{"a":1}` + "\n", "line 1", Options{}},
		{"empty", "", "empty", Options{}},
		{"blank lines only", "\n  \r\n\n", "no lines", Options{}},
		{"binary", lines[0] + "\n\x00\x01", "binary", Options{}},
		{"corrupt gzip", "\x1f\x8b\x08 is not really gzip", "gzip", Options{}},
		{"line longer than the cap", lines[0], "longer than 40 bytes", Options{MaxBytes: 40}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := g.Classify(strings.NewReader(c.data), int64(len(c.data)), c.opts)
			if !errors.Is(err, ErrNoMatch) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want ErrNoMatch saying %q", err, c.want)
			}
		})
	}
}

func TestGrokSampleLimits(t *testing.T) {
	g, err := CompileGrok(GrokSpec{Classification: "apache-log", Pattern: "%{COMBINEDAPACHELOG}"})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(apacheLog, "\n")
	// Lines past the sample are not judged, nor is one cut by the byte cap.
	data := lines[0] + "\n" + lines[1] + "\nnot a log line\n"
	res, err := g.Classify(strings.NewReader(data), int64(len(data)), Options{MaxRecords: 2})
	if err != nil || res.RecordsSampled != 2 {
		t.Fatalf("MaxRecords: %+v, %v", res, err)
	}
	res, err = g.Classify(strings.NewReader(data), int64(len(data)), Options{MaxBytes: int64(len(lines[0]) + 30)})
	if err != nil || res.RecordsSampled != 1 {
		t.Fatalf("MaxBytes: %+v, %v", res, err)
	}
	// A failing reader is no verdict on the content.
	_, err = g.Classify(failingReaderAt{}, 100, Options{})
	if err == nil || errors.Is(err, ErrNoMatch) {
		t.Fatalf("failing reader: %v", err)
	}
}

type failingReaderAt struct{}

func (failingReaderAt) ReadAt([]byte, int64) (int, error) { return 0, errors.New("disk on fire") }

func TestCompileGrokErrors(t *testing.T) {
	var chain strings.Builder
	chain.WriteString("P0 a\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&chain, "P%d %%{P%d}%%{P%d}\n", i, i-1, i-1)
	}
	cases := []struct{ name, pattern, custom, want string }{
		{"unknown name", "%{IPORHOST:ip} %{NOPE:x}", "", `unknown grok pattern "NOPE" in %{NOPE:x}`},
		{"unknown name in custom", "%{WORD:w}", "MINE %{WORD} %{MISSING}", `custom pattern MINE (line 1): unknown grok pattern "MISSING"`},
		{"cycle", "%{A:x}", "A x%{B}\nB y%{A}", "A -> B -> A"},
		{"self cycle in unused pattern", "%{WORD:w}", "LOOP (?:%{LOOP})?", "LOOP -> LOOP"},
		{"cycle through a built-in", "%{NUMBER:n}", "BASE10NUM %{NUMBER}", "BASE10NUM -> NUMBER -> BASE10NUM"},
		{"bad regexp in custom", "%{WORD:w}", "\nBAD [a-", "custom pattern BAD (line 2): error parsing regexp: missing closing ]"},
		{"lookbehind", "%{LB:x}", "LB (?<=a)b", "custom pattern LB (line 1): error parsing regexp"},
		{"bad regexp in pattern", "%{INT:x} (", "", "grok pattern: error parsing regexp: missing closing )"},
		{"unknown type", "%{INT:x:uuid}", "", `unknown field type "uuid"`},
		{"complex type", "%{INT:x:array<int>}", "", "unknown field type"},
		{"no fields", "%{INT} %{WORD}", "", "names no fields"},
		{"unclosed reference", "%{INT:x", "", "without a closing }"},
		{"empty field", "%{INT:}", "", `bad field name ""`},
		{"bad name", "%{IN-T:x}", "", `bad pattern name "IN-T"`},
		{"custom without regexp", "%{INT:x}", "LONELY", "pattern LONELY has no regexp"},
		{"custom defined twice", "%{INT:x}", "A a\nA b", "already defined on line 1"},
		{"exponential expansion", "%{P30:x}", chain.String(), "expands to more than"},
		{"huge program", "%{BIG:x}", "BIG " + strings.Repeat("[a-z]{1000}", 25), "more than 20000"},
		{"empty pattern", "", "", "no pattern"},
		{"long pattern", strings.Repeat("a", maxGrokPattern+1), "", "more than 2048"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := CompileGrok(GrokSpec{Classification: "x", Pattern: c.pattern, CustomPatterns: c.custom})
			if !errors.Is(err, ErrInvalidClassifier) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want ErrInvalidClassifier saying %q", err, c.want)
			}
		})
	}
	if _, err := CompileGrok(GrokSpec{Pattern: "%{INT:x}"}); !errors.Is(err, ErrInvalidClassifier) {
		t.Errorf("no classification: %v", err)
	}
}

func TestGrokBuiltins(t *testing.T) {
	for name := range grokPatterns {
		if _, err := CompileGrok(GrokSpec{Classification: "x", Pattern: "%{" + name + ":f}"}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	cases := []struct {
		name    string
		match   []string
		nomatch []string
	}{
		{"IPV4", []string{"192.168.0.1", "0.0.0.0", "255.255.255.255"}, []string{"256.1.1.1", "1.2.3", "1.2.3.4.5"}},
		{"IPV6", []string{"2001:db8::1", "::1", "::", "fe80::1%eth0", "::ffff:192.0.2.128", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:1.2.3.4", "1::8"},
			[]string{"1:2:3:4:5:6:7:8:9", "2001:db8:::1", "1::2::3", "12345::1", ":1"}},
		{"IPORHOST", []string{"10.0.0.1", "www.example.com", "localhost", "::1"}, []string{"-bad.example", "a b"}},
		{"HOSTPORT", []string{"example.com:8080", "10.0.0.1:443"}, []string{"example.com:0", "example.com"}},
		{"UUID", []string{"123e4567-e89b-12d3-a456-426614174000"}, []string{"123e4567e89b12d3a456426614174000"}},
		{"NUMBER", []string{"-1.5", "42", ".5", "+3."}, []string{"1e3x", "abc", "."}},
		{"POSINT", []string{"1", "8080"}, []string{"0", "-1", "01"}},
		{"NONNEGINT", []string{"0", "17"}, []string{"-1"}},
		{"WORD", []string{"hello_1"}, []string{"a b", "a-b"}},
		{"QS", []string{`"a \"b\" c"`, `'x'`, `""`}, []string{`"open`, `"a" b"`}},
		{"URI", []string{"https://user:pw@example.com:8443/a/b?x=1&y=2", "s3://bucket/key.csv", "http://10.0.0.1/"},
			[]string{"example.com/a", "http//x"}},
		{"URIPATHPARAM", []string{"/index.html", "/api/v1/orders?id=42&x=%20"}, []string{"index.html"}},
		{"PATH", []string{"/var/log/syslog", `C:\Windows\system32`}, []string{"relative/path"}},
		{"TIMESTAMP_ISO8601", []string{"2024-03-15T10:01:02.123Z", "2024-03-15 10:01:02,5+01:00", "2024-03-15T10:01", "2024-03-15T1001-0800"},
			[]string{"2024-13-15T10:01:02", "2024-03-15", "15/03/2024 10:01"}},
		{"HTTPDATE", []string{"10/Oct/2000:13:55:36 -0700"}, []string{"10/10/2000:13:55:36 -0700"}},
		{"SYSLOGTIMESTAMP", []string{"Mar 15 10:01:02", "Mar  5 10:01:02"}, []string{"March15 10:01:02"}},
		{"DATESTAMP", []string{"03/15/2024 10:01:02", "15.03.2024-10:01"}, []string{"2024-03-15 10:01"}},
		{"DATE_US", []string{"03/15/2024", "3-15-24"}, []string{"15/03/2024"}},
		{"DATE_EU", []string{"15.03.2024", "15/03/24"}, []string{"03/15/2024"}},
		{"MONTH", []string{"Jan", "September", "sep"}, []string{"Janu", "JANUARY"}},
		{"DAY", []string{"Mon", "tuesday"}, []string{"Mo"}},
		{"LOGLEVEL", []string{"INFO", "warn", "Warning", "ERROR", "err", "FATAL", "debug", "EMERG"}, []string{"verbose", "inf"}},
		{"SYSLOGBASE", []string{"Mar 15 10:01:02 mail01 postfix/smtpd[1234]:", "Mar 15 10:01:02 <3.4> host sshd:"}, []string{"Mar 15 10:01:02 host [1]:"}},
		{"MAC", []string{"00:1A:2b:3C:4d:5E", "001a.2b3c.4d5e"}, []string{"00:1A:2b:3C:4d"}},
	}
	for _, c := range cases {
		g, err := CompileGrok(GrokSpec{Classification: "x", Pattern: "%{" + c.name + ":f}"})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for _, s := range c.match {
			if !g.re.MatchString(s) {
				t.Errorf("%s does not match %q", c.name, s)
			}
		}
		for _, s := range c.nomatch {
			if g.re.MatchString(s) {
				t.Errorf("%s matches %q", c.name, s)
			}
		}
	}
}
