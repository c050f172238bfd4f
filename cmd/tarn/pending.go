package main

import (
	"context"

	"github.com/tarnlake/tarn/internal/delivery"
	"github.com/tarnlake/tarn/internal/engine"
)

// pendingViews shows the deliveries to the engine, which makes a view
// pending.<delivery> of the records each has not written yet.
type pendingViews struct{ *delivery.Service }

func (p pendingViews) Pending(ctx context.Context) ([]engine.PendingView, error) {
	cs, err := p.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]engine.PendingView, len(cs))
	for i, c := range cs {
		out[i] = engine.PendingView{Delivery: c.Name, Source: c.SourceStream()}
		if conv := c.S3.Conversion; conv.On() && conv.Schema != nil {
			out[i].Database, out[i].Table = conv.Schema.Database, conv.Schema.Table
		}
	}
	return out, nil
}
