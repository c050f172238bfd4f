package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// click is an event of the reference example's clicks stream.
type click struct {
	EventID string `json:"event_id"`
	UserID  int64  `json:"user_id"`
	URL     string `json:"url"`
	TS      string `json:"ts"`
}

var clickPaths = []string{"/", "/p/kettle", "/p/teapot", "/p/mug", "/p/grinder", "/p/scale", "/p/filter",
	"/p/carafe", "/p/tin", "/cart", "/checkout", "/search"}

// clicks puts n made-up click events (0: until ctx ends), at most rate a
// second, in batches of up to 500, keyed by user.
func (s kinesisStream) clicks(ctx context.Context, n, rate, users int, out io.Writer) error {
	p := s.newPutter(out)
	// Event ids are unique per run (a run's start, then a counter): a
	// query counting distinct ids counts each event once.
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	batch := make([]types.PutRecordsRequestEntry, 0, 500)
	start := time.Now()
	for i := 0; n == 0 || i < n; {
		size := 500
		if n > 0 {
			size = min(size, n-i)
		}
		if rate > 0 {
			size = min(size, max(1, rate/10)) // ten batches a second at most
			if ahead := time.Duration(float64(i)/float64(rate)*float64(time.Second)) - time.Since(start); ahead > 0 {
				select {
				case <-ctx.Done():
					return p.done()
				case <-time.After(ahead):
				}
			}
		}
		batch = batch[:0]
		for range size {
			c := click{EventID: run + "-" + strconv.Itoa(i), UserID: 1 + rand.Int64N(int64(users)),
				URL: clickPaths[rand.IntN(len(clickPaths))], TS: time.Now().UTC().Format("2006-01-02T15:04:05.000Z")}
			data, _ := json.Marshal(c)
			batch = append(batch, types.PutRecordsRequestEntry{Data: data, PartitionKey: aws.String(strconv.FormatInt(c.UserID, 10))})
			i++
		}
		if err := p.put(ctx, batch); err != nil {
			if errors.Is(ctx.Err(), context.Canceled) {
				break // interrupted: say how far it got
			}
			return err
		}
	}
	return p.done()
}
