// Package pause waits for a while unless a context ends first: the one sleep that the IMS
// client's backoff, the simulator's slow answers and the soak's loops share.
package pause

import (
	"context"
	"time"
)

// For waits d unless ctx ends first; it reports whether d elapsed (d <= 0 elapses at once).
func For(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
