package customers

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"lcrm/internal/errs"
)

// ErrBadMerge means the two records cannot be merged (the same record, or one already merged).
var ErrBadMerge = errs.New(errs.Invalid, "error.customers.bad_merge", "customers: these consignees cannot be merged")

// consigneeRefs are the tables whose consignee_id follows a merge to the survivor. Add a
// table here when it gains a consignee_id column.
var consigneeRefs = []string{"shipments", "complaints", "contacts"}

// MergeResult tells what a merge moved.
type MergeResult struct {
	SurvivorID int64
	MergedID   int64
	Moved      map[string]int64 // table -> rows moved
}

// Merge joins two consignee records that are the same person: everything that points at
// merged moves to survivor, merged keeps its row (so its phone still finds the person) and
// points at survivor, and the merge is recorded. Merging the same pair again returns
// ErrBadMerge and changes nothing.
func (st *Store) Merge(ctx context.Context, survivorID, mergedID int64, by string) (*MergeResult, error) {
	if survivorID == mergedID {
		return nil, ErrBadMerge
	}
	res := &MergeResult{SurvivorID: survivorID, MergedID: mergedID, Moved: map[string]int64{}}
	err := pgx.BeginFunc(ctx, st.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, merged_into IS NOT NULL FROM consignees WHERE id IN ($1, $2) ORDER BY id FOR UPDATE`, survivorID, mergedID)
		if err != nil {
			return err
		}
		found := 0
		for rows.Next() {
			var id int64
			var merged bool
			if err := rows.Scan(&id, &merged); err != nil {
				rows.Close()
				return err
			}
			if merged {
				rows.Close()
				return ErrBadMerge
			}
			found++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if found != 2 {
			return ErrNotFound
		}
		var total int64
		for _, table := range consigneeRefs {
			tag, err := tx.Exec(ctx, `UPDATE `+table+` SET consignee_id = $1 WHERE consignee_id = $2`, survivorID, mergedID)
			if err != nil {
				return err
			}
			res.Moved[table] = tag.RowsAffected()
			total += tag.RowsAffected()
		}
		// Records merged into the loser earlier now point straight at the survivor.
		if _, err := tx.Exec(ctx, `UPDATE consignees SET merged_into = $1, updated_at = $3::timestamptz WHERE id = $2 OR merged_into = $2`,
			survivorID, mergedID, st.Now()); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO consignee_merges (survivor_id, merged_id, shipments_moved, merged_by) VALUES ($1, $2, $3, $4)`,
			survivorID, mergedID, res.Moved["shipments"], by)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrBadMerge) || errors.Is(err, ErrNotFound) {
			return nil, err
		}
		return nil, fmt.Errorf("customers: merge: %w", err)
	}
	return res, nil
}
