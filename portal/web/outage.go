package web

import (
	"log/slog"
	"sync"
	"time"
)

// retryAfter is what a 503 asks clients to wait before trying again.
const retryAfter = 5 * time.Second

// outageLogEvery is how often an ongoing database outage is logged: one line per interval
// with the number of failed requests since the last line, not one line per request.
const outageLogEvery = 10 * time.Second

// outageLog logs database outages at most once per interval.
type outageLog struct {
	mu         sync.Mutex
	last       time.Time
	suppressed int
	every      time.Duration
	now        func() time.Time
}

// note records one request that failed because the database was unavailable, and logs
// when the last line is older than the interval.
func (o *outageLog) note(log *slog.Logger, method, path string, err error) {
	o.mu.Lock()
	now := time.Now()
	if o.now != nil {
		now = o.now()
	}
	every := o.every
	if every <= 0 {
		every = outageLogEvery
	}
	if !o.last.IsZero() && now.Sub(o.last) < every {
		o.suppressed++
		o.mu.Unlock()
		return
	}
	n := o.suppressed
	o.last, o.suppressed = now, 0
	o.mu.Unlock()
	log.Error("database unavailable: answering 503", "method", method, "path", path, "err", err,
		"suppressed_since_last", n, "next_report_in", every)
}
