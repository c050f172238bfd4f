package load

import (
	"strconv"
	"strings"
)

// jsonPath is one jsonpaths expression: the explicit path to one element,
// $ then .name, ['name'] ("name" too) and [n] steps. COPY takes no
// wildcards, filters or recursive descent, which could match many.
type jsonPath struct {
	src   string
	steps []jsonStep
}

type jsonStep struct {
	name  string
	index int // -1 for a member step
}

const maxPathSteps = 64

func parseJSONPath(p string) (jsonPath, error) {
	bad := func(i int, why string) (jsonPath, error) {
		return jsonPath{}, optErr("jsonpaths expression %q at offset %d: %s", p, i, why)
	}
	if !strings.HasPrefix(p, "$") {
		return bad(0, "it must start with $")
	}
	jp := jsonPath{src: p}
	for i := 1; i < len(p); {
		if len(jp.steps) == maxPathSteps {
			return bad(i, "too many steps")
		}
		switch p[i] {
		case '.':
			j := i + 1
			for j < len(p) && p[j] != '.' && p[j] != '[' {
				j++
			}
			name := p[i+1 : j]
			if name == "" || name == "*" {
				return bad(i, "a member name is missing or a wildcard")
			}
			jp.steps = append(jp.steps, jsonStep{name: name, index: -1})
			i = j
		case '[':
			if i+1 < len(p) && (p[i+1] == '\'' || p[i+1] == '"') {
				q := p[i+1]
				end := strings.IndexByte(p[i+2:], q)
				if end < 0 || i+2+end+1 >= len(p) || p[i+2+end+1] != ']' {
					return bad(i, "an unclosed quoted name")
				}
				jp.steps = append(jp.steps, jsonStep{name: p[i+2 : i+2+end], index: -1})
				i += 2 + end + 2
				continue
			}
			end := strings.IndexByte(p[i:], ']')
			if end < 0 {
				return bad(i, "an unclosed bracket")
			}
			n, err := strconv.Atoi(p[i+1 : i+end])
			if err != nil || n < 0 || n > 1<<30 {
				return bad(i, "an array index must be a number")
			}
			jp.steps = append(jp.steps, jsonStep{index: n})
			i += end + 1
		default:
			return bad(i, "expected . or [")
		}
	}
	return jp, nil
}
