package engine

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/hamba/avro/v2/ocf"

	"github.com/tarnlake/tarn/internal/format"
)

// DuckDB cannot read Avro here (its extension is not linked in and cannot
// be fetched offline), so tarn_avro(glob, columns) reads Avro container
// files with hamba/avro and hands DuckDB rows of the catalog's columns:
// one pass, no copy of the data kept. columns is a JSON array of
// [name, glue type] pairs; a last column, filename, names each row's file.
// Only files that allows lets through are read: DuckDB's own sandbox does
// not reach a Go table function.
func registerAvro(ctx context.Context, db *sql.DB, allows func(path string) bool) error {
	c, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	varchar, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	return duckdb.RegisterTableUDF(c, "tarn_avro", duckdb.RowTableFunction{
		Config: duckdb.TableFunctionConfig{Arguments: []duckdb.TypeInfo{varchar, varchar}},
		BindArgumentsContext: func(ctx context.Context, _ map[string]any, args ...any) (duckdb.RowTableSource, error) {
			glob, _ := args[0].(string)
			spec, _ := args[1].(string)
			var cols [][2]string
			if err := json.Unmarshal([]byte(spec), &cols); err != nil {
				return nil, fmt.Errorf("tarn_avro columns: %w", err)
			}
			src := &avroSource{ctx: ctx}
			for _, c := range cols {
				t, err := format.ParseType(c[1])
				if err != nil {
					return nil, fmt.Errorf("tarn_avro column %s: %w", c[0], err)
				}
				ti, err := typeInfo(t)
				if err != nil {
					return nil, fmt.Errorf("tarn_avro column %s: %w", c[0], err)
				}
				src.cols = append(src.cols, duckdb.ColumnInfo{Name: c[0], T: ti})
				src.types = append(src.types, t)
			}
			// Last, the file each row came from: partition values are
			// read off its path, as read_parquet's filename = true gives.
			src.cols = append(src.cols, duckdb.ColumnInfo{Name: "filename", T: varchar})
			files, err := globFiles(glob)
			if err != nil {
				return nil, err
			}
			for _, f := range files {
				if !allows(f) {
					return nil, fmt.Errorf("permission denied: tarn_avro may not read %q: it reads only the folders of the buckets this key may read", f)
				}
			}
			sort.Strings(files)
			src.files = files
			return src, nil
		},
	})
}

type avroSource struct {
	ctx   context.Context
	cols  []duckdb.ColumnInfo
	types []format.Type
	files []string
	f     *os.File
	dec   *ocf.Decoder
}

func (s *avroSource) ColumnInfos() []duckdb.ColumnInfo     { return s.cols }
func (s *avroSource) Cardinality() *duckdb.CardinalityInfo { return nil }
func (s *avroSource) Init()                                {}

func (s *avroSource) FillRow(row duckdb.Row) (bool, error) {
	for s.dec == nil || !s.dec.HasNext() {
		if s.dec != nil {
			err := s.dec.Error()
			s.f.Close()
			s.dec = nil
			if err != nil {
				return false, fmt.Errorf("read avro %s: %w", s.f.Name(), err)
			}
		}
		if len(s.files) == 0 {
			return false, nil
		}
		if err := s.ctx.Err(); err != nil {
			return false, err
		}
		f, err := os.Open(s.files[0])
		if err != nil {
			return false, err
		}
		s.files = s.files[1:]
		dec, err := ocf.NewDecoder(f)
		if err != nil {
			f.Close()
			return false, fmt.Errorf("read avro %s: %w", f.Name(), err)
		}
		s.f, s.dec = f, dec
	}
	var rec map[string]any
	if err := s.dec.Decode(&rec); err != nil {
		return false, fmt.Errorf("read avro %s: %w", s.f.Name(), err)
	}
	for i, t := range s.types {
		if err := row.SetRowValue(i, avroValue(lookup(rec, s.cols[i].Name), t)); err != nil {
			return false, fmt.Errorf("avro column %s: %w", s.cols[i].Name, err)
		}
	}
	return true, row.SetRowValue(len(s.types), s.f.Name())
}

// lookup finds a field by the catalog's lower-cased name.
func lookup(rec map[string]any, name string) any {
	if v, ok := rec[name]; ok {
		return v
	}
	for k, v := range rec {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// avroValue turns a decoded Avro value into what DuckDB's column takes:
// unions ({"type": value}) unwrapped, decimals as floats or strings,
// enums and fixed as the column's type, nested values recursively.
func avroValue(v any, t format.Type) any {
	if m, ok := v.(map[string]any); ok && len(m) == 1 && t.Kind != format.KindMap {
		for k, inner := range m {
			if t.Kind != format.KindStruct || !hasField(t, k) {
				return avroValue(inner, t)
			}
		}
	}
	switch x := v.(type) {
	case nil:
		return nil
	case *big.Rat:
		if t.Kind == format.KindDecimal {
			return x.FloatString(t.Scale)
		}
		f, _ := x.Float64()
		return f
	case time.Duration:
		return x.String()
	case []any:
		if t.Kind != format.KindArray {
			b, _ := json.Marshal(x)
			return string(b)
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = avroValue(e, *t.Elem)
		}
		return out
	case map[string]any:
		switch t.Kind {
		case format.KindStruct:
			out := make(map[string]any, len(t.Fields))
			for _, f := range t.Fields {
				out[f.Name] = avroValue(lookup(x, f.Name), f.Type)
			}
			return out
		case format.KindMap:
			out := duckdb.Map{}
			for k, e := range x {
				out[k] = avroValue(e, *t.Elem)
			}
			return out
		}
		b, _ := json.Marshal(x)
		return string(b)
	case int32:
		if t.Kind == format.KindBigint {
			return int64(x)
		}
	case float32:
		if t.Kind == format.KindDouble {
			return float64(x)
		}
	case []byte:
		if t.Kind == format.KindString {
			return string(x)
		}
	}
	if t.Kind == format.KindString {
		if s, ok := v.(string); ok {
			return s
		}
		return fmt.Sprint(v)
	}
	return v
}

func hasField(t format.Type, name string) bool {
	for _, f := range t.Fields {
		if strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}

// typeInfo builds DuckDB's type for a Glue type.
func typeInfo(t format.Type) (duckdb.TypeInfo, error) {
	scalar := map[format.Kind]duckdb.Type{
		format.KindString: duckdb.TYPE_VARCHAR, format.KindBoolean: duckdb.TYPE_BOOLEAN,
		format.KindTinyint: duckdb.TYPE_TINYINT, format.KindSmallint: duckdb.TYPE_SMALLINT,
		format.KindInt: duckdb.TYPE_INTEGER, format.KindBigint: duckdb.TYPE_BIGINT,
		format.KindFloat: duckdb.TYPE_FLOAT, format.KindDouble: duckdb.TYPE_DOUBLE,
		format.KindDate: duckdb.TYPE_DATE, format.KindTimestamp: duckdb.TYPE_TIMESTAMP,
		format.KindBinary: duckdb.TYPE_BLOB,
	}
	switch t.Kind {
	case format.KindDecimal:
		// The decimal travels as text: exact, and DuckDB casts it.
		return duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	case format.KindArray:
		e, err := typeInfo(*t.Elem)
		if err != nil {
			return nil, err
		}
		return duckdb.NewListInfo(e)
	case format.KindMap:
		k, err := typeInfo(*t.Key)
		if err != nil {
			return nil, err
		}
		v, err := typeInfo(*t.Elem)
		if err != nil {
			return nil, err
		}
		return duckdb.NewMapInfo(k, v)
	case format.KindStruct:
		var entries []duckdb.StructEntry
		for _, f := range t.Fields {
			ti, err := typeInfo(f.Type)
			if err != nil {
				return nil, err
			}
			e, err := duckdb.NewStructEntry(ti, f.Name)
			if err != nil {
				return nil, err
			}
			entries = append(entries, e)
		}
		if len(entries) == 0 {
			return duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
		}
		return duckdb.NewStructInfo(entries[0], entries[1:]...)
	}
	if k, ok := scalar[t.Kind]; ok {
		return duckdb.NewTypeInfo(k)
	}
	return nil, fmt.Errorf("type %s has no DuckDB counterpart", t)
}

// globFiles is filepath.Glob that also takes DuckDB's "/**/": any number
// of folders, then one last segment's pattern.
func globFiles(glob string) ([]string, error) {
	base, last, ok := strings.Cut(glob, "/**/")
	if !ok {
		return filepath.Glob(glob)
	}
	var out []string
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		if ok, err := filepath.Match(last, d.Name()); ok || err != nil {
			if err == nil {
				out = append(out, p)
			}
			return err
		}
		return nil
	})
	return out, err
}
