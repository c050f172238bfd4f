// Package logsapi serves functions' logs through the CloudWatch Logs API
// (JSON 1.1, Logs_20140328): log group /aws/lambda/NAME holds function
// NAME's lines, one log stream a day, so that `aws logs tail` and
// `aws logs filter-log-events` read them as they read Lambda's. Reading a
// function's logs needs read on lambda:NAME.
package logsapi

import (
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/function"
)

// Source is where the lines come from: the function runner.
type Source interface {
	Logs(name string, since time.Time, max int) ([]function.LogLine, error)
}

// API is the CloudWatch Logs subset.
type API struct {
	src    Source
	names  func(r *awsapi.Request) ([]string, error)
	srv    *awsapi.JSONServer
	region string
}

// New serves src's logs; names lists the functions that have log groups.
func New(src Source, names func(r *awsapi.Request) ([]string, error), region string, log *slog.Logger) *API {
	a := &API{src: src, names: names, region: region}
	a.srv = &awsapi.JSONServer{
		Service: "CloudWatch Logs", MaxBody: 1 << 20, Internal: "ServiceUnavailableException", Log: log.With("component", "logsapi"),
		TooLarge: func(n int) error { return invalid("The request body is larger than %d bytes.", n) },
		BadBody:  func(err error) error { return invalid("%v", err) },
		Ops: map[string]func(*awsapi.Request) (any, error){
			"FilterLogEvents":    a.filterLogEvents,
			"GetLogEvents":       a.getLogEvents,
			"DescribeLogGroups":  a.describeLogGroups,
			"DescribeLogStreams": a.describeLogStreams,
		},
	}
	return a
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.srv.ServeHTTP(w, r) }

func invalid(format string, args ...any) error {
	return awsapi.Errorf(http.StatusBadRequest, "InvalidParameterException", format, args...)
}

const groupPrefix = "/aws/lambda/"

// function returns the function a log group holds, checking the caller
// may read it.
func logGroupFunction(r *awsapi.Request, group string) (string, error) {
	name, ok := strings.CutPrefix(group, groupPrefix)
	if !ok || name == "" {
		return "", awsapi.Errorf(http.StatusBadRequest, "ResourceNotFoundException", "The specified log group does not exist: tarn keeps functions' logs in /aws/lambda/NAME")
	}
	if r.Caller != nil && !r.Caller.Allowed(access.Read, access.Function(name)) {
		return "", awsapi.Errorf(http.StatusBadRequest, "AccessDeniedException", "access key %s has no read grant on lambda:%s", r.Caller.ID, name)
	}
	return name, nil
}

// streamName is the day's log stream, as Lambda names them.
func streamName(t time.Time) string { return t.UTC().Format("2006/01/02") + "/[$LATEST]tarn" }

type event struct {
	LogStreamName string `json:"logStreamName,omitempty"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventID       string `json:"eventId,omitempty"`
}

// lines reads a function's lines in [start, end) (ms; 0: open), keeping
// those filter matches (a plain term, as CloudWatch's simplest pattern).
func (a *API) lines(name string, start, end int64, filter string, limit int) ([]event, error) {
	since := time.Time{}
	if start > 0 {
		since = time.UnixMilli(start)
	}
	ls, err := a.src.Logs(name, since, 10000)
	if err != nil {
		return nil, err
	}
	filter = strings.Trim(filter, `"`)
	var out []event
	for i, l := range ls {
		ms := l.Time.UnixMilli()
		if end > 0 && ms >= end || filter != "" && !strings.Contains(l.Text, filter) {
			continue
		}
		out = append(out, event{LogStreamName: streamName(l.Time), Timestamp: ms, Message: l.Text + "\n", IngestionTime: ms,
			EventID: strconv.FormatInt(ms, 10) + "-" + strconv.Itoa(i)})
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (a *API) filterLogEvents(r *awsapi.Request) (any, error) {
	var in struct {
		LogGroupName  string `json:"logGroupName"`
		StartTime     int64  `json:"startTime"`
		EndTime       int64  `json:"endTime"`
		FilterPattern string `json:"filterPattern"`
		Limit         int    `json:"limit"`
		NextToken     string `json:"nextToken"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	name, err := logGroupFunction(r, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	if in.NextToken != "" { // the token is the last timestamp sent
		t, err := strconv.ParseInt(in.NextToken, 10, 64)
		if err != nil {
			return nil, invalid("The specified nextToken is invalid.")
		}
		in.StartTime = t + 1
	}
	evs, err := a.lines(name, in.StartTime, in.EndTime, in.FilterPattern, in.Limit)
	if err != nil {
		return nil, err
	}
	out := struct {
		Events             []event          `json:"events"`
		SearchedLogStreams []map[string]any `json:"searchedLogStreams"`
		NextToken          string           `json:"nextToken,omitempty"`
	}{Events: evs, SearchedLogStreams: []map[string]any{}}
	if out.Events == nil {
		out.Events = []event{}
	}
	if in.Limit > 0 && len(evs) == in.Limit {
		out.NextToken = strconv.FormatInt(evs[len(evs)-1].Timestamp, 10)
	}
	return out, nil
}

func (a *API) getLogEvents(r *awsapi.Request) (any, error) {
	var in struct {
		LogGroupName  string `json:"logGroupName"`
		LogStreamName string `json:"logStreamName"`
		StartTime     int64  `json:"startTime"`
		EndTime       int64  `json:"endTime"`
		Limit         int    `json:"limit"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	name, err := logGroupFunction(r, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	evs, err := a.lines(name, in.StartTime, in.EndTime, "", 0)
	if err != nil {
		return nil, err
	}
	var kept []event
	for _, e := range evs {
		if in.LogStreamName == "" || e.LogStreamName == in.LogStreamName {
			e.LogStreamName, e.EventID = "", ""
			kept = append(kept, e)
		}
	}
	if in.Limit > 0 && len(kept) > in.Limit {
		kept = kept[len(kept)-in.Limit:]
	}
	if kept == nil {
		kept = []event{}
	}
	return map[string]any{"events": kept, "nextForwardToken": "f/0", "nextBackwardToken": "b/0"}, nil
}

func (a *API) describeLogGroups(r *awsapi.Request) (any, error) {
	var in struct {
		LogGroupNamePrefix string `json:"logGroupNamePrefix"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	names, err := a.names(r)
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	groups := []map[string]any{}
	for _, n := range names {
		g := groupPrefix + n
		if !strings.HasPrefix(g, in.LogGroupNamePrefix) {
			continue
		}
		if r.Caller != nil && !r.Caller.Allowed(access.Read, access.Function(n)) {
			continue
		}
		groups = append(groups, map[string]any{"logGroupName": g,
			"arn": fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s:*", a.region, function.Account, g), "storedBytes": 0})
	}
	return map[string]any{"logGroups": groups}, nil
}

func (a *API) describeLogStreams(r *awsapi.Request) (any, error) {
	var in struct {
		LogGroupName string `json:"logGroupName"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	name, err := logGroupFunction(r, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	evs, err := a.lines(name, 0, 0, "", 0)
	if err != nil {
		return nil, err
	}
	days := map[string]int64{}
	for _, e := range evs {
		days[e.LogStreamName] = e.Timestamp
	}
	streams := []map[string]any{}
	for s, last := range days {
		streams = append(streams, map[string]any{"logStreamName": s, "lastEventTimestamp": last, "lastIngestionTime": last})
	}
	sort.Slice(streams, func(i, j int) bool {
		return streams[i]["logStreamName"].(string) > streams[j]["logStreamName"].(string)
	})
	return map[string]any{"logStreams": streams}, nil
}
