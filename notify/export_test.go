package notify

import "time"

// SetClock makes o (and its dispatchers) see now() as the time.
func SetClock(o *Outbox, now func() time.Time) { o.now = now }

// Now is the outbox's clock, for tests that move rows in time relative to it.
func Now(o *Outbox) time.Time { return o.now() }
