package load

import (
	"io"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/tarnlake/tarn/internal/warehouse"
)

// Column is one target column of the COPY: the warehouse table's. MaxLen
// is a CHAR/VARCHAR length in bytes, as Redshift counts (0 is no limit);
// Char marks CHAR(n), which takes only single-byte characters and ignores
// trailing blanks; TZ marks TIMESTAMPTZ, whose text's offsets are honoured
// (a TIMESTAMP ignores them and keeps the wall clock).
type Column = warehouse.Column

// Options are COPY's data format and data conversion parameters.
type Options struct {
	Format    string // "TEXT" (the default), "CSV" or "JSON"
	Delimiter string // one character; "|" for TEXT, "," for CSV
	Quote     string // the CSV quote character, "\"" by default

	IgnoreHeader int // physical lines skipped at the start of the file
	// NullAs is the NULL AS string. nil means the default: `\N` for TEXT and
	// none for CSV, where empty fields follow EMPTYASNULL's rules. It is not
	// allowed with JSON.
	NullAs *string

	EmptyAsNull      bool
	BlanksAsNull     bool
	TruncateColumns  bool
	RemoveQuotes     bool
	Escape           bool
	FillRecord       bool
	TrimBlanks       bool
	AcceptAnyDate    bool
	IgnoreBlankLines bool
	RoundDec         bool // round, not truncate, digits past a DECIMAL's scale

	// AcceptInvChars is ACCEPTINVCHARS' replacement; nil when not given, ""
	// for the default "?".
	AcceptInvChars *string

	// DateFormat and TimeFormat are "" for Redshift's defaults, "auto", or a
	// format string; TimeFormat may also be "epochsecs" or "epochmillisecs".
	DateFormat, TimeFormat string

	JSON      string   // "auto", "auto ignorecase", or "" with JSONPaths
	JSONPaths []string // one expression per column

	// MaxError is checked by the caller; Read keeps at most MaxKept errors.
	MaxError int
}

// MaxKept bounds the errors Read returns; past it it still counts rows as
// bad but keeps no more detail.
const MaxKept = 100000

// ReadBatches reads a TEXT, CSV or JSON file (its name is for the errors)
// into record batches of cols, typed as warehouse.ArrowType gives them,
// and calls emit with each, in file order. A bad row is in no batch but
// becomes a LoadError and reading goes on; err is for bad options, I/O and
// emit's own error.
func ReadBatches(r io.Reader, file string, cols []Column, opts Options, emit func(arrow.RecordBatch) error) (rows int64, bad []LoadError, err error) {
	cfg, err := newConfig(cols, opts)
	if err != nil {
		return 0, nil, err
	}
	rd := newRowReader(file, cols, cfg, nil)
	if cfg.format == formatJSON {
		rd.batch = warehouse.NewBatcher(cols)
		err = readJSON(r, rd, emit)
	} else {
		err = readDelimited(r, rd, emit)
	}
	return rd.rows, rd.bad, err
}

// Read is ReadBatches giving rows: emit is called with each good row's
// values in column order as string, bool, int16 (TINYINT, SMALLINT),
// int32, int64, float32, float64, Decimal, time.Time (a DATE at midnight
// UTC) or []byte, and nil for NULL. The slice is reused: emit must copy it
// to keep it.
func Read(r io.Reader, file string, cols []Column, opts Options, emit func([]any) error) (rows int64, bad []LoadError, err error) {
	row := make([]any, len(cols))
	_, bad, err = ReadBatches(r, file, cols, opts, func(rec arrow.RecordBatch) error {
		defer rec.Release()
		for i := range int(rec.NumRows()) {
			for j, a := range rec.Columns() {
				row[j] = warehouse.Value(a, i)
			}
			rows++
			if err := emit(row); err != nil {
				return err
			}
		}
		return nil
	})
	return rows, bad, err
}
