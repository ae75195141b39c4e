// Package clock is lcrm's one notion of the present (STYLE rule 16, after benbjohnson/wtf's
// DB.Now): every domain store holds a Clock in its exported Now field, set to System by
// its constructor, reads it once per transaction or operation and passes that instant
// down (to SQL as a $n::timestamptz parameter, never now()). Tests set the field to a
// Manual clock's Now to act at any moment.
package clock

import (
	"sync"
	"time"
)

// Clock returns the present. A plain func type, so time.Now and any func() time.Time
// (a method value such as (*Manual).Now) can be assigned to it.
type Clock func() time.Time

// System is the wall clock: time.Now.
var System Clock = time.Now

// Manual is a clock for tests: it stands still at the time it was set to until Set or
// Add moves it. It is safe for concurrent use.
type Manual struct {
	mu sync.Mutex
	t  time.Time
}

// NewManual returns a Manual clock standing at t.
func NewManual(t time.Time) *Manual { return &Manual{t: t} }

// Now returns the clock's current time; assign m.Now to a store's Now field.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t
}

// Set moves the clock to t (backwards as well as forwards).
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	m.t = t
	m.mu.Unlock()
}

// Add moves the clock by d and returns the new time.
func (m *Manual) Add(d time.Duration) time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t = m.t.Add(d)
	return m.t
}
