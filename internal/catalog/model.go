package catalog

import "time"

// TableType of the tables tarn makes: their data lives in the lake, outside
// the catalog.
const TableType = "EXTERNAL_TABLE"

// Database is a Glue database: a namespace of tables.
type Database struct {
	Name        string
	Description string
	LocationURI string
	Parameters  map[string]string
	Created     time.Time
}

// Column is a column of a table or one of its partition keys. Type is a
// Glue/Hive type string such as "bigint" or "array<struct<a:int>>".
type Column struct {
	Name    string
	Type    string
	Comment string
}

// SerDeInfo names how rows are (de)serialized, e.g. the Parquet SerDe.
type SerDeInfo struct {
	Name                 string
	SerializationLibrary string
	Parameters           map[string]string
}

// StorageDescriptor says where and how a table's or partition's data is
// stored.
type StorageDescriptor struct {
	Location     string
	InputFormat  string
	OutputFormat string
	Compressed   bool
	SerDe        SerDeInfo
	Columns      []Column
	Parameters   map[string]string
}

// Table is one version of a table.
type Table struct {
	Database    string
	Name        string
	Description string
	Owner       string
	TableType   string // TableType
	// Parameters are Glue's table properties, e.g. classification,
	// recordCount, compressionType.
	Parameters    map[string]string
	PartitionKeys []Column
	Storage       StorageDescriptor
	Created       time.Time // of version 1
	Updated       time.Time // of this version
	Version       int       // 1 on create, +1 per update
}

// Partition is one partition of a table: Values holds one value per
// partition key, in order.
type Partition struct {
	Database   string
	Table      string
	Values     []string
	Storage    StorageDescriptor
	Parameters map[string]string
	Created    time.Time
}

// Doc is a JSON document kept beside the catalog for tarn's own
// definitions (crawlers, classifiers, run history, recrawl state), so that
// processes sharing a catalog store share them. Names are case-sensitive.
type Doc struct {
	Kind    string
	Name    string
	Body    []byte // JSON
	Rev     int64  // 1 on create, +1 per put
	Updated time.Time
}
