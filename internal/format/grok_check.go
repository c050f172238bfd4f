package format

import (
	"fmt"
	"strings"
	"unicode"
)

// grokRef is one %{NAME}, %{NAME:field} or %{NAME:field:type}.
type grokRef struct {
	raw, name, field, typ string
}

// splitGrok splits src into the regexp text between references (one more
// than there are references) and the references.
func splitGrok(src string) (lits []string, refs []grokRef, err error) {
	for {
		i := strings.Index(src, "%{")
		if i < 0 {
			return append(lits, src), refs, nil
		}
		j := strings.IndexByte(src[i:], '}')
		if j < 0 {
			return nil, nil, fmt.Errorf("%%{ without a closing } in %q", src[i:])
		}
		raw := src[i+2 : i+j]
		parts := strings.SplitN(raw, ":", 3)
		ref := grokRef{raw: raw, name: parts[0]}
		if !isGrokName(ref.name) {
			return nil, nil, fmt.Errorf("bad pattern name %q in %%{%s} (want letters, digits and _)", ref.name, raw)
		}
		if len(parts) > 1 {
			ref.field = parts[1]
			if !validColumnName(ref.field) {
				return nil, nil, fmt.Errorf("bad field name %q in %%{%s}", ref.field, raw)
			}
		}
		if len(parts) > 2 {
			ref.typ = parts[2]
		}
		lits, refs = append(lits, src[:i]), append(refs, ref)
		src = src[i+j+1:]
	}
}

func isGrokName(s string) bool {
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

type customPatterns struct {
	defs  map[string]string
	line  map[string]int // where each is defined, for errors
	order []string
}

// parseCustomPatterns reads lines "NAME regexp". Blanks around the regexp
// are dropped: invisible characters should not change what a pattern means
// (write [ ] or \s for a trailing blank).
func parseCustomPatterns(text string) (customPatterns, error) {
	cp := customPatterns{defs: map[string]string{}, line: map[string]int{}}
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		name, def := line, ""
		if k := strings.IndexFunc(line, unicode.IsSpace); k >= 0 {
			name, def = line[:k], strings.TrimSpace(line[k:])
		}
		switch {
		case !isGrokName(name):
			return cp, fmt.Errorf("%w: custom patterns line %d: bad pattern name %q (want letters, digits and _)", ErrInvalidClassifier, n, name)
		case def == "":
			return cp, fmt.Errorf("%w: custom patterns line %d: pattern %s has no regexp", ErrInvalidClassifier, n, name)
		case cp.line[name] > 0:
			return cp, fmt.Errorf("%w: custom patterns line %d: pattern %s is already defined on line %d", ErrInvalidClassifier, n, name, cp.line[name])
		}
		cp.defs[name], cp.line[name] = def, n
		cp.order = append(cp.order, name)
	}
	return cp, nil
}

// grokChecker walks the graph of pattern references depth first, checking
// names, field types and regexp syntax and finding cycles, so that expanding
// afterwards cannot fail but for size.
type grokChecker struct {
	custom customPatterns
	state  map[string]int // visiting or visited
	path   []string       // the patterns being visited, outermost first
}

const (
	visiting = 1
	visited  = 2
)

// lookup finds a pattern; custom patterns take precedence over built-ins.
func (c *grokChecker) lookup(name string) (string, bool) {
	if d, ok := c.custom.defs[name]; ok {
		return d, true
	}
	d, ok := grokPatterns[name]
	return d, ok
}

func (c *grokChecker) visit(name string) error {
	switch c.state[name] {
	case visited:
		return nil
	case visiting:
		i := len(c.path) - 1
		for c.path[i] != name {
			i--
		}
		cycle := append(c.path[i:len(c.path):len(c.path)], name)
		return fmt.Errorf("%w: grok patterns refer to themselves: %s", ErrInvalidClassifier, strings.Join(cycle, " -> "))
	}
	def, _ := c.lookup(name)
	what, custom := "built-in pattern "+name, false
	if n, ok := c.custom.line[name]; ok {
		what, custom = fmt.Sprintf("custom pattern %s (line %d)", name, n), true
	}
	c.state[name] = visiting
	c.path = append(c.path, name)
	if err := c.check(what, def, custom); err != nil {
		return err
	}
	c.path = c.path[:len(c.path)-1]
	c.state[name] = visited
	return nil
}

// check checks the references of src, visits them and, when compile is set,
// checks src's own regexp syntax with each reference standing for an empty
// group, which is how its errors can be told apart from those of others.
func (c *grokChecker) check(what, src string, compile bool) error {
	lits, refs, err := splitGrok(src)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrInvalidClassifier, what, err)
	}
	for _, ref := range refs {
		if _, ok := c.lookup(ref.name); !ok {
			return fmt.Errorf("%w: %s: unknown grok pattern %q in %%{%s}", ErrInvalidClassifier, what, ref.name, ref.raw)
		}
		if ref.typ != "" {
			if _, err := grokType(ref.typ); err != nil {
				return fmt.Errorf("%w: %s: %%{%s}: %v", ErrInvalidClassifier, what, ref.raw, err)
			}
		}
		if err := c.visit(ref.name); err != nil {
			return err
		}
	}
	if compile {
		if _, err := compileGrokRegexp(strings.Join(lits, "(?:)")); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrInvalidClassifier, what, err)
		}
	}
	return nil
}
