package format

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

type pqInner struct {
	X int32  `parquet:"x"`
	Y string `parquet:"y"`
}

type pqRow struct {
	ID      int64            `parquet:"id"`
	Name    string           `parquet:"name"`
	Small   int8             `parquet:"small"`
	Flag    bool             `parquet:"flag"`
	Score   float64          `parquet:"score"`
	Ratio   float32          `parquet:"ratio"`
	Opt     *int64           `parquet:"opt,optional"`
	Blob    []byte           `parquet:"blob"`
	At      time.Time        `parquet:"at,timestamp(microsecond)"`
	Day     int32            `parquet:"day,date"`
	Price   int64            `parquet:"price,decimal(2:12)"`
	Tags    []string         `parquet:"tags,list"`
	Attrs   map[string]int64 `parquet:"attrs"`
	Inner   pqInner          `parquet:"inner"`
	Friends []pqInner        `parquet:"friends,list"`
}

const pqWant = "struct<id:bigint,name:string,small:tinyint,flag:boolean,score:double,ratio:float,opt:bigint," +
	"blob:binary,at:timestamp,day:date,price:decimal(12,2),tags:array<string>,attrs:map<string,bigint>," +
	"inner:struct<x:int,y:string>,friends:array<struct<x:int,y:string>>>"

func writeParquet(t testing.TB, rows int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[pqRow](&buf)
	batch := make([]pqRow, rows)
	for i := range batch {
		batch[i] = pqRow{ID: int64(i), Name: "n", Tags: []string{"a"}, Attrs: map[string]int64{"k": 1}, At: time.Unix(0, 0)}
	}
	if _, err := w.Write(batch); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestInferParquet(t *testing.T) {
	b := writeParquet(t, 3)
	info, err := InferParquet(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Schema.String(); got != pqWant || info.Rows != 3 {
		t.Fatalf("got %s rows=%d\nwant %s", got, info.Rows, pqWant)
	}
}

func TestInferParquetCorrupt(t *testing.T) {
	good := writeParquet(t, 2)
	footerLen := int(good[len(good)-8]) | int(good[len(good)-7])<<8
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"short", []byte("PAR1PAR1")},
		{"no footer magic", append(bytes.Clone(good[:len(good)-4]), "JUNK"...)},
		{"footer length too big", func() []byte {
			b := bytes.Clone(good)
			b[len(b)-5] = 0x7f
			return b
		}()},
		{"garbled footer", func() []byte {
			b := bytes.Clone(good)
			for i := len(b) - 8 - footerLen; i < len(b)-8; i++ {
				b[i] ^= 0xa5
			}
			return b
		}()},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := InferParquet(bytes.NewReader(c.data), int64(len(c.data)))
			if !errors.Is(err, ErrNotParquet) {
				t.Fatalf("error %v, want ErrNotParquet", err)
			}
			if len(c.data) >= 12 && !strings.Contains(err.Error(), "footer") {
				t.Fatalf("error %v does not mention the footer", err)
			}
		})
	}
}
