package ims

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/imagecatalog/ims-operator/internal/pause"
)

// backoff holds the retry policy of one client. sleep and jitter are
// replaced in tests to make retries instant and deterministic.
type backoff struct {
	base, max time.Duration
	sleep     func(ctx context.Context, d time.Duration) error
	jitter    func(n int64) int64 // uniform in [0, n)
}

func newBackoff(base, max time.Duration) backoff {
	return backoff{base: base, max: max, sleep: sleepCtx, jitter: rand.Int64N}
}

// delay is the wait before retry number attempt (1 for the first retry):
// Retry-After when the server gave one, else exponential backoff with full
// jitter; never more than max.
func (b backoff) delay(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, b.max)
	}
	ceiling := b.base
	for i := 1; i < attempt && ceiling < b.max; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, b.max)
	if ceiling <= 0 {
		return 0
	}
	return time.Duration(b.jitter(int64(ceiling) + 1))
}

// sleepCtx waits for d or until ctx ends, whichever is first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	pause.For(ctx, d)
	return ctx.Err()
}

// parseRetryAfter reads Retry-After as seconds or as an HTTP date; 0 when
// absent, malformed or in the past.
func parseRetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if s, err := strconv.ParseInt(h, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		if s > int64(365*24*time.Hour/time.Second) { // keep the multiplication in range
			s = int64(365 * 24 * time.Hour / time.Second)
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
