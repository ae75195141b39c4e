package shipments

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"lcrm/internal/config"
)

// ListFilter narrows a shipper's shipment list. Zero values mean "any".
type ListFilter struct {
	Query    string    // a tracking number, or a consignee phone in any format (E.164 given here)
	Phone    string    // consignee phone in E.164
	Status   Code      // current status
	From, To time.Time // created in [From, To)
	LateOnly bool      // delivered after the promise, or undelivered past it
	Limit    int       // page size, default 50, at most 10,000 (exports)
	Offset   int
}

// ListRow is one shipment in a list, with the consignee's name and phone as the shipper
// sent them (never the shared consignee record, which other shippers write too).
type ListRow struct {
	Shipment
	ConsigneeName  string
	ConsigneePhone string
}

// ListForShipper returns one shipper's shipments, newest first, in one query that uses the
// (shipper_id, created_at) index. Every filter is a parameter.
func (st *Store) ListForShipper(ctx context.Context, shipperID int64, f ListFilter) ([]ListRow, error) {
	if f.Limit <= 0 {
		f.Limit = config.DefaultShipmentPage
	}
	f.Limit = min(f.Limit, config.MaxShipmentPage)
	var from, to *time.Time
	if !f.From.IsZero() {
		from = &f.From
	}
	if !f.To.IsZero() {
		to = &f.To
	}
	tn := ""
	if f.Query != "" {
		n, err := NormalizeTrackingNo(f.Query)
		if err != nil {
			return nil, nil // no shipment has a malformed number
		}
		tn = n
	}
	rows, err := st.pool.Query(ctx, `
SELECT s.id, s.tracking_no, s.service_level, s.origin_city, s.dest_province, s.dest_city, s.weight_g,
    s.declared_value_fen, s.promised_at, s.created_at, s.status, s.out_for_delivery_at, s.delivered_at,
    s.signed_by, s.consignee_name, s.consignee_phone, s.freight_fen, s.surcharge_fen
FROM shipments s
WHERE s.shipper_id = $1
  AND ($2 = '' OR s.tracking_no = $2)
  AND ($3 = '' OR s.consignee_phone = $3)
  AND ($4 = '' OR s.status = $4)
  AND ($5::timestamptz IS NULL OR s.created_at >= $5)
  AND ($6::timestamptz IS NULL OR s.created_at < $6)
  AND (NOT $7 OR COALESCE(s.delivered_at, CASE WHEN s.status = 'returned' THEN NULL ELSE $10::timestamptz END) > s.promised_at)
ORDER BY s.created_at DESC, s.id DESC
LIMIT $8 OFFSET $9`, shipperID, tn, f.Phone, string(f.Status), from, to, f.LateOnly, f.Limit, f.Offset, st.Now())
	if err != nil {
		return nil, fmt.Errorf("shipments: list: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ListRow, error) {
		var l ListRow
		s := &l.Shipment
		err := r.Scan(&s.ID, &s.TrackingNo, &s.ServiceLevel, &s.OriginCity, &s.Dest.Province, &s.Dest.City, &s.WeightG,
			&s.DeclaredValueFen, &s.PromisedAt, &s.CreatedAt, &s.Status, &s.OutForDeliveryAt, &s.DeliveredAt,
			&s.SignedBy, &l.ConsigneeName, &l.ConsigneePhone, &s.FreightFen, &s.SurchargeFen)
		s.ShipperID = shipperID
		return l, err
	})
}
