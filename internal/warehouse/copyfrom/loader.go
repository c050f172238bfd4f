package copyfrom

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/warehouse"
	"github.com/tarnlake/tarn/internal/warehouse/redshift"
)

// ErrBadLoad marks a load that will not succeed if tried again: bad
// options, a missing table, rows past MAXERROR.
var ErrBadLoad = errors.New("cannot be loaded")

// LoadObject loads one object version into table ("schema.table" or
// "table", public's) as COPY with options (COPY's, as written after FROM:
// "CSV IGNOREHEADER 1") would, at most once per version: a second call
// for the same version loads nothing. Its errors wrap ErrBadLoad when
// trying again cannot help; others (the warehouse down) may.
func LoadObject(ctx context.Context, o Options, table, options, bucket, key, etag string) (Result, error) {
	stmt := fmt.Sprintf("COPY %s FROM '%s' IAM_ROLE default %s", table, strings.ReplaceAll("s3://"+bucket+"/"+key, "'", "''"), options)
	parsed, ok, err := redshift.Parse(stmt)
	if err != nil || !ok {
		return Result{}, fmt.Errorf("%w: %s: %v", ErrBadLoad, stmt, err)
	}
	c, isCopy := parsed.(*redshift.Copy)
	if !isCopy {
		return Result{}, fmt.Errorf("%w: %s is not a COPY", ErrBadLoad, stmt)
	}
	res, err := Run(ctx, o, Job{Copy: c, Caller: access.Key{Name: "root", Root: true}, Object: true,
		Once: "s3://" + bucket + "/" + key + "@" + strings.Trim(etag, `"`) + " → " + table})
	var ce *Error
	switch {
	case errors.Is(err, warehouse.ErrLoaded):
		return Result{}, nil
	case errors.As(err, &ce), errors.Is(err, warehouse.ErrNoTable):
		return res, fmt.Errorf("%w: %v", ErrBadLoad, err)
	}
	return res, err
}
