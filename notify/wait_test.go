package notify_test

import (
	"testing"
	"time"
)

// waitFor polls cond every interval until it holds, and fails t (saying what it waited
// for) when it still does not hold after limit: a bounded wait, never an endless loop.
func waitFor(t testing.TB, limit, every time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not done after %v", what, limit)
		}
		<-tick.C
	}
}
