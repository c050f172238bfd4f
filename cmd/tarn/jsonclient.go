package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
)

// jsonClient calls a JSON 1.1 API (Glue, Kinesis) with signed requests and
// encoding/json. The commands use it instead of the service SDKs: those
// register large schemas when the program starts, which every `tarn serve`
// would pay for in memory, and the SDK's decoding costs more CPU than the
// server's work in the stream benchmark.
type jsonClient struct {
	cfg     aws.Config
	http    *http.Client
	target  string // X-Amz-Target prefix: "AWSGlue", "Kinesis_20131202"
	service string // signing name: "glue", "kinesis"
	signer  *v4.Signer
}

func newJSONClient(cfg aws.Config, hc *http.Client, target, service string) *jsonClient {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &jsonClient{cfg: cfg, http: hc, target: target, service: service, signer: v4.NewSigner()}
}

// apiError is an error the API answered.
type apiError struct {
	Code    string `json:"__type"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// As a smithy.APIError, it is read as the SDKs' errors are (apiErr).
func (e *apiError) ErrorCode() string             { return e.Code }
func (e *apiError) ErrorMessage() string          { return e.Message }
func (e *apiError) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

// Call sends in as operation op and decodes the answer into out.
func (c *jsonClient) Call(ctx context.Context, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return c.callRaw(ctx, op, body, out)
}

// callRaw is call with the request body encoded already.
func (c *jsonClient) callRaw(ctx context.Context, op string, body []byte, out any) error {
	return c.send(ctx, op, "POST", "/", body, out)
}

// Do calls an operation of a REST-JSON API (Lambda's): method and path
// name it; in, unless nil, is the body.
func (c *jsonClient) Do(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	return c.send(ctx, method+" "+path, method, path, body, out)
}

// send signs and sends one request: a JSON 1.1 operation (c.target set)
// or a REST one.
func (c *jsonClient) send(ctx context.Context, op, method, path string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(aws.ToString(c.cfg.BaseEndpoint), "/")+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if c.target != "" {
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", c.target+"."+op)
	} else if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	creds, err := c.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), c.service, c.cfg.Region, time.Now()); err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer resp.Body.Close()
	buf := bytes.NewBuffer(make([]byte, 0, max(resp.ContentLength, 512)))
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	b := buf.Bytes()
	if resp.StatusCode/100 != 2 {
		e := &apiError{}
		if json.Unmarshal(b, e); e.Code == "" {
			e.Code = resp.Header.Get("X-Amzn-ErrorType") // REST APIs name it there
		}
		if e.Code == "" {
			if err := httpsOnly(resp.StatusCode, b); err != nil {
				return err
			}
			return fmt.Errorf("%s: HTTP %d: %s", op, resp.StatusCode, b)
		}
		if i := strings.LastIndexByte(e.Code, '#'); i >= 0 {
			e.Code = e.Code[i+1:]
		}
		return e
	}
	switch o := out.(type) {
	case nil:
		return nil
	case *rawBody: // taken as it is, unchecked: the bench counts records in it
		*o = b
		return nil
	}
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, out)
}
