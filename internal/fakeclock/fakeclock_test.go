package fakeclock

import (
	"context"
	"testing"
	"time"
)

func TestClockMovesOnlyWhenTold(t *testing.T) {
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	c := New(start)
	if !c.Now().Equal(start) {
		t.Fatalf("new clock at %v, want %v", c.Now(), start)
	}
	c.Add(time.Minute)
	if err := c.Sleep(context.Background(), 6*time.Second); err != nil {
		t.Fatal(err)
	}
	if want := start.Add(time.Minute + 6*time.Second); !c.Now().Equal(want) {
		t.Errorf("after Add and Sleep: %v, want %v", c.Now(), want)
	}
	c.Set(start)
	if !c.Now().Equal(start) {
		t.Errorf("after Set: %v", c.Now())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Sleep(ctx, time.Second); err == nil {
		t.Error("Sleep on an ended context succeeded")
	}
}
