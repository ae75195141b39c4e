// Package reports computes the managers' KPIs (volume, on-time rate, sign-off lag,
// satisfaction, per-shipper figures, churn risk) and writes them as an Excel workbook.
// Every figure has a written definition in Definitions, which the workbook's Definitions
// sheet and the README print verbatim, so the number and its meaning never drift apart.
// The package owns its SQL and knows nothing of HTTP.
package reports

import (
	"time"

	"lcrm/shipments"
)

// Period is the half-open interval [From, To) a report covers. Zone is the zone whose
// local days the daily rows use (default Asia/Shanghai); From and To are instants, so a
// "day" period is From = local midnight, To = From + 1 local day.
type Period struct {
	From, To time.Time
	Zone     *time.Location
	// Whole is the end of the whole period when p is only its days up to today (see
	// SoFar): Previous then covers the same number of days. Zero when p is whole.
	Whole time.Time
	// AsOf is the instant the figures are read at (zero: the store's clock). An SLA
	// deadline counts as passed only when it is before both To and AsOf.
	AsOf time.Time
}

// zone is the period's zone, Asia/Shanghai when unset.
func (p Period) zone() *time.Location {
	if p.Zone == nil {
		return shipments.DefaultZone
	}
	return p.Zone
}

// SoFar is p as read at now: AsOf is now and, when p runs through today and on past
// it, To is cut at the end of today (the days so far) with the whole end kept in Whole,
// so that a month on its 2nd day compares with the first 2 days of the previous month
// rather than with a whole one.
func (p Period) SoFar(now time.Time) Period {
	p.AsOf = now
	if now.Before(p.From) || !now.Before(p.To) {
		return p
	}
	l := now.In(p.zone())
	end := time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, l.Location())
	if end.Before(p.To) {
		p.Whole, p.To = p.To, end
	}
	return p
}

// Partial reports whether p is the days so far of a longer period (see SoFar).
func (p Period) Partial() bool { return !p.Whole.IsZero() }

// Previous is the base for the "change vs previous period" figures. A calendar month
// compares with the previous calendar month; any other period with the period of equal
// length (in local days when it is made of whole days) that ends where p starts. A
// partial period (SoFar) compares with the same number of days from the start of that
// previous period: month-to-date against the same days of the previous month.
func (p Period) Previous() Period {
	z := p.zone()
	whole := p.To
	if p.Partial() {
		whole = p.Whole
	}
	from := p.From.In(z)
	var prev time.Time
	switch {
	case isMonth(from, whole):
		prev = from.AddDate(0, -1, 0)
	case isMidnight(from) && isMidnight(whole.In(z)):
		prev = from.AddDate(0, 0, -days(from, whole))
	default:
		prev = p.From.Add(-whole.Sub(p.From))
	}
	to := p.From
	if p.Partial() {
		if end := prev.AddDate(0, 0, days(from, p.To)); end.Before(to) {
			to = end
		}
	}
	return Period{From: prev, To: to, Zone: p.Zone, AsOf: p.AsOf}
}

// isMidnight reports whether t is midnight in its own location.
func isMidnight(t time.Time) bool {
	return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

// isMonth reports whether [from, to) is one calendar month of from's location.
func isMonth(from, to time.Time) bool {
	return from.Day() == 1 && isMidnight(from) && from.AddDate(0, 1, 0).Equal(to)
}

// days is the number of local days from the local midnight from to the midnight to.
func days(from, to time.Time) int {
	z := from.Location()
	return int(dateOf(to, z).Sub(dateOf(from, z)).Hours()/24 + 0.5)
}

// Month is the calendar month containing t in zone (nil: Asia/Shanghai), as a Period.
func Month(t time.Time, zone *time.Location) Period {
	if zone == nil {
		zone = shipments.DefaultZone
	}
	l := t.In(zone)
	from := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, zone)
	return Period{From: from, To: from.AddDate(0, 1, 0), Zone: zone}
}

// Filter narrows every KPI to some shipments; zero fields do not filter. Shipments are
// matched on their own shipper, service level and destination province, and on the
// shipper's current tier.
type Filter struct {
	ShipperID    int64
	Tier         string // key, regular, small
	ServiceLevel string // standard, express, same_day
	DestProvince string
	// Team, when non-zero, narrows the complaint figures (complaints, agents, root
	// causes, escalations, per-shipper complaint counts) to complaints assigned to this
	// user or to staff whose manager chain leads to them: a supervisor's view of their
	// team. Shipment and survey figures are not narrowed.
	Team int64
	// ExcludeDisrupted leaves out the shipments a declared disruption affects
	// (disrupted_shipments, see lcrm/disruptions), so the figures show the service without
	// force majeure. The rollup cannot tell them apart: such a view is read live.
	ExcludeDisrupted bool
}

// Definition is the written meaning of one KPI.
type Definition struct {
	Name string // as shown on tiles and sheet headers
	Unit string // count, %, duration, score
	Text string // the precise definition
}

// Definitions lists every KPI the package computes, in the order the workbook shows them.
// The Definitions sheet and the README's "KPI definitions" section print this text.
var Definitions = []Definition{
	{"Period", "", "A half-open interval [from, to) of instants. Daily rows are local days in the report's zone (default Asia/Shanghai): an event at 23:59 local time counts on that day, one at 00:01 on the next. Filters (shipper, shipper tier, service level, destination province) apply to the shipment every figure is about; tier is the shipper's current tier."},
	{"Previous period", "", "A calendar month compares with the previous calendar month; any other period with the period of equal length (in local days) ending where it starts. A period that runs through today covers its days so far (up to the end of today) and compares with the same number of days from the start of its previous period: month-to-date against the same days of the previous month. Change = value in the period − value in the previous period (percentage points for rates)."},
	{"Created", "count", "Shipments whose created_at falls in the period."},
	{"Delivered", "count", "Shipments whose delivered_at (time of the final delivered event) falls in the period. Returned and undelivered shipments are not delivered."},
	{"On-time rate", "%", "Delivered shipments with delivered_at ≤ promised_at, divided by Delivered. The period is by delivery time. Empty when nothing was delivered."},
	{"Sign-off lag median / p90", "duration", "For shipments delivered in the period that went out for delivery: delivered_at − out_for_delivery_at (the first out-for-delivery event), median and 90th percentile (continuous percentile, PostgreSQL percentile_cont)."},
	{"Slow sign-offs", "count", "Distinct shipments delivered in the period that the slow sign-off detector flagged (at least one row in slow_signoffs, for any reason: out for delivery, at the station or past the promised time)."},
	{"Slow sign-off rate", "%", "Slow sign-offs divided by Delivered."},
	{"Surveys", "count", "Survey answers for shipments delivered in the period (surveys follow their shipment's delivery time, so a late answer still counts for the period its parcel arrived in)."},
	{"Survey response rate", "%", "Surveys divided by Delivered."},
	{"CSAT (4–5 share)", "%", "Share of surveys with a CSAT answer of 4 or 5 (on the 1–5 scale)."},
	{"CSAT mean", "score", "Mean CSAT answer (1–5) of the surveys."},
	{"NPS", "score", "Percentage of surveys answering 9–10 minus percentage answering 0–6 on the 0–10 scale, from −100 to 100."},
	{"CSAT on time / late", "%", "CSAT (4–5 share) of surveys whose shipment was delivered on time, and of those delivered late, side by side."},
	{"Complaints", "count", "Complaints filed (created_at) in the period about shipments that pass the filters."},
	{"Complaints per 1,000 delivered", "score", "Complaints ÷ Delivered × 1,000, in total and per category (delayed, damaged, lost, not received but signed, courier attitude, wrong address, billing, unconsented locker or station, other). Both counts are of the same period, so a complaint filed now about a parcel delivered earlier still counts."},
	{"Repeat-complaint rate", "%", "Share of the complaints whose consignee had filed another complaint (about any shipment) in the 30 days before it."},
	{"First-response time median / p90", "duration", "first_responded_at − created_at of the period's complaints that have a first response, median and 90th percentile (percentile_cont), in wall-clock time."},
	{"Resolution time median / p90", "duration", "resolved_at − created_at of the period's complaints that are resolved (for a reopened complaint, the time to its final resolution), median and 90th percentile, in wall-clock time including time spent waiting on the customer."},
	{"First-response SLA compliance", "%", "Complaints answered at or before first_response_due, divided by the complaints answered or whose first-response deadline has passed: a deadline has passed when it is before both the period's end and now. An unanswered complaint whose deadline is still ahead (due tomorrow, in a period that runs through today) is not counted yet."},
	{"Resolution SLA compliance", "%", "Complaints resolved at or before resolution_due (after a reopen, the deadline of the new round), divided by the complaints resolved or whose resolution deadline has passed (before both the period's end and now, as for the first response)."},
	{"Escalations", "count", "Escalation steps (one per level of the manager ladder and per deadline) taken in the period on complaints whose shipment passes the filters."},
	{"Per agent", "", "For each staff member currently assigned complaints filed in the period: complaints handled, first-response and resolution medians, SLA compliance (same rule: a deadline still ahead is not counted), reopen rate (share of their complaints reopened at least once) and CSAT after resolution (share of the customer's 1–5 ratings of the complaint that are 4 or 5)."},
	{"Defects (root causes)", "", "Complaints filed in the period with a recorded root cause, counted by root cause and responsible department, largest first, with each bar's share of all such complaints and the cumulative share (a Pareto)."},
	{"Per shipper", "", "For each shipper with shipments created or delivered in the period or the previous period: Created, Delivered, On-time rate, CSAT (4–5 share), Surveys, Complaints and Complaints per 1,000 delivered as defined above, its tier, and the change of Delivered and On-time rate vs the previous period. A shipper with no such shipments has no row even if a complaint about an older parcel was filed in the period (the Complaints tile still counts it)."},
	{"Per province", "", "The same figures grouped by the shipment's destination province."},
	{"Without disrupted parcels", "", "With this filter every figure leaves out the shipments a declared disruption (大面积延误) affects — destination (or, when the disruption says so, origin) in its provinces or cities, created before its window ended, not delivered or returned before it began — and the complaints about them. Read live, not from the rollup."},
	{"Churn risk", "", "Shippers whose shipments created in the 30 days before the period's end are fewer than half of (shipments created in the 90 days before those 30 days ÷ 90 × 30). Shippers with nothing in those 90 days are not listed."},
	{"Revenue at risk", "yuan", "For each shipper on the churn-risk list: the revenue (as defined below) of its shipments created in the 90 days before the period's end, and the margin of those 90 days (that revenue − their known cost − compensation paid in those 90 days). The list is sorted by revenue at risk, largest first, then by the sharpest drop."},
	{"Revenue", "yuan", "Freight plus surcharge (freight_fen + surcharge_fen, a part not known counts as 0) of the shipments created in the period. Shipments with neither charge known are counted apart as uncharged; they add nothing."},
	{"Cost", "yuan", "Sum of cost_fen of the shipments created in the period whose cost is known. Cost not known counts the shipments created in the period without a cost, whose cost is therefore missing from Cost and Margin."},
	{"Compensation", "yuan", "Sum of compensation_fen of the complaints whose resolution (resolved_at) falls in the period, charged to the complaint's shipper. A reopened complaint counts again only when it is resolved again, at its new resolution time."},
	{"Margin", "yuan", "Revenue − Cost − Compensation; negative when compensation or cost exceeds revenue. Margin % = Margin ÷ Revenue, empty without revenue."},
	{"Revenue per shipment", "yuan", "Revenue ÷ shipments created in the period, empty without shipments."},
	{"Customer value (per shipper)", "", "For each shipper with shipments created or delivered, complaints filed or compensation paid in the period, and every key-tier shipper: Revenue, Cost, Compensation, Margin, Margin %, shipments created, Revenue per shipment, Complaints per 1,000 delivered and CSAT (4–5 share) as defined above, its ABC class, RFM scores and segment, and tier advice. Not narrowed by filters."},
	{"ABC class", "", "Shippers sorted by Revenue, largest first (equal revenue: by code). A shipper is A while the revenue of the shippers before it is under 80 % of all revenue (so the shipper that crosses 80 % is still A), B while it is under 95 %, C after that; a shipper without revenue is C."},
	{"RFM scores", "score", "Over the shippers with shipments created in the period: R (recency) is the days from the local date of the last shipment to the period's last local day, fewer is better; F (frequency) the shipments created; M (monetary) the Revenue. Each score is ⌈5 × cume_dist⌉, cume_dist being the share of those shippers whose value is no better than this one's: quintiles 1–5, ties share the higher score. Shippers without shipments in the period have no scores."},
	{"RFM segment", "", "A score of 3 or more is high, 1–2 low. 重要价值 Important value: R, F, M high. 重要发展 Important to develop: R high, F low, M high. 重要保持 Important to keep: R low, F high, M high. 重要挽留 Important to win back: R low, F low, M high. 一般价值 General value: R high, F high, M low. 一般发展 General to develop: R high, F low, M low. 一般保持 General to keep: R low, F high, M low. 一般挽留 General to win back: R, F, M low."},
	{"Tier advice", "", "A class A shipper not on the key tier should be key; a key shipper in class C should be regular; a small shipper in class B should be regular. Other combinations fit. A manager applies the advice in the console; each change is written to the audit log with the tier before and after."},
	{"Daily rows", "", "Per local day of the period: Created counts the shipments created that day; Delivered, On-time rate, Sign-off lag median / p90, Surveys, CSAT (4–5 share) and Survey response rate are those of the shipments delivered that day."},
	{"Survey comments", "", "Every survey of a shipment delivered in the period, with its answers and comment."},
	{"Appeals", "count", "Regulator appeals (12305 hotline, 12305 website or a provincial postal bureau) received (received_at) in the period about complaints on shipments that pass the filters; an appeal is counted once, by its regulator's appeal number."},
	{"Effective appeals", "count", "Of the Appeals, those the regulator ruled effective appeals (有效申诉), by the verdict recorded when the report is made; an appeal still without a verdict is not counted."},
	{"Appeals per million delivered", "score", "Appeals ÷ Delivered × 1,000,000 and Effective appeals ÷ Delivered × 1,000,000, the regulator's yardstick. Per destination province the denominator is that province's Delivered; per complaint category and per responsible department (as recorded at resolution, blank before) it is the period's whole Delivered, so those parts add up to the total. Empty when nothing was delivered."},
}
