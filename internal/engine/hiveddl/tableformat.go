package hiveddl

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tarnlake/tarn/internal/catalog"
)

// Hive class names, as Glue stores them for tables Athena creates.
const (
	textInput    = "org.apache.hadoop.mapred.TextInputFormat"
	textOutput   = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
	lazySimple   = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
	openCSV      = "org.apache.hadoop.hive.serde2.OpenCSVSerde"
	openxJSON    = "org.openx.data.jsonserde.JsonSerDe"
	parquetSerDe = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
	avroSerDe    = "org.apache.hadoop.hive.serde2.avro.AvroSerDe"
	orcSerDe     = "org.apache.hadoop.hive.ql.io.orc.OrcSerde"
)

type fileFormat struct{ serde, input, output string }

// fileFormats are the STORED AS names tarn takes.
var fileFormats = map[string]fileFormat{
	"PARQUET": {parquetSerDe, "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
		"org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"},
	"ORC": {orcSerDe, "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat",
		"org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat"},
	"AVRO": {avroSerDe, "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat",
		"org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat"},
	"TEXTFILE": {lazySimple, textInput, textOutput},
	"JSON":     {openxJSON, textInput, textOutput},
	"JSONFILE": {"org.apache.hadoop.hive.serde2.JsonSerDe", textInput, textOutput},
}

// binaryFormats have their own input format and SerDe, so either implies
// the other; text formats share TextInputFormat.
var binaryFormats = []string{"PARQUET", "ORC", "AVRO"}

// table is the catalog table c describes, in database db.
func (c *createTable) table(db string) catalog.Table {
	serde, input, output := c.serde, c.input, c.output
	if f, ok := fileFormats[c.storedAs]; ok { // STORED AS name, else INPUTFORMAT or nothing
		serde = cmp.Or(serde, f.serde)
		input, output = f.input, f.output
	}
	for _, name := range binaryFormats {
		b := fileFormats[name]
		if serde == "" && input == b.input {
			serde = b.serde
		}
		if input == "" && serde == b.serde {
			input, output = b.input, b.output
		}
	}
	serde = cmp.Or(serde, lazySimple) // Hive's default: delimited text
	if input == "" {
		input, output = textInput, textOutput
	}

	sp := map[string]string{}
	maps.Copy(sp, c.delims)
	if d, ok := c.delims["field.delim"]; ok {
		sp["serialization.format"] = d // as Hive does for FIELDS TERMINATED BY
	}
	maps.Copy(sp, c.serdeProps)
	if _, ok := sp["serialization.format"]; !ok {
		sp["serialization.format"] = "1"
	}

	params := map[string]string{"EXTERNAL": "TRUE"}
	maps.Copy(params, c.tblProps)
	if _, ok := params["classification"]; !ok {
		if cl := classification(serde, input); cl != "" {
			params["classification"] = cl
		}
	}
	if _, ok := params["delimiter"]; !ok && params["classification"] == "csv" {
		params["delimiter"] = csvDelimiter(serde, sp)
	}
	loc := c.location
	if !strings.HasSuffix(loc, "/") {
		loc += "/"
	}
	return catalog.Table{
		Database:      db,
		Name:          c.ref.name,
		Description:   c.comment,
		TableType:     catalog.TableType,
		Parameters:    params,
		PartitionKeys: c.parts,
		Storage: catalog.StorageDescriptor{
			Location:     loc,
			InputFormat:  input,
			OutputFormat: output,
			SerDe:        catalog.SerDeInfo{SerializationLibrary: serde, Parameters: sp},
			Columns:      c.cols,
		},
	}
}

// classification is Glue's name for what the query engine reads: the
// engine picks its reader by it.
func classification(serde, input string) string {
	switch {
	case serde == parquetSerDe:
		return "parquet"
	case strings.HasSuffix(serde, ".JsonSerDe"): // openx, hcatalog, serde2
		return "json"
	case serde == avroSerDe:
		return "avro"
	case serde == orcSerDe:
		return "orc"
	case (serde == lazySimple || serde == openCSV) && input == textInput:
		return "csv"
	}
	return ""
}

// csvDelimiter is the field separator the SerDe reads with. OpenCSVSerde
// defaults to a comma; LazySimpleSerDe falls back from field.delim to
// serialization.format and then to Ctrl-A (\001), and reads a number as a
// byte value ("1" is \001), all as Hive does.
func csvDelimiter(serde string, sp map[string]string) string {
	if serde == openCSV {
		if s := sp["separatorChar"]; s != "" {
			return s
		}
		return ","
	}
	d := sp["field.delim"]
	if d == "" {
		d = sp["serialization.format"]
	}
	if n, err := strconv.ParseInt(d, 10, 8); err == nil {
		return string(rune(uint8(n)))
	}
	if r, _ := utf8.DecodeRuneInString(d); d != "" {
		return string(r)
	}
	return "\x01"
}

func (c *createTable) run(ctx context.Context, e *env) (Result, error) {
	db := e.dbOf(c.ref)
	res := Result{Tag: "CREATE TABLE"}
	if err := e.database(ctx, db); err != nil {
		return res, at(err, c.ref.pos)
	}
	_, err := e.cat.CreateTable(ctx, c.table(db))
	switch {
	case err == nil || errors.Is(err, catalog.ErrExists) && c.ifNotExists:
		return res, nil
	case errors.Is(err, catalog.ErrExists):
		return res, at(errorf(duplicateTable, "table %s.%s already exists", db, c.ref.name), c.ref.pos)
	}
	return res, at(e.tableErr(ctx, err, db, c.ref.name), c.ref.pos)
}

// Storage gives the SerDe and the input and output formats Glue records
// for a STORED AS name (PARQUET, ORC, AVRO, JSON, TEXTFILE), as Athena's
// DDL would.
func Storage(storedAs string) (serde, input, output string, ok bool) {
	f, ok := fileFormats[strings.ToUpper(storedAs)]
	return f.serde, f.input, f.output, ok
}
