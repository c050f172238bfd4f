package glueapi

import (
	"strconv"

	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/catalog"
)

// The catalog's shapes as Glue's JSON spells them. Input and output share
// types: members tarn does not keep (bucketing, sort columns, skew, column
// parameters) are read and dropped, and written as Glue's defaults.

type column struct {
	Name    string
	Type    string `json:",omitempty"`
	Comment string `json:",omitempty"`
}

type serdeInfo struct {
	Name                 string            `json:",omitempty"`
	SerializationLibrary string            `json:",omitempty"`
	Parameters           map[string]string `json:",omitempty"`
}

type storageDescriptor struct {
	Columns                []column
	Location               string `json:",omitempty"`
	InputFormat            string `json:",omitempty"`
	OutputFormat           string `json:",omitempty"`
	Compressed             bool
	NumberOfBuckets        int32
	SerdeInfo              *serdeInfo `json:",omitempty"`
	BucketColumns          []string
	SortColumns            []struct{}
	Parameters             map[string]string `json:",omitempty"`
	StoredAsSubDirectories bool
}

func columns(cols []catalog.Column) []column {
	out := make([]column, len(cols))
	for i, c := range cols {
		out[i] = column{Name: c.Name, Type: c.Type, Comment: c.Comment}
	}
	return out
}

func toColumns(cols []column) []catalog.Column {
	if cols == nil {
		return nil
	}
	out := make([]catalog.Column, len(cols))
	for i, c := range cols {
		out[i] = catalog.Column{Name: c.Name, Type: c.Type, Comment: c.Comment}
	}
	return out
}

// storage writes sd; without columns (ExcludeColumnSchema) when cols is false.
func storage(sd catalog.StorageDescriptor, cols bool) *storageDescriptor {
	out := &storageDescriptor{
		Columns:  []column{},
		Location: sd.Location, InputFormat: sd.InputFormat, OutputFormat: sd.OutputFormat,
		Compressed: sd.Compressed, Parameters: sd.Parameters,
		BucketColumns: []string{}, SortColumns: []struct{}{},
		SerdeInfo: &serdeInfo{Name: sd.SerDe.Name, SerializationLibrary: sd.SerDe.SerializationLibrary, Parameters: sd.SerDe.Parameters},
	}
	if cols {
		out.Columns = columns(sd.Columns)
	}
	return out
}

func (sd *storageDescriptor) toCatalog() catalog.StorageDescriptor {
	if sd == nil {
		return catalog.StorageDescriptor{}
	}
	out := catalog.StorageDescriptor{
		Location: sd.Location, InputFormat: sd.InputFormat, OutputFormat: sd.OutputFormat,
		Compressed: sd.Compressed, Columns: toColumns(sd.Columns), Parameters: sd.Parameters,
	}
	if s := sd.SerdeInfo; s != nil {
		out.SerDe = catalog.SerDeInfo{Name: s.Name, SerializationLibrary: s.SerializationLibrary, Parameters: s.Parameters}
	}
	return out
}

type tableInput struct {
	Name              *string
	Description       string
	Owner             string
	TableType         string
	Parameters        map[string]string
	PartitionKeys     []column
	StorageDescriptor *storageDescriptor
	// Views have nowhere to live in the catalog; see toTable.
	ViewOriginalText string
	ViewExpandedText string
	ViewDefinition   any
}

// toTable checks in and makes the table of database db it describes.
func toTable(db string, in *tableInput) (catalog.Table, error) {
	if in == nil {
		return catalog.Table{}, invalidInput("TableInput is required.")
	}
	name, err := lowerName("TableInput.Name", in.Name)
	if err != nil {
		return catalog.Table{}, err
	}
	if in.ViewOriginalText != "" || in.ViewExpandedText != "" || in.ViewDefinition != nil {
		return catalog.Table{}, invalidInput("Table %s.%s: tarn keeps no view definitions.", db, name)
	}
	return catalog.Table{
		Database: db, Name: name, Description: in.Description, Owner: in.Owner,
		TableType: in.TableType, Parameters: in.Parameters,
		PartitionKeys: toColumns(in.PartitionKeys), Storage: in.StorageDescriptor.toCatalog(),
	}, nil
}

type tableOut struct {
	Name                          string
	DatabaseName                  string
	Description                   string            `json:",omitempty"`
	Owner                         string            `json:",omitempty"`
	CreateTime                    *awsapi.Timestamp `json:",omitempty"`
	UpdateTime                    *awsapi.Timestamp `json:",omitempty"`
	Retention                     int32
	StorageDescriptor             *storageDescriptor
	PartitionKeys                 []column
	TableType                     string            `json:",omitempty"`
	Parameters                    map[string]string `json:",omitempty"`
	IsRegisteredWithLakeFormation bool
	CatalogId                     string
	VersionId                     string
}

func table(t catalog.Table) tableOut {
	return tableOut{
		Name: t.Name, DatabaseName: t.Database, Description: t.Description, Owner: t.Owner,
		CreateTime: stamp(t.Created), UpdateTime: stamp(t.Updated),
		StorageDescriptor: storage(t.Storage, true), PartitionKeys: columns(t.PartitionKeys),
		TableType: t.TableType, Parameters: t.Parameters,
		CatalogId: account, VersionId: strconv.Itoa(t.Version),
	}
}

type partitionInput struct {
	Values            []string
	StorageDescriptor *storageDescriptor
	Parameters        map[string]string
}

func (in partitionInput) toCatalog() catalog.Partition {
	return catalog.Partition{Values: in.Values, Storage: in.StorageDescriptor.toCatalog(), Parameters: in.Parameters}
}

type partitionOut struct {
	Values            []string
	DatabaseName      string
	TableName         string
	CreationTime      *awsapi.Timestamp `json:",omitempty"`
	StorageDescriptor *storageDescriptor
	Parameters        map[string]string `json:",omitempty"`
	CatalogId         string
}

func partition(p catalog.Partition, cols bool) partitionOut {
	return partitionOut{
		Values: nonNil(p.Values), DatabaseName: p.Database, TableName: p.Table,
		CreationTime: stamp(p.Created), StorageDescriptor: storage(p.Storage, cols),
		Parameters: p.Parameters, CatalogId: account,
	}
}

// errorDetail is a batch operation's error for one of its items.
type errorDetail struct {
	ErrorCode    string
	ErrorMessage string
}
