package complaints

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// PauseSource tells the store which pauses a complaint's clocks start with when it is
// filed: the windows of the disruptions that affect its parcel. lcrm serve sets it to the
// disruptions store; without one, complaints are filed without pauses.
type PauseSource interface {
	FilingPauses(ctx context.Context, tx pgx.Tx, shipmentID int64, now time.Time) ([]Pause, error)
}

// pauses reads the pauses of one complaint.
func pauses(ctx context.Context, q querier, complaintID int64) ([]Pause, error) {
	if complaintID == 0 {
		return nil, nil
	}
	rows, err := q.Query(ctx, `SELECT key, from_at, to_at FROM complaint_pauses WHERE complaint_id = $1 ORDER BY from_at, key`, complaintID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Pause, error) {
		var p Pause
		return p, r.Scan(&p.Key, &p.From, &p.To)
	})
}

// pauseNote is the internal timeline note that explains a deadline moved by a pause.
func pauseNote(p Pause, zone *time.Location, removed bool) string {
	from, to := p.From.In(zone).Format("2006-01-02 15:04"), p.To.In(zone).Format("2006-01-02 15:04")
	if removed {
		return fmt.Sprintf("SLA 不再暂停（%s） / SLA pause removed (%s)", p.Key, p.Key)
	}
	return fmt.Sprintf("大面积延误，SLA 暂停 %s–%s（%s） / Disruption: SLA paused %s–%s (%s)", from, to, p.Key, from, to, p.Key)
}

// tagAtFiling stores the pauses src gives a new complaint and moves its deadlines past
// them, in the filing's transaction (c is inserted, its deadlines computed without pauses).
func (s *Store) tagAtFiling(ctx context.Context, tx pgx.Tx, c *Complaint, now time.Time) error {
	if s.Pauses == nil {
		return nil
	}
	ps, err := s.Pauses.FilingPauses(ctx, tx, c.ShipmentID, now)
	if err != nil || len(ps) == 0 {
		return err
	}
	for _, p := range ps {
		if _, err := tx.Exec(ctx, `INSERT INTO complaint_pauses (complaint_id, key, from_at, to_at, tagged_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, c.ID, p.Key, p.From, p.To, now); err != nil {
			return err
		}
		if _, err := addEntry(ctx, tx, c.ID, Actor{}, ActorSystem, Entry{At: now, Kind: KindInternalNote, Text: pauseNote(p, s.zone(), false)}); err != nil {
			return err
		}
	}
	if err := s.recompute(ctx, tx, c); err != nil {
		return err
	}
	return save(ctx, tx, c, now)
}

// SetPause makes p (by its key) one of the pauses of each complaint in tag, and takes the
// pause with that key off each complaint in untag, inside the caller's transaction (the
// disruptions store declares, edits and ends a disruption in one). The deadlines of the
// complaints still open are recomputed; resolved and closed ones keep theirs (history) but
// are tagged all the same. A complaint whose pause is already p is left as it is, so
// applying the same pause again changes nothing. It returns how many complaints changed.
func (s *Store) SetPause(ctx context.Context, tx pgx.Tx, p Pause, tag, untag []int64) (int, error) {
	now := s.Now()
	ids := slices.Concat(tag, untag)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	changed := 0
	for _, id := range ids { // in id order, so two declarations never deadlock
		c, err := s.one(ctx, tx, "WHERE c.id = $1 FOR UPDATE OF c", id)
		if err != nil {
			return changed, fmt.Errorf("complaints: pause %d: %w", id, err)
		}
		remove := !slices.Contains(tag, id)
		var res pgconn.CommandTag
		if remove {
			res, err = tx.Exec(ctx, `DELETE FROM complaint_pauses WHERE complaint_id = $1 AND key = $2`, id, p.Key)
		} else {
			res, err = tx.Exec(ctx, `INSERT INTO complaint_pauses (complaint_id, key, from_at, to_at, tagged_at)
				VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (complaint_id, key) DO UPDATE SET from_at = EXCLUDED.from_at, to_at = EXCLUDED.to_at
				WHERE complaint_pauses.from_at <> EXCLUDED.from_at OR complaint_pauses.to_at <> EXCLUDED.to_at`,
				id, p.Key, p.From, p.To, now)
		}
		if err != nil {
			return changed, fmt.Errorf("complaints: pause %d: %w", id, err)
		}
		if res.RowsAffected() == 0 {
			continue
		}
		changed++
		if _, err := addEntry(ctx, tx, id, Actor{}, ActorSystem, Entry{At: now, Kind: KindInternalNote, Text: pauseNote(p, s.zone(), remove)}); err != nil {
			return changed, fmt.Errorf("complaints: pause %d: %w", id, err)
		}
		if !c.Status.Open() {
			continue
		}
		if err := s.recompute(ctx, tx, c); err != nil {
			return changed, fmt.Errorf("complaints: pause %d: %w", id, err)
		}
		if err := save(ctx, tx, c, now); err != nil {
			return changed, fmt.Errorf("complaints: pause %d: %w", id, err)
		}
	}
	return changed, nil
}

// PausesOf returns the pauses of each of the complaints ids (those without none are
// missing from the map), for the queue's badges.
func (s *Store) PausesOf(ctx context.Context, ids []int64) (map[int64][]Pause, error) {
	out := map[int64][]Pause{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT complaint_id, key, from_at, to_at FROM complaint_pauses
		WHERE complaint_id = ANY($1) ORDER BY complaint_id, from_at, key`, ids)
	if err != nil {
		return nil, fmt.Errorf("complaints: pauses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var p Pause
		if err := rows.Scan(&id, &p.Key, &p.From, &p.To); err != nil {
			return nil, fmt.Errorf("complaints: pauses: %w", err)
		}
		out[id] = append(out[id], p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("complaints: pauses: %w", err)
	}
	return out, nil
}
