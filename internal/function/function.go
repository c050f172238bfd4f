// Package function runs Lambda functions as plain child processes of
// tarn, without containers: a Runner keeps warm processes per function,
// speaks the Lambda Runtime API to them, limits their time, memory and
// privileges, and keeps the logs of each invocation. What a function is
// (its code, configuration and versions) is kept by the Lambda API above;
// this package only runs what it is given.
package function

import (
	"errors"
	"time"
)

// Runtimes tarn runs: provided.* executes the zip's bootstrap; python3.x
// and nodejs runtimes run the handler on the machine's python3 and node
// through a runtime loop shipped in tarn's binary.
var Runtimes = []string{"provided.al2", "provided.al2023", "provided",
	"python3.9", "python3.10", "python3.11", "python3.12", "python3.13",
	"nodejs18.x", "nodejs20.x", "nodejs22.x"}

// Spec is what a function runs as: everything an invocation needs.
type Spec struct {
	Name     string // function name, also AWS_LAMBDA_FUNCTION_NAME
	ARN      string
	Version  string // "$LATEST" or a number
	Runtime  string // one of Runtimes
	Handler  string // "main.handler" (python: module.function; node: file.export)
	CodeDir  string // the unpacked zip; read-only to the function
	CodeHash string // changes when the code changes: warm processes of another hash are not reused
	Timeout  time.Duration
	MemoryMB int
	Env      map[string]string // the function's Environment.Variables
	Region   string
	// Credentials of the tarn key the function's role maps to, given to
	// the process as AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
	// AWS_SESSION_TOKEN, with AWS_ENDPOINT_URL pointing at tarn.
	AccessKeyID, SecretAccessKey, SessionToken string
	Endpoint                                   string
	// MaxConcurrency bounds the function's processes (0: the Runner's default).
	MaxConcurrency int
	// RunAs is the user this function runs as, overriding the Runner's:
	// each function a user of its own keeps functions out of each other's
	// code and scratch folders.
	RunAs *Credential
}

// Result is one invocation's outcome as Invoke reports it.
type Result struct {
	Payload []byte // the response, or the error document when FunctionError is set
	// FunctionError is "Unhandled" when the function failed (an error
	// posted to the Runtime API, a crash, a timeout, an init failure),
	// else "".
	FunctionError string
	LogTail       []byte // the invocation's last 4 KiB of logs
	RequestID     string
	Duration      time.Duration
	InitDuration  time.Duration // set on a cold start
}

// Errors of Invoke; anything else is tarn failing to start a process.
var (
	// ErrTooManyRequests: the function is at its concurrency limit and no
	// process freed up in time.
	ErrTooManyRequests = errors.New("function at its concurrency limit")
	// ErrPayloadTooLarge: the request exceeds MaxPayload. A response
	// over MaxPayload is not an error of Invoke but, as on Lambda, a
	// function error of type Function.ResponseSizeTooLarge.
	ErrPayloadTooLarge = errors.New("function payload too large")
)

// MaxPayload is the largest request or response of a synchronous
// invocation, as Lambda allows.
const MaxPayload = 6 << 20
