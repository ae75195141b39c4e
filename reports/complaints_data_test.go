package reports_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// addComplaints files about n complaints on random delivered shipments (fixed seed): a
// mix of categories, answered late and on time, resolved or not, some reopened, some
// rated, a root cause on the resolved ones, repeats by the same consignee a few days to
// weeks apart, and escalation steps. It returns the agents' user ids.
func addComplaints(t testing.TB, pool *pgxpool.Pool, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	var agents []int64
	for i, name := range []string{"李娜", "王强", "陈静"} {
		var id int64
		err := pool.QueryRow(ctx, `INSERT INTO users (email, name, password_hash, role) VALUES ($1, $2, 'x', 'agent') RETURNING id`,
			fmt.Sprintf("agent%d@example.com", i), name).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		agents = append(agents, id)
	}
	type ship struct {
		id, shipper, consignee int64
		delivered              time.Time
	}
	rows, err := pool.Query(ctx, `SELECT id, shipper_id, consignee_id, delivered_at FROM shipments
		WHERE delivered_at IS NOT NULL ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	ships, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ship, error) {
		var s ship
		return s, r.Scan(&s.id, &s.shipper, &s.consignee, &s.delivered)
	})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(6, 6))
	categories := []string{"delayed", "damaged", "lost", "not_received_but_signed", "courier_attitude", "wrong_address", "billing", "other"}
	causes := []string{"courier", "sorting_hub", "linehaul", "address_data", "weather", "customer", "system", "other"}
	departments := []string{"派送部", "分拨中心", "客服部"}
	var b pgx.Batch
	var prev *ship
	var prevAt time.Time
	for i := 0; i < n; i++ {
		s := ships[r.IntN(len(ships))]
		at := s.delivered.Add(time.Duration(r.IntN(72*60)) * time.Minute)
		if prev != nil && r.IntN(100) < 15 { // the same customer again
			s, at = *prev, prevAt.Add(time.Duration(1+r.IntN(40*24))*time.Hour)
		}
		prev, prevAt = &s, at
		var responded, resolved, assignee any
		var rating, reopen int
		cause, dept := "", ""
		if r.IntN(100) < 80 {
			responded = at.Add(time.Duration(r.IntN(240)) * time.Minute)
		}
		if r.IntN(100) < 60 {
			resolved = at.Add(time.Duration(60+r.IntN(48*60)) * time.Minute)
			if r.IntN(100) < 70 {
				rating = 1 + r.IntN(5)
			}
			cause, dept = causes[r.IntN(len(causes))], departments[r.IntN(len(departments))]
		}
		if r.IntN(100) < 10 {
			reopen = 1
		}
		if r.IntN(100) < 85 {
			assignee = agents[r.IntN(len(agents))]
		}
		ref := fmt.Sprintf("CT-%06d", i)
		b.Queue(`INSERT INTO complaints (ref, shipment_id, shipper_id, consignee_id, category, description,
			contact_phone, status, priority, assignee_id, first_response_due, resolution_due, clock_start,
			reopen_count, first_responded_at, resolved_at, rating, root_cause, department, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, '测试投诉', '+8613800138000', 'in_progress', 'P2', $6, $7, $8, $9, $10,
			$11, $12, $13, $14, $15, $9, $9)`,
			ref, s.id, s.shipper, s.consignee, categories[r.IntN(len(categories))], assignee,
			at.Add(2*time.Hour), at.Add(24*time.Hour), at, reopen, responded, resolved, rating, cause, dept)
		if r.IntN(100) < 20 {
			b.Queue(`INSERT INTO complaint_escalations (complaint_id, deadline, round, level, notified, at)
				SELECT id, 'first_response', 0, 1, '{}', $2 FROM complaints WHERE ref = $1`, ref, at.Add(3*time.Hour))
		}
	}
	if err := pool.SendBatch(ctx, &b).Close(); err != nil {
		t.Fatal(err)
	}
	return agents
}
