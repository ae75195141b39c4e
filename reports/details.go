package reports

import (
	"context"
	"fmt"
	"time"
)

// SurveyComment is one survey answer of a shipment delivered in the period.
type SurveyComment struct {
	TrackingNo  string
	ShipperName string
	DeliveredAt time.Time
	OnTime      bool
	CSAT, NPS   int
	Comment     string
	AnsweredAt  time.Time
}

// surveyCommentsSQL lists the surveys of shipments delivered in [$1, $2); %s is the filter.
const surveyCommentsSQL = `
SELECT s.tracking_no, sh.name, s.delivered_at, s.delivered_at <= s.promised_at,
       v.csat, v.nps, v.comment, v.created_at
FROM shipments s
JOIN surveys v ON v.shipment_id = s.id
JOIN shippers sh ON sh.id = s.shipper_id
WHERE s.delivered_at >= $1 AND s.delivered_at < $2 %s
ORDER BY s.delivered_at, s.id`

// SurveyComments calls fn for every survey of a shipment delivered in p under f, in
// delivery order, streaming from the database: memory does not grow with the number of
// rows. An error from fn stops the stream and is returned.
func (st *Store) SurveyComments(ctx context.Context, p Period, f Filter, fn func(SurveyComment) error) error {
	if err := p.check(); err != nil {
		return err
	}
	cond, args := filterSQL(f, []any{p.From, p.To})
	rows, err := st.pool.Query(ctx, fmt.Sprintf(surveyCommentsSQL, cond), args...)
	if err != nil {
		return fmt.Errorf("reports: survey comments: %w", err)
	}
	defer rows.Close()
	var c SurveyComment
	for rows.Next() {
		if err := rows.Scan(&c.TrackingNo, &c.ShipperName, &c.DeliveredAt, &c.OnTime,
			&c.CSAT, &c.NPS, &c.Comment, &c.AnsweredAt); err != nil {
			return fmt.Errorf("reports: survey comments: scan: %w", err)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reports: survey comments: %w", err)
	}
	return nil
}
