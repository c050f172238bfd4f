package main

import (
	"bytes"
	"testing"
	"time"
)

// Away from a terminal, progress is plain lines, at most one every
// progressEvery, and always the last.
func TestProgressPlainLines(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b)
	if p.terminal {
		t.Fatal("a buffer taken for a terminal")
	}
	p.update("1/3")
	p.last = time.Now().Add(-progressEvery)
	p.update("2/3")
	p.update("2.5/3")
	p.done("3/3")
	if b.String() != "2/3\n3/3\n" {
		t.Fatalf("progress %q", b.String())
	}
}

// On a terminal, one line is redrawn in place.
func TestProgressTerminal(t *testing.T) {
	var b bytes.Buffer
	p := &progress{w: &b, terminal: true}
	p.update("10/30")
	p.update("9/9")
	p.done("done")
	if b.String() != "\r10/30\r9/9  \rdone\n" {
		t.Fatalf("progress %q", b.String())
	}
}

func TestPlural(t *testing.T) {
	if got := plural(1, "record") + ", " + plural(0, "record") + ", " + plural(2, "row"); got != "1 record, 0 records, 2 rows" {
		t.Fatal(got)
	}
}
