package delivery

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"sort"
	"strconv"
	"time"

	"github.com/tarnlake/tarn/internal/delivery/prefix"
)

// errorRecord is the JSON line Firehose writes for each failed record.
type errorRecord struct {
	AttemptsMade   int           `json:"attemptsMade"`
	Arrival        int64         `json:"arrivalTimestamp"`
	ErrorCode      string        `json:"errorCode,omitempty"`
	ErrorMessage   string        `json:"errorMessage,omitempty"`
	LastErrorCode  string        `json:"lastErrorCode,omitempty"`
	LastErrorMsg   string        `json:"lastErrorMessage,omitempty"`
	AttemptEnding  int64         `json:"attemptEndingTimestamp"`
	RawData        string        `json:"rawData"`
	LambdaARN      string        `json:"lambdaArn,omitempty"`
	SequenceNumber string        `json:"sequenceNumber,omitempty"`
	SubSequence    *int          `json:"subSequenceNumber"`
	Table          *catalogTable `json:"dataCatalogTable,omitempty"`
}

// catalogTable is the table a format conversion failure names.
type catalogTable struct {
	CatalogID *string `json:"catalogId"`
	Database  string  `json:"databaseName"`
	Table     string  `json:"tableName"`
	Region    *string `json:"region"`
	VersionID string  `json:"versionId"`
	RoleARN   string  `json:"roleArn"`
}

// writeFailures writes a buffer's failed records under the error prefix,
// one object of JSON lines per error output type.
func (w *worker) writeFailures(ctx context.Context, bucket string, layout prefix.Layout, at time.Time, loc *time.Location, seed [32]byte, fails []failure) error {
	byKind := map[string][]failure{}
	for _, f := range fails {
		byKind[f.kind] = append(byKind[f.kind], f)
	}
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	rnd := newRandom(seed)
	for i, kind := range kinds {
		var body bytes.Buffer
		enc := json.NewEncoder(&body)
		for _, f := range byKind[kind] {
			if err := enc.Encode(w.errorRecord(f)); err != nil {
				return err
			}
		}
		key, err := layout.Error.Eval(prefix.Input{At: at, Loc: loc, ErrorType: kind, Random: rnd})
		if err != nil {
			return err
		}
		name := key + prefix.ObjectName("", w.cfg.Name, w.cfg.Version, at, objectID(seed, 1<<20+i), "")
		if err := w.put(ctx, bucket, name, body.Bytes()); err != nil {
			return err
		}
		w.s.metrics.failed.WithLabelValues(w.cfg.Name, kind).Add(float64(len(byKind[kind])))
	}
	return nil
}

func (w *worker) errorRecord(f failure) errorRecord {
	now := time.Now().UnixMilli()
	r := errorRecord{AttemptsMade: 1, Arrival: f.rec.Arrival.UnixMilli(), AttemptEnding: now,
		RawData: base64.StdEncoding.EncodeToString(f.data), LambdaARN: f.lambdaARN}
	switch f.kind {
	case "format-conversion-failed":
		r.LastErrorCode, r.LastErrorMsg = f.code, f.message
		r.SequenceNumber = strconv.FormatUint(f.rec.Seq, 10)
		if sc := w.cfg.S3.Conversion.Schema; sc != nil {
			r.Table = &catalogTable{Database: sc.Database, Table: sc.Table, VersionID: cmpOr(sc.Version, "LATEST"), RoleARN: sc.RoleARN}
		}
	default:
		r.ErrorCode, r.ErrorMessage = f.code, f.message
	}
	return r
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
