// Package replica sends read-only queries to PostgreSQL streaming standbys (read
// replicas) while they keep up, and to the primary otherwise.
//
// A Set holds the primary pool and one pool per replica and checks them every second:
// the replica must be in recovery and answer, and its replayed WAL position
// (pg_last_wal_replay_lsn) is compared with the primary's (pg_current_wal_lsn). Lag is
// time, measured on the primary's side: how long ago the primary first wrote WAL the
// replica has not replayed yet. An idle primary writes nothing, so an idle replica is
// never "behind" (pg_last_xact_replay_timestamp would keep growing there). A replica past
// the limit, or down, gets no reads until a check finds it fresh again.
//
// Read-your-writes is by LSN: after a visitor's write the caller records the primary's
// WAL position (WriteLSN) with the visitor, and a read for that visitor goes only to a
// replica whose replayed position, as last checked, has reached it. That is exact (no
// guessed delay) and costs one small query per write.
package replica

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultMaxLag is the lag past which a replica gets no reads (LCRM_REPLICA_MAX_LAG).
const DefaultMaxLag = 5 * time.Second

// checkEvery is how often a Set checks its replicas; checkTimeout bounds one check.
const (
	checkEvery   = time.Second
	checkTimeout = 2 * time.Second
)

// LSN is a WAL position (pg_lsn), 0 for none.
type LSN uint64

// ParseLSN reads PostgreSQL's text form "16/B374D848".
func ParseLSN(s string) (LSN, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok {
		return 0, fmt.Errorf("replica: %q is not an LSN", s)
	}
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("replica: %q is not an LSN", s)
	}
	return LSN(h<<32 | l), nil
}

// String writes PostgreSQL's text form.
func (l LSN) String() string { return fmt.Sprintf("%X/%X", uint64(l)>>32, uint64(l)&0xffffffff) }

// State is how a replica fares at its last check.
type State string

// The states /readyz shows.
const (
	OK      State = "ok"      // serves reads
	Lagging State = "lagging" // answers but is behind by more than the limit
	Down    State = "down"    // does not answer, or is not a standby
)

// Status is one replica at its last check.
type Status struct {
	Name     string        `json:"name"` // host:port/database, never the password
	State    State         `json:"state"`
	Lag      time.Duration `json:"-"`
	LagText  string        `json:"lag,omitempty"` // Lag, written as a duration
	LagBytes int64         `json:"lag_bytes"`
	Error    string        `json:"error,omitempty"`
	Checked  time.Time     `json:"checked"`
	replay   LSN
}

type member struct {
	name   string
	pool   *pgxpool.Pool
	status atomic.Pointer[Status]
}

// sample is the primary's WAL position at one check.
type sample struct {
	at  time.Time
	lsn LSN
}

// Set is the primary and its read replicas.
type Set struct {
	primary  *pgxpool.Pool
	replicas []*member
	maxLag   time.Duration
	next     atomic.Uint32 // round robin over fresh replicas

	mu      sync.Mutex
	samples []sample // the primary's positions, oldest first, kept about 2 × maxLag
}

// Open makes a Set over primary with a pool of at most maxConns per replica URL. The
// replicas need not be up: they are used once a check finds them fresh.
func Open(ctx context.Context, primary *pgxpool.Pool, urls []string, maxLag time.Duration, maxConns int32) (*Set, error) {
	if maxLag <= 0 {
		maxLag = DefaultMaxLag
	}
	s := &Set{primary: primary, maxLag: maxLag}
	for _, u := range urls {
		cfg, err := pgxpool.ParseConfig(u)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("replica: parse url: %w", err)
		}
		if maxConns > 0 {
			cfg.MaxConns = maxConns
		}
		// A replica that vanishes from the network must not hold a request for long:
		// it falls back to the primary instead.
		if cfg.ConnConfig.ConnectTimeout == 0 || cfg.ConnConfig.ConnectTimeout > checkTimeout {
			cfg.ConnConfig.ConnectTimeout = checkTimeout
		}
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("replica: open: %w", err)
		}
		m := &member{name: nameOf(u), pool: pool}
		m.status.Store(&Status{Name: m.name, State: Down, Error: "not checked yet"})
		s.replicas = append(s.replicas, m)
	}
	return s, nil
}

// nameOf is host:port/database of a URL, without user or password.
func nameOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "replica"
	}
	return u.Host + u.Path
}

// Close closes the replica pools (not the primary's).
func (s *Set) Close() {
	for _, m := range s.replicas {
		m.pool.Close()
	}
}

// Primary is the primary's pool.
func (s *Set) Primary() *pgxpool.Pool { return s.primary }

// Len is the number of replicas.
func (s *Set) Len() int { return len(s.replicas) }

// MaxLag is the lag limit.
func (s *Set) MaxLag() time.Duration { return s.maxLag }

// Run checks the replicas every second until ctx ends.
func (s *Set) Run(ctx context.Context) {
	t := time.NewTicker(checkEvery)
	defer t.Stop()
	for {
		s.Check(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Check checks the primary's position and every replica once (Run calls it; tests call
// it to see a change at once).
func (s *Set) Check(ctx context.Context) {
	if len(s.replicas) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	now := time.Now()
	primary, perr := s.primaryLSN(ctx)
	if perr == nil {
		s.remember(now, primary)
	}
	var wg sync.WaitGroup
	for _, m := range s.replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.status.Store(s.check(ctx, m, now, primary, perr))
		}()
	}
	wg.Wait()
}

func (s *Set) primaryLSN(ctx context.Context) (LSN, error) {
	var t string
	if err := s.primary.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&t); err != nil {
		return 0, fmt.Errorf("replica: primary position: %w", err)
	}
	return ParseLSN(t)
}

// remember keeps the primary's position at now, and about twice the limit of history.
func (s *Set) remember(now time.Time, lsn LSN) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.samples); n == 0 || s.samples[n-1].lsn != lsn {
		s.samples = append(s.samples, sample{at: now, lsn: lsn})
	}
	keep := now.Add(-2*s.maxLag - checkEvery)
	i := 0
	for i < len(s.samples)-1 && s.samples[i+1].at.Before(keep) {
		i++
	}
	s.samples = s.samples[i:]
}

// behindSince is when the primary first held WAL past replay: the time of the first
// sample beyond it (the oldest kept when all are), zero when replay is at the newest.
func (s *Set) behindSince(replay LSN) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.samples {
		if x.lsn > replay {
			return x.at
		}
	}
	return time.Time{}
}

func (s *Set) check(ctx context.Context, m *member, now time.Time, primary LSN, perr error) *Status {
	st := &Status{Name: m.name, Checked: now}
	var recovery bool
	var replay *string
	err := m.pool.QueryRow(ctx, "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text").Scan(&recovery, &replay)
	switch {
	case err != nil:
		st.State, st.Error = Down, err.Error()
		return st
	case !recovery || replay == nil:
		// A promoted standby (or a primary given by mistake) no longer follows ours.
		st.State, st.Error = Down, "not a standby (pg_is_in_recovery is false)"
		return st
	case perr != nil:
		st.State, st.Error = Down, perr.Error()
		return st
	}
	if st.replay, err = ParseLSN(*replay); err != nil {
		st.State, st.Error = Down, err.Error()
		return st
	}
	if primary > st.replay {
		st.LagBytes = int64(primary - st.replay)
		if since := s.behindSince(st.replay); !since.IsZero() {
			st.Lag = now.Sub(since)
		}
	}
	st.State = OK
	if st.Lag > s.maxLag {
		st.State = Lagging
	}
	if st.Lag > 0 {
		st.LagText = st.Lag.Round(time.Millisecond).String()
	}
	return st
}

// Statuses is every replica at its last check, in the order of the URLs.
func (s *Set) Statuses() []Status {
	out := make([]Status, len(s.replicas))
	for i, m := range s.replicas {
		out[i] = *m.status.Load()
	}
	return out
}

// Serving reports whether any replica takes reads now (otherwise all go to the primary).
func (s *Set) Serving() bool {
	for _, m := range s.replicas {
		if m.status.Load().State == OK {
			return true
		}
	}
	return false
}

// Pick is the index of a fresh replica that has replayed at least after (round robin),
// or -1: the primary.
func (s *Set) Pick(after LSN) int {
	if s == nil || len(s.replicas) == 0 {
		return -1
	}
	start := int(s.next.Add(1))
	for k := range s.replicas {
		i := (start + k) % len(s.replicas)
		st := s.replicas[i].status.Load()
		if st.State == OK && st.replay >= after {
			return i
		}
	}
	return -1
}

// markDown takes replica i out of use until the next check finds it fresh.
func (s *Set) markDown(i int, err error) {
	m := s.replicas[i]
	old := m.status.Load()
	st := &Status{Name: m.name, State: Down, Error: err.Error(), Checked: time.Now()}
	m.status.CompareAndSwap(old, st)
}

// WriteLSN is the primary's WAL insert position: everything committed so far (the
// caller's own write included, even with synchronous_commit off) lies before it. A
// replica that has replayed up to it shows the write.
func (s *Set) WriteLSN(ctx context.Context) (LSN, error) {
	var t string
	if err := s.primary.QueryRow(ctx, "SELECT pg_current_wal_insert_lsn()::text").Scan(&t); err != nil {
		return 0, fmt.Errorf("replica: write position: %w", err)
	}
	return ParseLSN(t)
}

// Reads are one store per server: T built over the primary's pool and over each
// replica's, so the domain packages keep taking a pool and know nothing of replicas.
type Reads[T any] struct {
	set      *Set
	primary  T
	replicas []T
}

// NewReads builds a T for the primary and one per replica of set (nil: the primary only).
func NewReads[T any](set *Set, primary *pgxpool.Pool, build func(*pgxpool.Pool) T) *Reads[T] {
	r := &Reads[T]{set: set, primary: build(primary)}
	if set != nil {
		for _, m := range set.replicas {
			r.replicas = append(r.replicas, build(m.pool))
		}
	}
	return r
}

// Primary is the T over the primary.
func (r *Reads[T]) Primary() T { return r.primary }

// Do runs read on a fresh replica that has replayed at least after, or on the primary.
// When the replica's read fails (it died, its statement was cancelled by replay) the
// replica is taken out of use and read runs again on the primary, so the caller sees no
// failure; errors that are answers (final, such as a not-found) are returned as they are,
// and so is the caller's own cancellation.
func (r *Reads[T]) Do(ctx context.Context, after LSN, read func(T) error, final ...error) error {
	i := r.set.Pick(after)
	if i < 0 {
		return read(r.primary)
	}
	err := read(r.replicas[i])
	if err == nil || ctx.Err() != nil {
		return err
	}
	for _, f := range final {
		if errors.Is(err, f) {
			return err
		}
	}
	if serverGone(err) {
		r.set.markDown(i, err)
	}
	return read(r.primary)
}

// serverGone reports whether err says the replica itself failed (no connection, shut
// down) rather than this one statement (a replay conflict, a write on a standby): only
// then are the other reads kept off it until the next check.
func serverGone(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return true
	}
	return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57")
}
