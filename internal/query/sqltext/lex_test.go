package sqltext

import (
	"strings"
	"testing"
)

func TestLex(t *testing.T) {
	toks, err := Lex(`SELECT "a""b", 'it''s', E'x\'y', $q$ ; -- $q$, $1, ? /* a /* nested */ ; */ x.y::int -- end`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tk := range toks {
		got = append(got, tk.Text)
	}
	want := `SELECT|a"b|,|it's|,|x'y|,| ; -- |,|$1|,|?|X|.|Y|::|INT`
	if g := strings.Join(got, "|"); g != want {
		t.Errorf("tokens\n got %s\nwant %s", g, want)
	}
	if toks[1].Kind != Ident || toks[3].Kind != String || toks[9].Kind != Param || toks[11].Kind != Param {
		t.Errorf("kinds: %+v", toks)
	}
	for _, bad := range []string{"SELECT 'open", `SELECT "open`, "/* /* */", "SELECT $a$ x"} {
		if _, err := Lex(bad); err == nil {
			t.Errorf("%q scanned", bad)
		}
	}
}

func TestSplit(t *testing.T) {
	stmts, err := Split("SELECT ';'; /* ; */ SELECT (1;2) ;; -- x;\nSHOW tables")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range stmts {
		got = append(got, s.Tokens[0].Text+":"+s.Text)
	}
	want := "SELECT:SELECT ';'|SELECT:SELECT (1;2)|SHOW:SHOW tables"
	if g := strings.Join(got, "|"); g != want {
		t.Errorf("statements\n got %q\nwant %q", g, want)
	}
	if d := Depth(stmts[1].Tokens); d != 1 {
		t.Errorf("depth %d", d)
	}
}

// The scanners of PostgreSQL and DuckDB end a -- comment at \r as well as
// \n, and take multibyte characters in a $tag$: text hidden from Split
// by either would run there as statements of its own.
func TestSplitAsPostgreSQL(t *testing.T) {
	for text, want := range map[string]int{
		"ALTER TABLE t ADD COLUMN x int --\r; RESET ROLE; DROP TABLE secret.payroll": 3,
		"UPDATE t SET note = $é$ ' $é$; RESET ROLE; -- '":                            2,
		"SELECT $é$ ; $é$": 1,
	} {
		stmts, err := Split(text)
		if err != nil || len(stmts) != want {
			t.Errorf("%q: %d statements, %v; want %d", text, len(stmts), err, want)
		}
	}
}

// FuzzSplit: any text scans or fails with an Error, never panics, and the
// statements' tokens lie inside the text, in order.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{"SELECT 1; SELECT 2", "/* /* */ */ x", "$a$ $b$ $a$", "E'\\''", `"x"""`, "a::b[1]", "?$1$", "-- x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		hive, err := LexDialect(text, Hive)
		if _, ok := err.(*Error); err != nil && !ok {
			t.Fatalf("hive: error of type %T", err)
		}
		for i, tk := range hive {
			if i > 0 && tk.Pos <= hive[i-1].Pos || tk.Pos+len(tk.Raw) > len(text) || text[tk.Pos:tk.Pos+len(tk.Raw)] != tk.Raw {
				t.Fatalf("hive token %+v out of place", tk)
			}
		}
		stmts, err := Split(text)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		last := -1
		for _, st := range stmts {
			if len(st.Tokens) == 0 {
				t.Fatal("empty statement")
			}
			for _, tk := range st.Tokens {
				if tk.Pos <= last || tk.Pos+len(tk.Raw) > len(text) || text[tk.Pos:tk.Pos+len(tk.Raw)] != tk.Raw {
					t.Fatalf("token %+v out of place", tk)
				}
				last = tk.Pos
			}
		}
	})
}

func TestLexHive(t *testing.T) {
	toks, err := LexDialect("CREATE TABLE `a``b` (x string) COMMENT \"c\\\"d\" LOCATION 'it''s\\n' $x E'e'", Hive)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tk := range toks {
		got = append(got, tk.Text)
	}
	want := "CREATE|TABLE|a`b|(|X|STRING|)|COMMENT|c\"d|LOCATION|it's\n|$|X|E|e"
	if g := strings.Join(got, "|"); g != want {
		t.Errorf("tokens\n got %q\nwant %q", g, want)
	}
	if toks[2].Kind != Ident || toks[8].Kind != String || toks[8].Raw[0] != '"' {
		t.Errorf("kinds: %+v", toks)
	}
	toks, err = LexDialect("SHOW TABLES 'open", Hive)
	if err == nil || len(toks) != 2 {
		t.Errorf("unterminated: %v, %d tokens before it", err, len(toks))
	}
}
