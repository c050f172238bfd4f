package copyfrom

import "iter"

// pipelined runs rows in a goroutine of its own, handing them over in
// batches, so that reading and converting the files (one core) and
// appending to the warehouse (another) go on at once.
func pipelined(rows iter.Seq2[[]any, error]) iter.Seq2[[]any, error] {
	const batch = 2048
	type chunk struct {
		rows [][]any
		err  error
	}
	return func(yield func([]any, error) bool) {
		ch := make(chan chunk, 4)
		done := make(chan struct{})
		defer func() {
			close(done)
			for range ch { // let the producer end
			}
		}()
		go func() {
			defer close(ch)
			buf := make([][]any, 0, batch)
			send := func(c chunk) bool {
				select {
				case ch <- c:
					return true
				case <-done:
					return false
				}
			}
			for row, err := range rows {
				if err != nil {
					if len(buf) > 0 && !send(chunk{rows: buf}) {
						return
					}
					send(chunk{err: err})
					return
				}
				buf = append(buf, row)
				if len(buf) == batch {
					if !send(chunk{rows: buf}) {
						return
					}
					buf = make([][]any, 0, batch)
				}
			}
			if len(buf) > 0 {
				send(chunk{rows: buf})
			}
		}()
		for c := range ch {
			for _, r := range c.rows {
				if !yield(r, nil) {
					return
				}
			}
			if c.err != nil {
				yield(nil, c.err)
				return
			}
		}
	}
}
