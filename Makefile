# The two commands of the README: `make run` and `make test`.
GO ?= go
DATA ?= ./tarn-data
# The warehouse hands loads to DuckDB as Arrow, which duckdb-go builds only
# with this tag; every go command below (and what it runs) gets it.
export GOFLAGS := $(strip $(shell $(GO) env GOFLAGS) -tags=duckdb_arrow)

.PHONY: run build test lint fuzz bench

build:
	$(GO) build -o bin/tarn ./cmd/tarn

run: build
	./bin/tarn serve --data $(DATA)

# Unit and conformance tests under the race detector, then the end-to-end
# tests (they build the binary and drive it with real clients).
test:
	$(GO) vet ./...
	$(GO) test -count=1 -race -timeout 20m ./internal/... ./cmd/...
	$(GO) test -count=1 -timeout 35m ./e2e/...

lint:
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

# Short runs of every fuzz target; longer ones: make fuzz FUZZTIME=10m
FUZZTIME ?= 20s
fuzz:
	$(GO) test ./internal/lake/localfs -run '^$$' -fuzz FuzzKeyToPath -fuzztime $(FUZZTIME)
	$(GO) test ./internal/lake/s3api -run '^$$' -fuzz FuzzRoute -fuzztime $(FUZZTIME)
	$(GO) test ./internal/edge/sigv4 -run '^$$' -fuzz '^FuzzVerify$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/edge/sigv4 -run '^$$' -fuzz '^FuzzVerifyV2$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/edge/sigv4 -run '^$$' -fuzz FuzzChunked -fuzztime $(FUZZTIME)
	$(GO) test ./internal/stream/kinesisapi -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME)
	$(GO) test ./internal/stream/kinesisapi -run '^$$' -fuzz FuzzScanPutRecords -fuzztime $(FUZZTIME)
	$(GO) test ./internal/stream/natsjs -run '^$$' -fuzz FuzzDecodeBatch -fuzztime $(FUZZTIME)
	for f in FuzzMessages FuzzDecodeParam; do \
		$(GO) test ./internal/pgwire -run '^$$' -fuzz "^$${f}\$$" -fuzztime $(FUZZTIME) || exit 1; done
	$(GO) test ./internal/query -run '^$$' -fuzz FuzzParseType -fuzztime $(FUZZTIME)
	$(GO) test ./internal/query/athenaapi -run '^$$' -fuzz FuzzBodies -fuzztime $(FUZZTIME)
	$(GO) test ./internal/engine/hiveddl -run '^$$' -fuzz FuzzExec -fuzztime $(FUZZTIME)
	$(GO) test ./internal/query/sqltext -run '^$$' -fuzz FuzzSplit -fuzztime $(FUZZTIME)
	$(GO) test ./internal/engine -run '^$$' -fuzz FuzzAdmit -fuzztime $(FUZZTIME)
	$(GO) test ./internal/trigger -run '^$$' -fuzz FuzzParseNotification -fuzztime $(FUZZTIME)
	$(GO) test ./internal/trigger -run '^$$' -fuzz FuzzTemplate -fuzztime $(FUZZTIME)
	$(GO) test ./internal/function -run '^$$' -fuzz FuzzUnzip -fuzztime $(FUZZTIME)
	$(GO) test ./internal/delivery/prefix -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)
	$(GO) test ./internal/delivery/convert -run '^$$' -fuzz FuzzWrite -fuzztime $(FUZZTIME)
	$(GO) test ./internal/warehouse/redshift -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)
	$(GO) test ./internal/redshiftdata -run '^$$' -fuzz FuzzBodies -fuzztime $(FUZZTIME)
	for f in FuzzText FuzzCSV FuzzJSON FuzzParquet FuzzAvro; do \
		$(GO) test ./internal/warehouse/load -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) || exit 1; done
	for f in FuzzPartitionExpression FuzzBodies; do \
		$(GO) test ./internal/glueapi -run '^$$' -fuzz "^$${f}\$$" -fuzztime $(FUZZTIME) || exit 1; done
	for f in FuzzParseType FuzzJSON FuzzCSV FuzzClassify FuzzGrok FuzzJSONPath FuzzCSVSpec; do \
		$(GO) test ./internal/format -run '^$$' -fuzz "^$${f}\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s || exit 1; done

bench: build
	$(GO) test -run '^$$' -bench . -benchtime 20x ./internal/lake/localfs ./internal/edge/sigv4
	$(GO) test -run '^$$' -bench . -benchtime 3x ./internal/stream/natsjs
	./bin/tarn bench s3
	$(GO) test -run '^$$' -bench . -benchtime 3x ./internal/crawl
	$(GO) test -run '^$$' -bench . -benchtime 5x ./internal/engine
	$(GO) test -run '^$$' -bench . -benchtime 3x ./internal/query/httpsql
	./bin/tarn bench streams
	./bin/tarn bench crawl
	./bin/tarn bench query
