package hiveddl

import (
	"maps"
	"slices"
	"strings"

	"github.com/tarnlake/tarn/internal/catalog"
)

// createStatement spells t as the CREATE EXTERNAL TABLE statement that
// makes it again, laid out as Hive's SHOW CREATE TABLE lays it out. Every
// SerDe parameter and table property is written out, derived ones too, so
// the statement recreates the table as it is rather than as the defaults
// of the day would make it.
func createStatement(t catalog.Table) string {
	var b strings.Builder
	b.WriteString("CREATE EXTERNAL TABLE " + quoteIdent(t.Database) + "." + quoteIdent(t.Name))
	if len(t.Storage.Columns) > 0 {
		b.WriteString("(\n")
		writeColumns(&b, t.Storage.Columns)
	}
	b.WriteByte('\n')
	if t.Description != "" {
		b.WriteString("COMMENT " + quoteString(t.Description) + "\n")
	}
	if len(t.PartitionKeys) > 0 {
		b.WriteString("PARTITIONED BY (\n")
		writeColumns(&b, t.PartitionKeys)
		b.WriteByte('\n')
	}
	sd := t.Storage
	if sd.SerDe.SerializationLibrary != "" {
		b.WriteString("ROW FORMAT SERDE\n  " + quoteString(sd.SerDe.SerializationLibrary) + "\n")
	}
	if len(sd.SerDe.Parameters) > 0 {
		b.WriteString("WITH SERDEPROPERTIES (\n")
		writeProps(&b, sd.SerDe.Parameters)
	}
	if sd.InputFormat != "" || sd.OutputFormat != "" {
		b.WriteString("STORED AS INPUTFORMAT\n  " + quoteString(sd.InputFormat) + "\nOUTPUTFORMAT\n  " + quoteString(sd.OutputFormat) + "\n")
	}
	b.WriteString("LOCATION\n  " + quoteString(sd.Location))
	props := maps.Clone(t.Parameters)
	if props["EXTERNAL"] == "TRUE" {
		delete(props, "EXTERNAL") // CREATE EXTERNAL TABLE says it
	}
	if len(props) > 0 {
		b.WriteString("\nTBLPROPERTIES (\n")
		writeProps(&b, props)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func writeColumns(b *strings.Builder, cols []catalog.Column) {
	for i, c := range cols {
		b.WriteString("  " + quoteIdent(c.Name) + " " + c.Type)
		if c.Comment != "" {
			b.WriteString(" COMMENT " + quoteString(c.Comment))
		}
		if i < len(cols)-1 {
			b.WriteString(",\n")
		}
	}
	b.WriteByte(')')
}

// writeProps writes 'k'='v' pairs in key order and the closing paren.
func writeProps(b *strings.Builder, m map[string]string) {
	for i, k := range sortedKeys(m) {
		b.WriteString("  " + quoteString(k) + "=" + quoteString(m[k]))
		if i < len(m)-1 {
			b.WriteString(",\n")
		}
	}
	b.WriteString(")\n")
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
