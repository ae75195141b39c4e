package reports

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"lcrm/shipments"
)

// The drill-down lists: the rows behind a count of the dashboard, selected by the same
// rule as the count (see Definitions), so a list's length is the number it was opened
// from. One statement per page: the rows and, in a window, their total.

// Counts a list can be opened from.
const (
	ListCreated    = "created"    // shipments created in the period
	ListDelivered  = "delivered"  // shipments delivered in the period
	ListSlow       = "slow"       // delivered shipments flagged as slow sign-offs
	ListSurveys    = "surveys"    // delivered shipments with a survey answer
	ListComplaints = "complaints" // complaints filed in the period
)

// ListKinds are the lists, in the order the dashboard shows their counts.
var ListKinds = []string{ListCreated, ListDelivered, ListSlow, ListSurveys, ListComplaints}

// Drill is what a list shows: the period, the filter, which count and, for the Agents
// table, the assignee (0: any).
type Drill struct {
	Period   Period
	Filter   Filter
	Kind     string
	Assignee int64
}

// ParcelRow is one shipment of a parcel list.
type ParcelRow struct {
	TrackingNo, ShipperCode, ShipperName string
	ServiceLevel, DestProvince, DestCity string
	Status                               string
	CreatedAt                            time.Time
	DeliveredAt                          *time.Time
	OnTime                               *bool // nil when not delivered
	CSAT                                 *int  // nil without a survey
}

// ComplaintRow is one complaint of a complaint list.
type ComplaintRow struct {
	ID                    int64
	Ref, TrackingNo       string
	ShipperName, Category string
	Status, Assignee      string
	CreatedAt             time.Time
	FirstRespondedAt      *time.Time
	ResolvedAt            *time.Time
	FirstResponseDue, Due time.Time
}

// parcelListSQL lists shipments; %[1]s is the selection rule on top of the filter, %[2]s
// the column the list is ordered by.
const parcelListSQL = `
SELECT s.tracking_no, sh.code, sh.name, s.service_level, s.dest_province, s.dest_city, s.status,
       s.created_at, s.delivered_at, CASE WHEN s.delivered_at IS NOT NULL THEN s.delivered_at <= s.promised_at END,
       v.csat::int, count(*) OVER ()
FROM shipments s JOIN shippers sh ON sh.id = s.shipper_id LEFT JOIN surveys v ON v.shipment_id = s.id
WHERE %[1]s
ORDER BY %[2]s, s.id`

// complaintListSQL lists the complaints filed in [$1, $2); %s is the filter.
const complaintListSQL = `
SELECT c.id, c.ref, s.tracking_no, sh.name, c.category, c.status, COALESCE(u.name, ''), c.created_at,
       c.first_responded_at, c.resolved_at, c.first_response_due, c.resolution_due, count(*) OVER ()
FROM complaints c JOIN shipments s ON s.id = c.shipment_id JOIN shippers sh ON sh.id = c.shipper_id
LEFT JOIN users u ON u.id = c.assignee_id
WHERE c.created_at >= $1 AND c.created_at < $2 %s
ORDER BY c.created_at, c.id`

// Complaints reports whether the list is of complaints rather than parcels.
func (d Drill) Complaints() bool { return d.Kind == ListComplaints }

// query is the statement and parameters of d, paged by limit and offset (limit 0: all).
func (d Drill) query(limit, offset int) (string, []any, error) {
	p := d.Period
	if err := p.check(); err != nil {
		return "", nil, err
	}
	args := []any{p.From, p.To}
	var q string
	if d.Complaints() {
		cond, a := complaintFilterSQL(d.Filter, args)
		if d.Assignee != 0 {
			a = append(a, d.Assignee)
			cond += " AND c.assignee_id = $" + strconv.Itoa(len(a))
		}
		q, args = fmt.Sprintf(complaintListSQL, cond), a
	} else {
		if d.Assignee != 0 {
			return "", nil, fmt.Errorf("reports: list %s has no assignee", d.Kind)
		}
		rule, order := "", "s.delivered_at"
		switch d.Kind {
		case ListCreated:
			rule, order = "s.created_at >= $1 AND s.created_at < $2", "s.created_at"
		case ListDelivered:
			rule = "s.delivered_at >= $1 AND s.delivered_at < $2"
		case ListSlow:
			rule = "s.delivered_at >= $1 AND s.delivered_at < $2 AND s.id IN (SELECT shipment_id FROM slow_signoffs)"
		case ListSurveys:
			rule = "s.delivered_at >= $1 AND s.delivered_at < $2 AND v.id IS NOT NULL"
		default:
			return "", nil, fmt.Errorf("reports: unknown list %q", d.Kind)
		}
		cond, a := filterSQL(d.Filter, args)
		q, args = fmt.Sprintf(parcelListSQL, rule+cond, order), a
	}
	if limit > 0 {
		args = append(args, limit, offset)
		q += fmt.Sprintf(" LIMIT $%d OFFSET $%d", len(args)-1, len(args))
	}
	return q, args, nil
}

// scanParcel scans one parcelListSQL row and its total.
func scanParcel(rows pgx.Rows, total *int64) (ParcelRow, error) {
	var r ParcelRow
	err := rows.Scan(&r.TrackingNo, &r.ShipperCode, &r.ShipperName, &r.ServiceLevel, &r.DestProvince, &r.DestCity,
		&r.Status, &r.CreatedAt, &r.DeliveredAt, &r.OnTime, &r.CSAT, total)
	return r, err
}

// scanComplaint scans one complaintListSQL row and its total.
func scanComplaint(rows pgx.Rows, total *int64) (ComplaintRow, error) {
	var r ComplaintRow
	err := rows.Scan(&r.ID, &r.Ref, &r.TrackingNo, &r.ShipperName, &r.Category, &r.Status, &r.Assignee, &r.CreatedAt,
		&r.FirstRespondedAt, &r.ResolvedAt, &r.FirstResponseDue, &r.Due, total)
	return r, err
}

// Parcels returns a page of a parcel list and the list's length (0 when the page is
// past its end).
func (st *Store) Parcels(ctx context.Context, d Drill, limit, offset int) ([]ParcelRow, int64, error) {
	return drillPage(ctx, st, d, false, limit, offset, scanParcel)
}

// ComplaintList returns a page of a complaint list and the list's length.
func (st *Store) ComplaintList(ctx context.Context, d Drill, limit, offset int) ([]ComplaintRow, int64, error) {
	return drillPage(ctx, st, d, true, limit, offset, scanComplaint)
}

// drillPage runs one page of d, which must be a complaint list when complaints.
func drillPage[T any](ctx context.Context, st *Store, d Drill, complaints bool, limit, offset int,
	scan func(pgx.Rows, *int64) (T, error)) ([]T, int64, error) {
	if d.Complaints() != complaints {
		return nil, 0, fmt.Errorf("reports: list %s read as the wrong kind", d.Kind)
	}
	q, args, err := d.query(limit, offset)
	if err != nil {
		return nil, 0, err
	}
	var total int64
	list, err := collect(ctx, st.pool, "list "+d.Kind, q, args, func(rows pgx.Rows) (T, error) { return scan(rows, &total) })
	return list, total, err
}

// WriteList writes the whole list d as a one-sheet workbook in lang, streaming the rows
// from the database into excelize's StreamWriter. It returns the number of rows.
func WriteList(ctx context.Context, w io.Writer, st *Store, d Drill, lang string) (int, error) {
	q, args, err := d.query(0, 0)
	if err != nil {
		return 0, err
	}
	b, err := newBook(d.Period.zone(), lang)
	if err != nil {
		return 0, err
	}
	defer b.f.Close()
	sheet := b.tr("清单", "List")
	var cols []col
	if d.Complaints() {
		cols = []col{{b.tr("投诉编号", "Reference"), 14, b.text}, {b.tr("运单号", "Tracking no"), 16, b.text},
			{b.tr("寄件商家", "Shipper"), 26, b.text}, {b.tr("类别", "Category"), 18, b.text}, {b.tr("状态", "Status"), 12, b.text},
			{b.tr("客服", "Agent"), 14, b.text}, {b.tr("提交时间", "Filed at"), 17, b.stamp},
			{b.tr("首次响应时间", "First response at"), 17, b.stamp}, {b.tr("首次响应时限", "First response due"), 17, b.stamp},
			{b.tr("解决时间", "Resolved at"), 17, b.stamp}, {b.tr("解决时限", "Resolution due"), 17, b.stamp}}
	} else {
		cols = []col{{b.tr("运单号", "Tracking no"), 16, b.text}, {b.tr("编码", "Code"), 10, b.text},
			{b.tr("寄件商家", "Shipper"), 26, b.text}, {b.tr("服务类型", "Service level"), 12, b.text},
			{b.tr("目的省份", "Province"), 12, b.text}, {b.tr("目的城市", "City"), 12, b.text},
			{b.tr("状态", "Status"), 12, b.text}, {b.tr("下单时间", "Created at"), 17, b.stamp}, {b.tr("签收时间", "Delivered at"), 17, b.stamp},
			{b.tr("准时", "On time"), 8, b.text}, {b.tr("满意度", "CSAT"), 8, b.count}}
	}
	if err := b.f.SetSheetName("Sheet1", sheet); err != nil {
		return 0, fmt.Errorf("reports: list: %w", err)
	}
	optTime := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return *t
	}
	n, err := b.streamTable(sheet, cols, func(row func(...any) error) error {
		rows, err := st.pool.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var total int64
		for rows.Next() {
			if d.Complaints() {
				r, err := scanComplaint(rows, &total)
				if err != nil {
					return err
				}
				err = row(r.Ref, r.TrackingNo, r.ShipperName, Label(b.lang, LabelCategory, r.Category), Label(b.lang, LabelState, r.Status), r.Assignee,
					r.CreatedAt, optTime(r.FirstRespondedAt), r.FirstResponseDue, optTime(r.ResolvedAt), r.Due)
				if err != nil {
					return err
				}
				continue
			}
			r, err := scanParcel(rows, &total)
			if err != nil {
				return err
			}
			onTime, csat := "", any(nil)
			if r.OnTime != nil {
				onTime = b.yesNo(*r.OnTime)
			}
			if r.CSAT != nil {
				csat = *r.CSAT
			}
			if err := row(r.TrackingNo, r.ShipperCode, r.ShipperName, Label(b.lang, LabelService, r.ServiceLevel), r.DestProvince,
				r.DestCity, shipments.StatusLabel(b.lang, shipments.Code(r.Status)), r.CreatedAt, optTime(r.DeliveredAt), onTime, csat); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		return n, err
	}
	if err := b.f.Write(w); err != nil {
		return n, fmt.Errorf("reports: list: write: %w", err)
	}
	return n, nil
}
