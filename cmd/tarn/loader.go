package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/tarnlake/tarn/internal/trigger"
	"github.com/tarnlake/tarn/internal/warehouse/copyfrom"
)

// ruleLoader is the rules' load action: a COPY of the object, once per
// version.
type ruleLoader struct{ o copyfrom.Options }

func (l ruleLoader) Load(ctx context.Context, table, options string, obj trigger.Object) error {
	_, err := copyfrom.LoadObject(ctx, l.o, table, options, obj.Bucket, obj.Key, obj.ETag)
	if errors.Is(err, copyfrom.ErrBadLoad) {
		return fmt.Errorf("%w: %v", trigger.ErrUnloadable, err)
	}
	return err
}
