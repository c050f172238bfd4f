package load

// span is one field of a record: its value, either in the raw text (when
// splitting left it untouched) or in the record's value buffer (when
// quotes or escapes were taken out), and its raw extent for error reports.
type span struct {
	vs, ve int
	inBuf  bool
	quoted bool
	rs, re int
}

// record is one logical record. raw is the line itself, or an owned copy
// when the record runs over several physical lines.
type record struct {
	line   int64 // the physical line it starts on, from 1
	lines  int   // how many physical lines it spans
	raw    []byte
	own    []byte
	val    []byte
	fields []span
	bad    *convErr // a splitting error, reported instead of converting
	badAt  int      // the field the splitting error is in
}

func (r *record) reset(line []byte, num int64) {
	r.line, r.lines, r.raw = num, 1, line
	r.val = r.val[:0]
	r.fields = r.fields[:0]
	r.bad, r.badAt = nil, 0
}

// extend appends a '\n' and the next physical line, copying the record out
// of the line reader's buffer first since that buffer is about to move.
func (r *record) extend(next []byte) {
	if len(r.own) == 0 || &r.raw[0] != &r.own[0] {
		r.own = append(r.own[:0], r.raw...)
	}
	r.own = append(r.own, '\n')
	r.own = append(r.own, next...)
	r.raw = r.own
	r.lines++
}

func (r *record) value(i int) []byte {
	f := &r.fields[i]
	if f.inBuf {
		return r.val[f.vs:f.ve]
	}
	return r.raw[f.vs:f.ve]
}

func (r *record) rawField(i int) []byte {
	f := &r.fields[i]
	return r.raw[f.rs:f.re]
}

// addRaw adds a field whose value is raw[s:e].
func (r *record) addRaw(s, e int) {
	r.fields = append(r.fields, span{vs: s, ve: e, rs: s, re: e})
}

// addBuf adds a field whose value is val[vs:] and raw text raw[rs:re].
func (r *record) addBuf(vs, rs, re int, quoted bool) {
	r.fields = append(r.fields, span{vs: vs, ve: len(r.val), inBuf: true, quoted: quoted, rs: rs, re: re})
}

// fail marks the record malformed at the field about to be added.
func (r *record) fail(code int, reason string, pos int) {
	r.bad = &convErr{code: code, reason: reason, pos: pos}
	r.badAt = len(r.fields)
}
