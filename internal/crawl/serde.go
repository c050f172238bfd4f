package crawl

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/format"
)

// Hive class names Glue writes for each classification; the query engine
// reads the classification parameter, other clients read these.
var serdes = map[string]struct{ serde, input, output string }{
	"parquet": {"org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
		"org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
		"org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"},
	"avro": {"org.apache.hadoop.hive.serde2.avro.AvroSerDe",
		"org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat",
		"org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat"},
	"json": {"org.openx.data.jsonserde.JsonSerDe", textInput, textOutput},
	"csv":  {"org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", textInput, textOutput},
}

const (
	textInput  = "org.apache.hadoop.mapred.TextInputFormat"
	textOutput = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
	grokSerDe  = "com.amazonaws.glue.serde.GrokSerDe"
)

// catalogTable is the catalog's form of a table spec.
func (r *run) catalogTable(name string, t *tableSpec) catalog.Table {
	loc := "s3://" + t.bucket + "/" + t.prefix
	var size, rows, sampledRows, sampledBytes int64
	for _, f := range t.files {
		size += f.size
		if t.compat.class == "parquet" {
			rows += f.s.Records
		} else {
			sampledRows += f.s.Records
			sampledBytes += f.s.Bytes
		}
	}
	avg := int64(0)
	if sampledRows > 0 {
		avg = max(1, sampledBytes/sampledRows)
		rows = size / avg
	}
	params := map[string]string{
		"classification":                   t.compat.class,
		"compressionType":                  orDefault(t.compat.comp, "none"),
		"typeOfData":                       "file",
		"objectCount":                      strconv.Itoa(len(t.files)),
		"sizeKey":                          strconv.FormatInt(size, 10),
		"recordCount":                      strconv.FormatInt(rows, 10),
		"UPDATED_BY_CRAWLER":               r.c.Name,
		"CrawlerSchemaSerializerVersion":   "1.0",
		"CrawlerSchemaDeserializerVersion": "1.0",
	}
	if avg > 0 {
		params["averageRecordSize"] = strconv.FormatInt(avg, 10)
	}
	sd := catalog.StorageDescriptor{Location: loc, Compressed: t.compat.comp != "", Parameters: map[string]string{}}
	for k, v := range params {
		sd.Parameters[k] = v
	}
	if s, ok := serdes[t.compat.class]; ok {
		sd.InputFormat, sd.OutputFormat, sd.SerDe.SerializationLibrary = s.input, s.output, s.serde
	} else { // a grok classifier's own classification
		sd.InputFormat, sd.OutputFormat, sd.SerDe.SerializationLibrary = textInput, textOutput, grokSerDe
	}
	sd.SerDe.Parameters = map[string]string{}
	switch t.compat.class {
	case "csv":
		sd.SerDe.Parameters["field.delim"] = t.compat.delim
		params["delimiter"] = t.compat.delim
		if t.compat.header {
			params["skip.header.line.count"] = "1"
		}
	case "json":
		sd.SerDe.Parameters["paths"] = columnNames(t.schema)
	case "avro":
		sd.SerDe.Parameters["serialization.format"] = "1"
	}
	if t.files[0].s.Classifier != "" {
		params["classifierName"] = t.files[0].s.Classifier
	}
	// The weakest guess among the table's files, as the classifiers rated it.
	conf := 1.0
	for _, f := range t.files {
		if f.s.Confidence > 0 {
			conf = min(conf, f.s.Confidence)
		}
	}
	params["classificationConfidence"] = strconv.FormatFloat(conf, 'f', -1, 64)
	if len(t.conflicts) > 0 {
		b, _ := json.Marshal(t.conflicts)
		params["conflictingColumns"] = string(b)
	}
	for _, c := range t.schema {
		sd.Columns = append(sd.Columns, catalog.Column{Name: sanitize(c.Name), Type: c.Type.String()})
	}
	tab := catalog.Table{
		Database:   r.c.DatabaseName,
		Name:       name,
		Owner:      "owner",
		TableType:  catalog.TableType,
		Parameters: params,
		Storage:    sd,
	}
	for _, k := range t.keys {
		tab.PartitionKeys = append(tab.PartitionKeys, catalog.Column{Name: k, Type: "string"})
	}
	return tab
}

func columnNames(s format.Schema) string {
	out := ""
	for i, c := range s {
		if i > 0 {
			out += ","
		}
		out += c.Name
	}
	return out
}

// partition is the catalog's form of one partition of t.
func partition(t catalog.Table, p partSpec) catalog.Partition {
	sd := t.Storage
	sd.Location = "s3://" + locBucket(t) + "/" + p.prefix
	return catalog.Partition{Values: p.values, Storage: sd, Parameters: map[string]string{"classification": t.Parameters["classification"]}}
}

func locBucket(t catalog.Table) string {
	b, _, _ := parseS3Path(t.Storage.Location)
	return b
}

// configuration is what tarn reads of a crawler's Configuration JSON.
type configuration struct {
	combine    bool
	tableLevel int
}

func parseConfiguration(s string) (configuration, error) {
	var c configuration
	if s == "" {
		return c, nil
	}
	var doc struct {
		Grouping struct {
			TableGroupingPolicy     string
			TableLevelConfiguration int
		}
	}
	if err := json.Unmarshal([]byte(s), &doc); err != nil {
		return c, fmt.Errorf("not JSON: %v", err)
	}
	switch doc.Grouping.TableGroupingPolicy {
	case "":
	case "CombineCompatibleSchemas":
		c.combine = true
	default:
		return c, fmt.Errorf("Grouping.TableGroupingPolicy %q is not CombineCompatibleSchemas", doc.Grouping.TableGroupingPolicy)
	}
	if doc.Grouping.TableLevelConfiguration < 0 {
		return c, fmt.Errorf("Grouping.TableLevelConfiguration %d is negative", doc.Grouping.TableLevelConfiguration)
	}
	c.tableLevel = doc.Grouping.TableLevelConfiguration
	return c, nil
}
