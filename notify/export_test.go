package notify

import "time"

// SetClock makes o (and its dispatchers) see now() as the time.
func SetClock(o *Outbox, now func() time.Time) { o.now = now }
