package pause

import (
	"context"
	"testing"
	"time"
)

func TestForElapses(t *testing.T) {
	if !For(context.Background(), time.Millisecond) {
		t.Fatal("For returned false without a cancelled context")
	}
	if !For(context.Background(), 0) {
		t.Fatal("For(0) returned false")
	}
}

func TestForEndsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if For(ctx, time.Hour) {
		t.Fatal("For returned true on a cancelled context")
	}
}
