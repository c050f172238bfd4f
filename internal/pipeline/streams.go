package pipeline

import "context"

type streamKind struct{}

// streamState is a stream as the Kinesis API describes it.
type streamState struct {
	Shards, RetentionHours int
}

func listStreams(ctx context.Context, t Target) (map[string]streamState, error) {
	out := map[string]streamState{}
	start := ""
	for {
		var res struct {
			StreamNames    []string
			HasMoreStreams bool
		}
		in := map[string]any{}
		if start != "" {
			in["ExclusiveStartStreamName"] = start
		}
		if err := t.Kinesis.Call(ctx, "ListStreams", in, &res); err != nil {
			return nil, err
		}
		for _, name := range res.StreamNames {
			start = name
			if t.own("stream", name) {
				continue
			}
			var d struct {
				StreamDescriptionSummary struct {
					OpenShardCount       int
					RetentionPeriodHours int
				}
			}
			if err := t.Kinesis.Call(ctx, "DescribeStreamSummary", map[string]any{"StreamName": name}, &d); err != nil {
				return nil, err
			}
			out[name] = streamState{d.StreamDescriptionSummary.OpenShardCount, d.StreamDescriptionSummary.RetentionPeriodHours}
		}
		if !res.HasMoreStreams || len(res.StreamNames) == 0 {
			return out, nil
		}
	}
}

func (st Stream) want() streamState {
	w := streamState{Shards: st.Shards, RetentionHours: st.RetentionHours}
	if w.Shards == 0 {
		w.Shards = 1
	}
	if w.RetentionHours == 0 {
		w.RetentionHours = 24
	}
	return w
}

func (streamKind) plan(ctx context.Context, t Target, s Spec) ([]Change, int, error) {
	if s.Streams == nil {
		return nil, 0, nil // no streams: section, none managed (and none listed)
	}
	have, err := listStreams(ctx, t)
	if err != nil {
		return nil, 0, err
	}
	var out []Change
	n := 0
	for _, st := range s.Streams {
		want := st.want()
		was, ok := have[st.Name]
		delete(have, st.Name)
		if !ok {
			out = append(out, Change{Op: Create, Kind: "stream", Name: st.Name, do: func(ctx context.Context) error {
				if err := t.Kinesis.Call(ctx, "CreateStream", map[string]any{"StreamName": st.Name, "ShardCount": want.Shards}, nil); err != nil {
					return err
				}
				return setRetention(ctx, t, st.Name, 24, want.RetentionHours)
			}})
			continue
		}
		var d diff
		d.field("shards", was.Shards, want.Shards)
		d.field("retention_hours", was.RetentionHours, want.RetentionHours)
		if len(d) == 0 {
			n++
			continue
		}
		out = append(out, Change{Op: Update, Kind: "stream", Name: st.Name, What: d.String(), do: func(ctx context.Context) error {
			if was.Shards != want.Shards {
				if err := t.Kinesis.Call(ctx, "UpdateShardCount", map[string]any{"StreamName": st.Name,
					"TargetShardCount": want.Shards, "ScalingType": "UNIFORM_SCALING"}, nil); err != nil {
					return err
				}
			}
			return setRetention(ctx, t, st.Name, was.RetentionHours, want.RetentionHours)
		}})
	}
	for name := range have {
		if s.Streams == nil {
			break // no streams: section, no streams managed
		}
		out = append(out, Change{Op: Delete, Kind: "stream", Name: name, do: func(ctx context.Context) error {
			return t.Kinesis.Call(ctx, "DeleteStream", map[string]any{"StreamName": name, "EnforceConsumerDeletion": true}, nil)
		}})
	}
	sortChanges(out)
	return out, n, nil
}

func setRetention(ctx context.Context, t Target, name string, was, want int) error {
	switch {
	case want > was:
		return t.Kinesis.Call(ctx, "IncreaseStreamRetentionPeriod", map[string]any{"StreamName": name, "RetentionPeriodHours": want}, nil)
	case want < was:
		return t.Kinesis.Call(ctx, "DecreaseStreamRetentionPeriod", map[string]any{"StreamName": name, "RetentionPeriodHours": want}, nil)
	}
	return nil
}
