package engine

import (
	"fmt"
	"testing"
)

// A table with partition projection is read without registered partitions:
// values from the path the template describes, within the projection.
func TestPartitionProjection(t *testing.T) {
	e := newEnv(t)
	s := e.session()
	e.put("logs/eu/2026-01-15/a.json", []byte(`{"v":1}`+"\n"+`{"v":2}`+"\n"))
	e.put("logs/us/2026-02-01/b.json", []byte(`{"v":10}`+"\n"))
	e.put("logs/ap/2026-01-15/c.json", []byte(`{"v":100}`+"\n"))  // not an enum value
	e.put("logs/eu/2019-12-31/d.json", []byte(`{"v":1000}`+"\n")) // before the range
	e.rows(s, "CREATE DATABASE IF NOT EXISTS web")
	e.rows(s, `CREATE EXTERNAL TABLE web.logs (v bigint)
		PARTITIONED BY (region string, day string)
		ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
		LOCATION 's3://lake/logs/'
		TBLPROPERTIES (
			'projection.enabled' = 'true',
			'projection.region.type' = 'enum', 'projection.region.values' = 'eu,us',
			'projection.day.type' = 'date', 'projection.day.format' = 'yyyy-MM-dd', 'projection.day.range' = '2020-01-01,NOW',
			'storage.location.template' = 's3://lake/logs/${region}/${day}/')`)
	got := e.rows(s, "SELECT region, day, sum(v) FROM web.logs GROUP BY ALL ORDER BY ALL")
	if fmt.Sprint(got) != "[[eu 2026-01-15 3] [us 2026-02-01 10]]" {
		t.Fatalf("projected table: %v", got)
	}
	if got := e.rows(s, "SELECT sum(v) FROM web.logs WHERE region = 'us'"); fmt.Sprint(got) != "[[10]]" {
		t.Fatalf("filtered: %v", got)
	}
}

func TestProjectionBounds(t *testing.T) {
	for _, c := range []struct{ params map[string]string }{
		{map[string]string{"projection.k.type": "integer", "projection.k.range": "1,x"}},
		{map[string]string{"projection.k.type": "date", "projection.k.format": "yyyy-QQ", "projection.k.range": "2020-01,NOW"}},
		{map[string]string{"projection.k.type": "date", "projection.k.format": "yyyy", "projection.k.range": "2020,NOW-3FORTNIGHTS"}},
		{map[string]string{"projection.k.type": "geohash"}},
	} {
		if w, err := projectionBound(c.params, "k", "x"); err == nil {
			t.Errorf("%v: %q, want an error", c.params, w)
		}
	}
	w, err := projectionBound(map[string]string{"projection.k.type": "date", "projection.k.format": "yyyy/MM", "projection.k.range": "NOW-2YEARS,NOW"}, "k", "x")
	if err != nil || w != "try_strptime(x, '%Y/%m') BETWEEN now()::TIMESTAMP - INTERVAL 2 YEAR AND now()::TIMESTAMP" {
		t.Errorf("relative range: %q %v", w, err)
	}
}
