package glueapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/crawl"
)

// account is the AWS account id tarn's ARNs and catalog ids carry.
const account = "000000000000"

// Glue error codes the SDK knows as typed errors.
const (
	codeInvalid     = "InvalidInputException"
	codeNotFound    = "EntityNotFoundException"
	codeExists      = "AlreadyExistsException"
	codeConcurrent  = "ConcurrentModificationException"
	codeUnsupported = "OperationNotSupportedException"
)

// All Glue client errors are status 400; the code tells them apart.
func clientErr(code, format string, args ...any) *awsapi.Error {
	return awsapi.Errorf(http.StatusBadRequest, code, format, args...)
}

func invalidInput(format string, args ...any) *awsapi.Error {
	return clientErr(codeInvalid, format, args...)
}

// detail is a seam error's message without the sentinel's own words,
// which the error code already says.
func detail(err error) string {
	s := err.Error()
	for _, e := range []error{catalog.ErrInvalid, catalog.ErrConflict, catalog.ErrExists, catalog.ErrNotFound} {
		s = strings.Replace(s, ": "+e.Error(), "", 1)
		s = strings.Replace(s, e.Error()+": ", "", 1)
	}
	return s
}

// catalogErr turns a seam error about entity ("Table sales.orders") into
// a Glue error and passes anything else on, to be logged as internal.
func catalogErr(err error, entity string) error {
	var ae *awsapi.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, catalog.ErrNotFound):
		return clientErr(codeNotFound, "%s not found.", entity)
	case errors.Is(err, catalog.ErrExists):
		return clientErr(codeExists, "%s already exists.", entity)
	case errors.Is(err, catalog.ErrConflict):
		return clientErr(codeConcurrent, "%s was changed by another request (%s); read it again and retry.", entity, detail(err))
	case errors.Is(err, catalog.ErrInvalid):
		return invalidInput("%s: %s.", entity, detail(err))
	}
	return fmt.Errorf("%s: %w", entity, err)
}

// crawlErr is catalogErr for the crawler service, which adds its own.
func crawlErr(err error, entity string) error {
	switch {
	case errors.Is(err, crawl.ErrRunning):
		return clientErr("CrawlerRunningException", "%s is running.", entity)
	case errors.Is(err, crawl.ErrNotRunning):
		return clientErr("CrawlerNotRunningException", "%s is not running.", entity)
	case errors.Is(err, crawl.ErrStopping):
		return clientErr("CrawlerStoppingException", "%s is stopping.", entity)
	}
	return catalogErr(err, entity)
}

// tableErr is catalogErr for an operation on table db.name: a table that
// is not found may be missing because its database is.
func (a *API) tableErr(ctx context.Context, err error, db, name string) error {
	if errors.Is(err, catalog.ErrNotFound) {
		if _, derr := a.store.GetDatabase(ctx, db); errors.Is(derr, catalog.ErrNotFound) {
			return clientErr(codeNotFound, "Database %s not found.", db)
		}
	}
	return catalogErr(err, "Table "+db+"."+name)
}

// partitionErr is catalogErr for one partition of table db.name.
func (a *API) partitionErr(ctx context.Context, err error, db, name string, values []string) error {
	if errors.Is(err, catalog.ErrNotFound) {
		if _, terr := a.store.GetTable(ctx, db, name); terr != nil {
			return a.tableErr(ctx, terr, db, name)
		}
	}
	return catalogErr(err, fmt.Sprintf("Partition %s of table %s.%s", showValues(values), db, name))
}

// showValues writes partition values as Glue's messages do: [2024, 05].
func showValues(values []string) string { return "[" + strings.Join(values, ", ") + "]" }

// needCrawlers fails crawler and classifier operations when tarn runs
// without a crawler service.
func (a *API) needCrawlers() error {
	if a.crawlers == nil {
		return clientErr(codeUnsupported, "Crawlers are not configured on this tarn server, so crawler and classifier operations are unavailable.")
	}
	return nil
}

// required returns the value of a required name member: 1 to 255
// characters of one line, as Glue's single-line string pattern allows.
func required(field string, s *string) (string, error) {
	if s == nil {
		return "", invalidInput("%s is required.", field)
	}
	return optional(field, *s)
}

// optional checks a name member that is present.
func optional(field, s string) (string, error) {
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0:
		return "", invalidInput("%s must not be empty.", field)
	case n > catalog.MaxNameLen:
		return "", invalidInput("%s is %d characters long; at most %d are allowed.", field, n, catalog.MaxNameLen)
	case !utf8.ValidString(s):
		return "", invalidInput("%s is not valid UTF-8.", field)
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }):
		return "", invalidInput("%s %q holds a control character.", field, s)
	}
	return s, nil
}

// lowerName is required for database and table names, which Glue keeps
// lower-cased.
func lowerName(field string, s *string) (string, error) {
	n, err := required(field, s)
	return strings.ToLower(n), err
}

// maxResults checks MaxResults (1 to 1000) and applies its default.
func maxResults(n *int32, def int) (int, error) {
	if n == nil {
		return def, nil
	}
	if *n < 1 || *n > 1000 {
		return 0, invalidInput("MaxResults is %d; it must be between 1 and 1000.", *n)
	}
	return int(*n), nil
}
