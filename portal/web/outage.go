package web

import (
	"log/slog"
	"sync"
	"time"

	"lcrm/internal/config"
)

// retryAfter is what a 503 asks clients to wait before trying again.
const retryAfter = 5 * time.Second

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
	// The wall clock, not the request's (Core.Now): the throttle measures real time
	// between log lines, whatever the injected clock says.
	now := time.Now()
	if o.now != nil {
		now = o.now()
	}
	every := o.every
	if every <= 0 {
		every = config.DefaultOutageLogEvery
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
