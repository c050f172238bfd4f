package glueapi

import (
	"errors"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/catalog"
)

// partitionRef is how partition operations name their table.
type partitionRef struct {
	DatabaseName *string
	TableName    *string
}

func (a *API) resolveTable(c *call, act access.Action, r partitionRef) (string, string, error) {
	return a.resolve(c, act, "DatabaseName", r.DatabaseName, "TableName", r.TableName)
}

type valueList struct{ Values []string }

type partitionError struct {
	PartitionValues []string
	ErrorDetail     errorDetail
}

// itemErr turns the error of one item of a batch into its ErrorDetail, or
// returns it when it is not the client's (to fail the whole call).
func itemErr(err error, values []string) (partitionError, error) {
	var ae *awsapi.Error
	if !errors.As(err, &ae) {
		return partitionError{}, err
	}
	return partitionError{nonNil(values), errorDetail{ae.Code, ae.Message}}, nil
}

// createPartitions adds parts to db.name and returns an error for each
// part not added.
func (a *API) createPartitions(c *call, db, name string, in []partitionInput) ([]partitionError, error) {
	parts := make([]catalog.Partition, len(in))
	for i, p := range in {
		parts[i] = p.toCatalog()
	}
	errs, err := a.store.CreatePartitions(c.Ctx, db, name, parts)
	if err != nil {
		return nil, a.tableErr(c.Ctx, err, db, name)
	}
	out := []partitionError{}
	for i, err := range errs {
		if err == nil {
			continue
		}
		pe, err := itemErr(a.partitionErr(c.Ctx, err, db, name, in[i].Values), in[i].Values)
		if err != nil {
			return nil, err
		}
		out = append(out, pe)
	}
	return out, nil
}

func (a *API) createPartition(c *call) (any, error) {
	var req struct {
		partitionRef
		PartitionInput *partitionInput
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	db, name, err := a.resolveTable(c, access.Write, req.partitionRef)
	if err != nil {
		return nil, err
	}
	if req.PartitionInput == nil {
		return nil, invalidInput("PartitionInput is required.")
	}
	errs, err := a.createPartitions(c, db, name, []partitionInput{*req.PartitionInput})
	if err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return nil, clientErr(errs[0].ErrorDetail.ErrorCode, "%s", errs[0].ErrorDetail.ErrorMessage)
	}
	return struct{}{}, nil
}

func (a *API) batchCreatePartition(c *call) (any, error) {
	var req struct {
		partitionRef
		PartitionInputList []partitionInput
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	db, name, err := a.resolveTable(c, access.Write, req.partitionRef)
	if err != nil {
		return nil, err
	}
	if n := len(req.PartitionInputList); n < 1 || n > 100 {
		return nil, invalidInput("PartitionInputList holds %d partitions; it must hold 1 to 100.", n)
	}
	errs, err := a.createPartitions(c, db, name, req.PartitionInputList)
	if err != nil {
		return nil, err
	}
	return struct{ Errors []partitionError }{errs}, nil
}

func (a *API) getPartition(c *call) (any, error) {
	var req struct {
		partitionRef
		PartitionValues []string
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	db, name, err := a.resolveTable(c, access.Read, req.partitionRef)
	if err != nil {
		return nil, err
	}
	if req.PartitionValues == nil {
		return nil, invalidInput("PartitionValues is required.")
	}
	p, err := a.store.GetPartition(c.Ctx, db, name, req.PartitionValues)
	if err != nil {
		return nil, a.partitionErr(c.Ctx, err, db, name, req.PartitionValues)
	}
	return struct{ Partition partitionOut }{partition(p, true)}, nil
}

// segment is GetPartitions' Segment: clients read a table's partitions in
// TotalSegments parallel calls, each getting a disjoint share.
type segment struct {
	SegmentNumber int
	TotalSegments int
}

func (s *segment) holds(values []string) bool {
	if s == nil || s.TotalSegments <= 1 {
		return true
	}
	h := fnv.New32a()
	h.Write([]byte(strings.Join(values, "\x00")))
	return int(h.Sum32()%uint32(s.TotalSegments)) == s.SegmentNumber
}

func (a *API) getPartitions(c *call) (any, error) {
	var req struct {
		partitionRef
		Expression          *string
		MaxResults          *int32
		NextToken           *string
		Segment             *segment
		ExcludeColumnSchema bool
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	db, name, err := a.resolveTable(c, access.Read, req.partitionRef)
	if err != nil {
		return nil, err
	}
	limit, err := maxResults(req.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	if s := req.Segment; s != nil && (s.TotalSegments < 1 || s.TotalSegments > 10 || s.SegmentNumber < 0 || s.SegmentNumber >= s.TotalSegments) {
		return nil, invalidInput("Segment %d of %d: TotalSegments must be 1 to 10 and SegmentNumber 0 to TotalSegments-1.", s.SegmentNumber, s.TotalSegments)
	}
	t, err := a.store.GetTable(c.Ctx, db, name)
	if err != nil {
		return nil, a.tableErr(c.Ctx, err, db, name)
	}
	var f *filter
	if req.Expression != nil && strings.TrimSpace(*req.Expression) != "" {
		if f, err = compileFilter(*req.Expression, t.PartitionKeys); err != nil {
			return nil, invalidInput("Expression %q is not valid %v.", *req.Expression, err)
		}
	}
	all, err := a.store.GetPartitions(c.Ctx, db, name)
	if err != nil {
		return nil, a.tableErr(c.Ctx, err, db, name)
	}
	var parts []catalog.Partition
	for _, p := range all {
		// A partition stored before its table gained or lost keys cannot
		// be filtered by key; Glue cannot hold one, so it is left out.
		if req.Segment.holds(p.Values) && (f == nil || len(p.Values) == len(t.PartitionKeys) && f.match(p.Values)) {
			parts = append(parts, p)
		}
	}
	parts, next, err := paginate(parts, "partitions", req.NextToken, limit,
		func(p catalog.Partition) string { return strings.Join(p.Values, "\x00") }, ascending)
	if err != nil {
		return nil, err
	}
	out := make([]partitionOut, len(parts))
	for i, p := range parts {
		out[i] = partition(p, !req.ExcludeColumnSchema)
	}
	return struct {
		Partitions []partitionOut
		NextToken  string `json:",omitempty"`
	}{out, next}, nil
}

// batchGetPartition returns the partitions that exist; Glue leaves out
// the others, and tarn never leaves any unprocessed.
func (a *API) batchGetPartition(c *call) (any, error) {
	var req struct {
		partitionRef
		PartitionsToGet []valueList
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	db, name, err := a.resolveTable(c, access.Read, req.partitionRef)
	if err != nil {
		return nil, err
	}
	if n := len(req.PartitionsToGet); n < 1 || n > 1000 {
		return nil, invalidInput("PartitionsToGet holds %d partitions; it must hold 1 to 1000.", n)
	}
	if _, err := a.store.GetTable(c.Ctx, db, name); err != nil {
		return nil, a.tableErr(c.Ctx, err, db, name)
	}
	out := []partitionOut{}
	for _, k := range req.PartitionsToGet {
		p, err := a.store.GetPartition(c.Ctx, db, name, k.Values)
		if errors.Is(err, catalog.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("get partition %q of %s.%s: %w", k.Values, db, name, err)
		}
		out = append(out, partition(p, true))
	}
	return struct {
		Partitions      []partitionOut
		UnprocessedKeys []valueList
	}{out, []valueList{}}, nil
}

func (a *API) deletePartition(c *call) (any, error) {
	var req struct {
		partitionRef
		PartitionValues []string
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	db, name, err := a.resolveTable(c, access.Write, req.partitionRef)
	if err != nil {
		return nil, err
	}
	if req.PartitionValues == nil {
		return nil, invalidInput("PartitionValues is required.")
	}
	if err := a.store.DeletePartition(c.Ctx, db, name, req.PartitionValues); err != nil {
		return nil, a.partitionErr(c.Ctx, err, db, name, req.PartitionValues)
	}
	return struct{}{}, nil
}

func (a *API) batchDeletePartition(c *call) (any, error) {
	var req struct {
		partitionRef
		PartitionsToDelete []valueList
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	db, name, err := a.resolveTable(c, access.Write, req.partitionRef)
	if err != nil {
		return nil, err
	}
	if n := len(req.PartitionsToDelete); n < 1 || n > 25 {
		return nil, invalidInput("PartitionsToDelete holds %d partitions; it must hold 1 to 25.", n)
	}
	if _, err := a.store.GetTable(c.Ctx, db, name); err != nil {
		return nil, a.tableErr(c.Ctx, err, db, name)
	}
	errs := []partitionError{}
	for _, k := range req.PartitionsToDelete {
		err := a.store.DeletePartition(c.Ctx, db, name, k.Values)
		if err == nil {
			continue
		}
		pe, err := itemErr(a.partitionErr(c.Ctx, err, db, name, k.Values), k.Values)
		if err != nil {
			return nil, err
		}
		errs = append(errs, pe)
	}
	return struct{ Errors []partitionError }{errs}, nil
}
