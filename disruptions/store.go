package disruptions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/audit"
	"lcrm/complaints"
	"lcrm/internal/clock"
	"lcrm/internal/config"
	"lcrm/internal/errs"
)

// Errors callers tell apart.
var (
	ErrNotFound = errs.New(errs.NotFound, errs.KeyNotFound, "disruptions: not found")
	// ErrNotBegun means ending a disruption whose window has not begun: edit its window.
	ErrNotBegun = errs.New(errs.Conflict, "disruption.err_not_begun", "disruptions: not begun yet: edit its window instead of ending it")
)

// Store reads and writes disruptions and keeps the complaint pauses they cause in step.
type Store struct {
	pool       *pgxpool.Pool
	complaints *complaints.Store
	// Now is the store's clock (clock.System from NewStore), read once per operation.
	Now clock.Clock
	// CacheFor is how long Current reuses its list (config.DefaultDisruptionCacheFor when 0).
	CacheFor time.Duration
	// NoticeFor is how long after its window a disruption stays in Current
	// (config.DefaultDisruptionNoticeFor when 0).
	NoticeFor time.Duration

	mu      sync.Mutex
	loaded  time.Time
	current []Disruption
	fresh   bool
}

// NewStore returns a Store over pool; cs recomputes the deadlines of the complaints a
// disruption pauses.
func NewStore(pool *pgxpool.Pool, cs *complaints.Store) *Store {
	return &Store{pool: pool, complaints: cs, Now: clock.System}
}

const selectDisruption = `SELECT d.id, d.provinces, d.cities, d.include_origin, d.origin_cities, d.starts_at, d.ends_at, d.reason,
	d.notice_zh, d.notice_en, COALESCE(d.created_by, 0), COALESCE(u.name, ''), d.created_at, d.updated_at,
	d.ended_at, COALESCE(d.ended_by, 0)
FROM disruptions d LEFT JOIN users u ON u.id = d.created_by
`

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func list(ctx context.Context, q querier, where string, args ...any) ([]Disruption, error) {
	rows, err := q.Query(ctx, selectDisruption+where, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Disruption, error) {
		var d Disruption
		err := r.Scan(&d.ID, &d.Provinces, &d.Cities, &d.IncludeOrigin, &d.OriginCities, &d.StartsAt, &d.EndsAt, &d.Reason,
			&d.NoticeZH, &d.NoticeEN, &d.CreatedBy, &d.CreatedByName, &d.CreatedAt, &d.UpdatedAt, &d.EndedAt, &d.EndedBy)
		return d, err
	})
}

func one(ctx context.Context, q querier, where string, args ...any) (*Disruption, error) {
	ds, err := list(ctx, q, where, args...)
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, ErrNotFound
	}
	return &ds[0], nil
}

// List returns the disruptions, the latest window first (at most 200).
func (s *Store) List(ctx context.Context) ([]Disruption, error) {
	out, err := list(ctx, s.pool, "ORDER BY d.starts_at DESC, d.id DESC LIMIT $1", config.DefaultDisruptionPage)
	if err != nil {
		return nil, fmt.Errorf("disruptions: list: %w", err)
	}
	return out, nil
}

// Get returns one disruption (ErrNotFound when there is none).
func (s *Store) Get(ctx context.Context, id int64) (*Disruption, error) {
	d, err := one(ctx, s.pool, "WHERE d.id = $1", id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("disruptions: get: %w", err)
	}
	return d, err
}

// auditView is what the audit log keeps of a disruption, before and after a change.
type auditView struct {
	Provinces     []string  `json:"provinces"`
	Cities        []string  `json:"cities"`
	IncludeOrigin bool      `json:"include_origin"`
	StartsAt      time.Time `json:"starts_at"`
	EndsAt        time.Time `json:"ends_at"`
	Reason        Reason    `json:"reason"`
	NoticeZH      string    `json:"notice_zh"`
	NoticeEN      string    `json:"notice_en"`
	Ended         bool      `json:"ended"`
}

func (d *Disruption) audited() auditView {
	return auditView{Provinces: d.Provinces, Cities: d.Cities, IncludeOrigin: d.IncludeOrigin, StartsAt: d.StartsAt.UTC(),
		EndsAt: d.EndsAt.UTC(), Reason: d.Reason, NoticeZH: d.NoticeZH, NoticeEN: d.NoticeEN, Ended: d.EndedAt != nil}
}

func record(ctx context.Context, tx pgx.Tx, by complaints.Actor, action string, id int64, before, after any, now time.Time) error {
	name := by.Name
	if by.UserID == 0 && name == "" {
		name = complaints.ActorSystem
	}
	return audit.Record(ctx, tx, audit.Entry{ActorID: by.UserID, Actor: name, Action: "disruption." + action,
		Object: "disruption", ObjectID: id, Before: before, After: after, At: now})
}

// Result is what a declaration, edit or end did besides the disruption itself.
type Result struct {
	Disruption *Disruption
	Paused     int // complaints whose pause was added, moved or taken off
}

// Declare stores a new disruption (a *errs.ValidationError lists bad fields), audits it and,
// in the same transaction, pauses the SLA clocks of the open complaints about the parcels
// it affects. The same IdempotencyKey declares once: a second submit returns the first.
func (s *Store) Declare(ctx context.Context, in Input, by complaints.Actor) (Result, error) {
	if err := in.normalize(); err != nil {
		return Result{}, err
	}
	now := s.Now()
	var res Result
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO disruptions (provinces, cities, include_origin, starts_at, ends_at, reason,
			notice_zh, notice_en, created_by, created_at, updated_at, idempotency_key)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULLIF($9, 0), $10, $10, NULLIF($11, ''))
			ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
			in.Provinces, in.Cities, in.IncludeOrigin, in.StartsAt, in.EndsAt, in.Reason, in.NoticeZH, in.NoticeEN,
			by.UserID, now, in.IdempotencyKey).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) { // the same form again
			res.Disruption, err = one(ctx, tx, "WHERE d.idempotency_key = $1", in.IdempotencyKey)
			return err
		}
		if err != nil {
			return err
		}
		if err := setOrigins(ctx, tx, id); err != nil {
			return err
		}
		if res.Disruption, err = one(ctx, tx, "WHERE d.id = $1", id); err != nil {
			return err
		}
		if err := record(ctx, tx, by, "declare", id, nil, res.Disruption.audited(), now); err != nil {
			return err
		}
		res.Paused, err = s.syncPauses(ctx, tx, res.Disruption)
		return err
	})
	s.invalidate()
	if err != nil {
		return Result{}, wrap("declare", err)
	}
	return res, nil
}

// Update changes a disruption's area, window, reason or notices, audits the change with
// the values before and after, and moves the complaint pauses with it: complaints about
// parcels now affected are paused for the new window, those no longer affected lose the
// pause. Saving the same values again changes and records nothing.
func (s *Store) Update(ctx context.Context, id int64, in Input, by complaints.Actor) (Result, error) {
	if err := in.normalize(); err != nil {
		return Result{}, err
	}
	res, err := s.change(ctx, id, by, "edit", func(d *Disruption, now time.Time) error {
		d.Provinces, d.Cities, d.IncludeOrigin = in.Provinces, in.Cities, in.IncludeOrigin
		d.StartsAt, d.EndsAt, d.Reason, d.NoticeZH, d.NoticeEN = in.StartsAt, in.EndsAt, in.Reason, in.NoticeZH, in.NoticeEN
		return nil
	})
	return res, wrap("edit", err)
}

// End ends a disruption now: its window closes at the store's now (the pauses shrink
// with it) and the end is audited. Ending one already over changes nothing; one not
// begun yet is ErrNotBegun.
func (s *Store) End(ctx context.Context, id int64, by complaints.Actor) (Result, error) {
	res, err := s.change(ctx, id, by, "end", func(d *Disruption, now time.Time) error {
		if !now.Before(d.EndsAt) {
			return nil
		}
		if !now.After(d.StartsAt) {
			return ErrNotBegun
		}
		d.EndsAt, d.EndedAt, d.EndedBy = now, &now, by.UserID
		return nil
	})
	return res, wrap("end", err)
}

// change locks a disruption, lets fn change it, and when anything changed saves it,
// records the audit entry and resynchronises the complaint pauses, in one transaction.
func (s *Store) change(ctx context.Context, id int64, by complaints.Actor, action string, fn func(d *Disruption, now time.Time) error) (Result, error) {
	now := s.Now()
	var res Result
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		d, err := one(ctx, tx, "WHERE d.id = $1 FOR UPDATE OF d", id)
		if err != nil {
			return err
		}
		before := d.audited()
		if err := fn(d, now); err != nil {
			return err
		}
		res.Disruption = d
		after := d.audited()
		if equalAudit(before, after) {
			return nil
		}
		d.UpdatedAt = now
		if _, err := tx.Exec(ctx, `UPDATE disruptions SET provinces = $2, cities = $3, include_origin = $4, starts_at = $5,
			ends_at = $6, reason = $7, notice_zh = $8, notice_en = $9, updated_at = $10, ended_at = $11, ended_by = NULLIF($12, 0)
			WHERE id = $1`, d.ID, d.Provinces, d.Cities, d.IncludeOrigin, d.StartsAt, d.EndsAt, d.Reason, d.NoticeZH, d.NoticeEN,
			now, d.EndedAt, d.EndedBy); err != nil {
			return err
		}
		if err := setOrigins(ctx, tx, d.ID); err != nil {
			return err
		}
		if err := record(ctx, tx, by, action, d.ID, before, after, now); err != nil {
			return err
		}
		res.Paused, err = s.syncPauses(ctx, tx, d)
		return err
	})
	s.invalidate()
	return res, err
}

// setOrigins fills a disruption's origin_cities: its cities and the cities of its
// provinces (city_provinces), as NormalizePlace leaves them.
func setOrigins(ctx context.Context, tx pgx.Tx, id int64) error {
	_, err := tx.Exec(ctx, `UPDATE disruptions d SET origin_cities = ARRAY(
		SELECT c FROM unnest(d.cities) c
		UNION SELECT disruption_place(cp.city) FROM city_provinces cp WHERE disruption_place(cp.province) = ANY (d.provinces)
		ORDER BY 1) WHERE d.id = $1`, id)
	return err
}

func equalAudit(a, b auditView) bool {
	return slices.Equal(a.Provinces, b.Provinces) && slices.Equal(a.Cities, b.Cities) && a.IncludeOrigin == b.IncludeOrigin &&
		a.StartsAt.Equal(b.StartsAt) && a.EndsAt.Equal(b.EndsAt) && a.Reason == b.Reason && a.NoticeZH == b.NoticeZH &&
		a.NoticeEN == b.NoticeEN && a.Ended == b.Ended
}

func wrap(op string, err error) error {
	var ve *errs.ValidationError
	if err == nil || errors.As(err, &ve) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrNotBegun) {
		return err
	}
	return fmt.Errorf("disruptions: %s: %w", op, err)
}

// syncPauses gives the open complaints about the parcels d affects the pause of d's window,
// and takes it off the open complaints it no longer affects.
func (s *Store) syncPauses(ctx context.Context, tx pgx.Tx, d *Disruption) (int, error) {
	rows, err := tx.Query(ctx, `
		SELECT c.id, ds.shipment_id IS NOT NULL
		FROM complaints c
		LEFT JOIN disrupted_shipments ds ON ds.shipment_id = c.shipment_id AND ds.disruption_id = $1
		WHERE c.status NOT IN ('resolved', 'closed')
		  AND (ds.shipment_id IS NOT NULL OR EXISTS (SELECT 1 FROM complaint_pauses p WHERE p.complaint_id = c.id AND p.key = $2))`,
		d.ID, d.Key())
	if err != nil {
		return 0, err
	}
	var tag, untag []int64
	var id int64
	var affected bool
	if _, err := pgx.ForEachRow(rows, []any{&id, &affected}, func() error {
		if affected {
			tag = append(tag, id)
		} else {
			untag = append(untag, id)
		}
		return nil
	}); err != nil {
		return 0, err
	}
	if s.complaints == nil || len(tag)+len(untag) == 0 {
		return 0, nil
	}
	return s.complaints.SetPause(ctx, tx, complaints.Pause{Key: d.Key(), From: d.StartsAt, To: d.EndsAt}, tag, untag)
}

// FilingPauses is complaints.PauseSource: the windows of the disruptions that affect the
// parcel of a complaint being filed (read in the filing's transaction).
func (s *Store) FilingPauses(ctx context.Context, tx pgx.Tx, shipmentID int64, _ time.Time) ([]complaints.Pause, error) {
	rows, err := tx.Query(ctx, `SELECT disruption_id, starts_at, ends_at FROM disrupted_shipments
		WHERE shipment_id = $1 ORDER BY disruption_id`, shipmentID)
	if err != nil {
		return nil, fmt.Errorf("disruptions: filing pauses: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (complaints.Pause, error) {
		var d Disruption
		err := r.Scan(&d.ID, &d.StartsAt, &d.EndsAt)
		return complaints.Pause{Key: d.Key(), From: d.StartsAt, To: d.EndsAt}, err
	})
	if err != nil {
		return nil, fmt.Errorf("disruptions: filing pauses: %w", err)
	}
	return out, nil
}

// AffectingMany returns, of the shipments ids, those a disruption affects as of now (its
// window has begun), each with that disruption (the latest begun when several do).
func (s *Store) AffectingMany(ctx context.Context, ids []int64, now time.Time) (map[int64]*Disruption, error) {
	out := map[int64]*Disruption{}
	if len(ids) == 0 {
		return out, nil
	}
	// The EXISTS is a one-time filter: with no disruption begun the view's join, which reads
	// each of the ids' shipments (60,000 in a first slow sign-off run: about 1 s), is skipped.
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT ON (ds.shipment_id) ds.shipment_id, ds.disruption_id
		FROM disrupted_shipments ds WHERE ds.shipment_id = ANY($1) AND ds.starts_at <= $2
		  AND EXISTS (SELECT 1 FROM disruptions WHERE starts_at <= $2)
		ORDER BY ds.shipment_id, ds.starts_at DESC, ds.disruption_id DESC`, ids, now)
	if err != nil {
		return nil, fmt.Errorf("disruptions: affecting: %w", err)
	}
	pairs := map[int64]int64{}
	var sid, did int64
	if _, err := pgx.ForEachRow(rows, []any{&sid, &did}, func() error { pairs[sid] = did; return nil }); err != nil {
		return nil, fmt.Errorf("disruptions: affecting: %w", err)
	}
	byID := map[int64]*Disruption{}
	for sid, did := range pairs {
		if byID[did] == nil {
			d, err := s.Get(ctx, did)
			if err != nil {
				return nil, err
			}
			byID[did] = d
		}
		out[sid] = byID[did]
	}
	return out, nil
}

// Current returns the disruptions the tracking pages match parcels against: every one
// whose window ended less than NoticeFor ago (or has not ended). An instance reads them at
// most once per CacheFor; the store's own changes are seen at once, another instance's
// within CacheFor.
func (s *Store) Current(ctx context.Context) ([]Disruption, error) {
	now := s.Now()
	cacheFor, noticeFor := s.CacheFor, s.NoticeFor
	if cacheFor <= 0 {
		cacheFor = config.DefaultDisruptionCacheFor
	}
	if noticeFor <= 0 {
		noticeFor = config.DefaultDisruptionNoticeFor
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fresh && !now.Before(s.loaded) && now.Sub(s.loaded) < cacheFor {
		return s.current, nil
	}
	ds, err := list(ctx, s.pool, "WHERE d.ends_at > $1 ORDER BY d.starts_at DESC, d.id DESC", now.Add(-noticeFor))
	if err != nil {
		return nil, fmt.Errorf("disruptions: current: %w", err)
	}
	s.current, s.loaded, s.fresh = ds, now, true
	return ds, nil
}

func (s *Store) invalidate() {
	s.mu.Lock()
	s.fresh = false
	s.mu.Unlock()
}

// Affecting returns the disruption that affects p as of now (the latest begun when several
// do), or nil; it reads the database at most once per CacheFor (see Current).
func (s *Store) Affecting(ctx context.Context, p Parcel, now time.Time) (*Disruption, error) {
	ds, err := s.Current(ctx)
	if err != nil {
		return nil, err
	}
	p = p.normalized()
	for i := range ds { // latest start first
		if ds[i].affects(p, now) {
			return &ds[i], nil
		}
	}
	return nil, nil
}
