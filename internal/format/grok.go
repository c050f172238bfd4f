package format

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
)

// GrokSpec is a grok classifier as Glue's CreateClassifier takes it.
type GrokSpec struct {
	// Classification is what the table's classification will be, e.g.
	// "apache-log".
	Classification string
	// Pattern is matched against each line, e.g. "%{COMBINEDAPACHELOG}" or
	// "%{TIMESTAMP_ISO8601:ts:timestamp} %{LOGLEVEL:level} %{GREEDYDATA:msg}".
	Pattern string
	// CustomPatterns holds lines "NAME regexp" defining more patterns; the
	// regexp may use %{OTHER}. Blank lines and lines starting with # are
	// skipped.
	CustomPatterns string
}

// Glue's limits on the two texts, which also bound what compiling costs.
const (
	maxGrokPattern = 2048
	maxGrokCustom  = 16000
	// maxGrokExpanded bounds the regexp that references expand into: nested
	// references can otherwise grow it exponentially, and matching costs in
	// proportion to it. COMBINEDAPACHELOG, the largest built-in, expands to
	// about 3 KiB.
	maxGrokExpanded = 32 << 10
	// maxGrokInsts bounds the compiled program, since matching may take a
	// step per instruction for each byte: 1600 for COMBINEDAPACHELOG, whose
	// lines then match at about 5 MB/s.
	maxGrokInsts = 20000
	// grokGroupPrefix names the regexp groups made for %{NAME:field}: field
	// names may hold characters a Go group name may not, such as '-' or '.'.
	grokGroupPrefix = "grok__"
)

// Grok is a compiled grok classifier.
type Grok struct {
	class  string
	re     *regexp.Regexp
	schema Schema
}

// CompileGrok checks spec once, so that CreateClassifier can refuse a bad one
// with an error naming the problem (wrapping ErrInvalidClassifier): unknown
// pattern names, reference cycles, bad regexps or field types, also in custom
// patterns the main pattern does not use. The pattern must name at least one
// field, since the fields are the table's columns.
func CompileGrok(spec GrokSpec) (*Grok, error) {
	switch {
	case strings.TrimSpace(spec.Classification) == "":
		return nil, fmt.Errorf("%w: grok classifier has no classification", ErrInvalidClassifier)
	case spec.Pattern == "":
		return nil, fmt.Errorf("%w: grok classifier has no pattern", ErrInvalidClassifier)
	case len(spec.Pattern) > maxGrokPattern:
		return nil, fmt.Errorf("%w: grok pattern is %d bytes, more than %d", ErrInvalidClassifier, len(spec.Pattern), maxGrokPattern)
	case len(spec.CustomPatterns) > maxGrokCustom:
		return nil, fmt.Errorf("%w: custom patterns are %d bytes, more than %d", ErrInvalidClassifier, len(spec.CustomPatterns), maxGrokCustom)
	}
	custom, err := parseCustomPatterns(spec.CustomPatterns)
	if err != nil {
		return nil, err
	}
	c := &grokChecker{custom: custom, state: map[string]int{}}
	for _, name := range custom.order {
		if err := c.visit(name); err != nil {
			return nil, err
		}
	}
	if err := c.check("grok pattern", spec.Pattern, true); err != nil {
		return nil, err
	}
	x := &grokExpander{lookup: c.lookup}
	src, err := x.expand(spec.Pattern, 0)
	if err != nil {
		return nil, err
	}
	re, err := compileGrokRegexp(`^(?:` + src + `)$`)
	if err != nil {
		return nil, fmt.Errorf("%w: grok pattern %q: %v", ErrInvalidClassifier, spec.Pattern, err)
	}
	g := &Grok{class: spec.Classification, re: re}
	for _, name := range re.SubexpNames()[1:] {
		if name == "" {
			continue
		}
		// Named groups the user wrote as (?P<name>...) are string fields.
		col := Column{Name: name, Type: scalar(KindString)}
		if n, found := strings.CutPrefix(name, grokGroupPrefix); found {
			if i, err := strconv.Atoi(n); err == nil && i < len(x.fields) {
				col = x.fields[i]
			}
		}
		// A field named twice is one column holding both types.
		g.schema, _ = g.schema.Merge(Schema{col})
	}
	if len(g.schema) == 0 {
		return nil, fmt.Errorf("%w: grok pattern %q names no fields; write %%{PATTERN:field} for each column", ErrInvalidClassifier, spec.Pattern)
	}
	return g, nil
}

// Schema returns the columns the pattern's named fields make, in order.
func (g *Grok) Schema() Schema { return slices.Clone(g.schema) }

// Classify decides whether the file's lines are records of g and returns the
// schema of its fields. Glue's rule is that the pattern must match the data;
// we accept a file when at least one sampled line is not blank and every
// sampled line that is not blank matches the whole pattern. One line that
// does not match is refusal enough: the table's SerDe would read it as
// nulls, and the next classifier may well know the file better. Blank lines
// are no records and are skipped. Up to opts.MaxRecords lines and
// opts.MaxBytes decompressed bytes are sampled; a line cut by the byte cap
// is not judged.
func (g *Grok) Classify(r io.ReaderAt, size int64, opts Options) (Result, error) {
	opts = opts.withDefaults()
	head, cut, res, err := readCustomHead(r, size, opts)
	if err != nil {
		return res, err
	}
	if cut {
		if head = dropPartialLine(head); head[len(head)-1] != '\n' {
			return res, fmt.Errorf("%w: grok %s: line 1 is longer than %d bytes", ErrNoMatch, g.class, opts.MaxBytes)
		}
	}
	if i := bytes.IndexByte(head, 0); i >= 0 {
		return res, fmt.Errorf("%w: grok %s: NUL byte at offset %d, the data is binary", ErrNoMatch, g.class, i)
	}
	rest := bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	for line := 1; len(rest) > 0 && res.RecordsSampled < int64(opts.MaxRecords); line++ {
		var l []byte
		l, rest, _ = bytes.Cut(rest, []byte{'\n'})
		l = bytes.TrimSuffix(l, []byte{'\r'})
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		if !g.re.Match(l) {
			return res, fmt.Errorf("%w: grok %s: line %d does not match the pattern: %s", ErrNoMatch, g.class, line, excerpt(l))
		}
		res.RecordsSampled++
	}
	if res.RecordsSampled == 0 {
		return res, fmt.Errorf("%w: grok %s: no lines that are not blank", ErrNoMatch, g.class)
	}
	res.Classification, res.Schema, res.Confidence = g.class, g.Schema(), 1
	return res, nil
}

// compileGrokRegexp compiles src unless its program would be too large,
// which it tells from the parse tree before paying for compiling.
func compileGrokRegexp(src string) (*regexp.Regexp, error) {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return nil, err
	}
	if n := progSize(re); n > maxGrokInsts {
		return nil, fmt.Errorf("the regexp needs more than %d instructions; simplify it", maxGrokInsts)
	}
	return regexp.Compile(src)
}

// progSize estimates the instructions re compiles to, saturating just
// above the limit. Go's parser bounds the nesting, hence the recursion.
func progSize(re *syntax.Regexp) int {
	n := 1
	switch re.Op {
	case syntax.OpLiteral:
		n = len(re.Rune)
	case syntax.OpRepeat:
		k := re.Max
		if k < 0 {
			k = re.Min + 1
		}
		n += k * progSize(re.Sub[0])
	default:
		for _, sub := range re.Sub {
			n += progSize(sub)
		}
	}
	return min(n, maxGrokInsts+1)
}

// grokTypeAliases are Glue's grok type names that are not Hive's; the rest
// (boolean, int, float, double, string, date, timestamp, decimal(p,s)...)
// are spelled as in Hive and read by ParseType.
var grokTypeAliases = map[string]Kind{"byte": KindTinyint, "short": KindSmallint, "long": KindBigint}

func grokType(s string) (Type, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if k, ok := grokTypeAliases[s]; ok {
		return scalar(k), nil
	}
	t, err := ParseType(s)
	if err != nil || t.Kind == KindArray || t.Kind == KindMap || t.Kind == KindStruct {
		return Type{}, fmt.Errorf("unknown field type %q (want byte, boolean, short, int, long, float, double, decimal, string, date or timestamp)", s)
	}
	return t, nil
}

// grokExpander turns references into regexp groups; grokChecker has made
// sure every name is known and no cycle exists.
type grokExpander struct {
	lookup func(string) (string, bool)
	fields []Column // by the number in the group name
}

func (x *grokExpander) expand(src string, depth int) (string, error) {
	lits, refs, err := splitGrok(src)
	if err != nil {
		return "", err
	}
	if depth > maxDepth {
		return "", fmt.Errorf("%w: grok patterns nest deeper than %d", ErrInvalidClassifier, maxDepth)
	}
	var b strings.Builder
	for i, ref := range refs {
		b.WriteString(lits[i])
		def, _ := x.lookup(ref.name)
		inner, err := x.expand(def, depth+1)
		if err != nil {
			return "", err
		}
		if ref.field == "" {
			b.WriteString("(?:" + inner + ")")
		} else {
			t, _ := grokType(ref.typ)
			if ref.typ == "" {
				t = scalar(KindString)
			}
			fmt.Fprintf(&b, "(?P<%s%d>%s)", grokGroupPrefix, len(x.fields), inner)
			x.fields = append(x.fields, Column{Name: ref.field, Type: t})
		}
		if b.Len() > maxGrokExpanded {
			return "", fmt.Errorf("%w: grok pattern expands to more than %d bytes", ErrInvalidClassifier, maxGrokExpanded)
		}
	}
	b.WriteString(lits[len(refs)])
	return b.String(), nil
}
