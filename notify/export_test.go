package notify

import "time"

// Now is the outbox's clock, for tests that move rows in time relative to it.
func Now(o *Outbox) time.Time { return o.Now() }
