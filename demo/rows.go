package demo

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Streaming COPY sources: each makes its rows one at a time as pgx asks for them, so a
// batch of any size costs no more memory than one row.

// shipperSource yields the shippers rows.
type shipperSource struct {
	g   *generator
	i   int
	buf []any
}

func (s *shipperSource) Next() bool { s.i++; return s.i <= len(s.g.shippers) }
func (s *shipperSource) Err() error { return nil }
func (s *shipperSource) Values() ([]any, error) {
	sh := &s.g.shippers[s.i-1]
	s.buf = append(s.buf[:0], sh.id, sh.code, sh.name, sh.contact, sh.phone, sh.email,
		string(sh.tier), sh.created, sh.created)
	return s.buf, nil
}

var shipperColumns = []string{"id", "code", "name", "contact_name", "phone", "email", "tier", "created_at", "updated_at"}

// consigneeSource yields the consignees rows.
type consigneeSource struct {
	g   *generator
	k   int
	buf []any
}

func (s *consigneeSource) Next() bool { s.k++; return s.k <= s.g.consignees }
func (s *consigneeSource) Err() error { return nil }
func (s *consigneeSource) Values() ([]any, error) {
	c := s.g.consignee(s.k - 1)
	s.buf = append(s.buf[:0], c.id, c.person.name, c.phone, c.email, c.home.province().name,
		c.home.city().name, c.home.district().name, c.street, c.home.district().postal, c.created, c.created)
	return s.buf, nil
}

var consigneeColumns = []string{"id", "name", "phone", "email", "province", "city", "district",
	"street", "postal_code", "created_at", "updated_at"}

// shipmentSource yields the shipments rows of parcels [k, end).
type shipmentSource struct {
	g      *generator
	k, end int
	buf    []any
}

func (s *shipmentSource) Next() bool { s.k++; return s.k <= s.end }
func (s *shipmentSource) Err() error { return nil }
func (s *shipmentSource) Values() ([]any, error) {
	p := s.g.parcel(s.k - 1)
	s.buf = p.row(s.buf)
	return s.buf, nil
}

// eventSource yields the tracking_events rows of parcels [k, end), generating each parcel
// again (the same k gives the same parcel) rather than keeping the batch in memory.
type eventSource struct {
	g      *generator
	k, end int
	p      parcel
	i      int // index of the next event of p
	buf    []any
}

func (s *eventSource) Next() bool {
	for s.i >= len(s.p.steps) {
		if s.k >= s.end {
			return false
		}
		s.p, s.i = s.g.parcel(s.k), 0
		s.k++
	}
	s.i++
	return true
}
func (s *eventSource) Err() error { return nil }
func (s *eventSource) Values() ([]any, error) {
	s.buf = s.g.eventRow(s.buf, &s.p, s.i-1)
	return s.buf, nil
}

// copyParcels loads parcels [from, to) in one transaction: their shipments, then their
// events. It returns the number of events.
func copyParcels(ctx context.Context, tx pgx.Tx, g *generator, from, to int) (int64, error) {
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"shipments"}, shipmentColumns,
		&shipmentSource{g: g, k: from, end: to}); err != nil {
		return 0, fmt.Errorf("copy shipments: %w", err)
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"tracking_events"}, eventColumns,
		&eventSource{g: g, k: from, end: to})
	if err != nil {
		return 0, fmt.Errorf("copy events: %w", err)
	}
	return n, nil
}
