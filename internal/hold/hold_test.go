package hold

import (
	"context"
	"testing"
	"time"
)

func TestGate(t *testing.T) {
	g := New()
	r1, err := g.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wrote := make(chan bool)
	go func() {
		release, crowded := g.Write(time.Minute)
		wrote <- crowded
		release()
	}()
	// A reader that comes while a write waits, waits behind it.
	waiting, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	for {
		g.mu.Lock()
		w := g.writing
		g.mu.Unlock()
		if w {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := g.Read(waiting); err == nil {
		t.Fatal("a query came in while a write was waiting for an earlier one")
	}
	select {
	case <-wrote:
		t.Fatal("the write did not wait for the query in")
	default:
	}
	r1()
	if crowded := <-wrote; crowded {
		t.Fatal("the write says queries were in after the last one left")
	}
	r2, err := g.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// A query left open holds a write back only for the wait given.
	release, crowded := g.Write(10 * time.Millisecond)
	if !crowded {
		t.Fatal("a write past its wait with a query in does not say so")
	}
	release()
	r2()
	r2() // twice is harmless
	if g.readers != 0 {
		t.Fatalf("%d readers after every release", g.readers)
	}
}
