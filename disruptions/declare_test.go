package disruptions_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"lcrm/audit"
	"lcrm/complaints"
	"lcrm/disruptions"
	"lcrm/internal/errs"
)

// file files a delay complaint about a parcel or fails the test.
func (f *fixture) file(shipmentID int64) *complaints.Complaint {
	f.t.Helper()
	c, err := f.cs.File(f.ctx, complaints.Filing{ShipmentID: shipmentID, Category: complaints.Delayed,
		Description: "还没到", ContactPhone: "13800138000"})
	if err != nil {
		f.t.Fatalf("file: %v", err)
	}
	return c
}

func (f *fixture) complaint(id int64) *complaints.Complaint {
	f.t.Helper()
	c, err := f.cs.ByID(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// policy is the SLA policy of c from the database.
func (f *fixture) policy(c *complaints.Complaint) complaints.Policy {
	f.t.Helper()
	p := complaints.Policy{Priority: c.Priority, Tier: c.ShipperTier}
	if err := f.pool.QueryRow(f.ctx, `SELECT first_response_minutes, resolution_minutes, business_hours_only FROM sla_policies
		WHERE priority = $1 AND tier = $2`, c.Priority, c.ShipperTier).Scan(&p.FirstResponseMinutes, &p.ResolutionMinutes, &p.BusinessHoursOnly); err != nil {
		f.t.Fatal(err)
	}
	return p
}

// wantDue checks c's deadlines against the policy with the given pauses.
func (f *fixture) wantDue(what string, c *complaints.Complaint, pauses ...complaints.Pause) {
	f.t.Helper()
	pol := f.policy(c)
	cal := complaints.DefaultCalendar()
	cal.Pauses = pauses
	if want := pol.ResolutionDue(c.ClockStart, 0, cal); !c.ResolutionDue.Equal(want) {
		f.t.Errorf("%s: resolution due %v, want %v", what, c.ResolutionDue.In(complaints.DefaultZone), want.In(complaints.DefaultZone))
	}
	if want := pol.FirstResponseDue(c.CreatedAt, cal); !c.FirstResponseDue.Equal(want) {
		f.t.Errorf("%s: first response due %v, want %v", what, c.FirstResponseDue.In(complaints.DefaultZone), want.In(complaints.DefaultZone))
	}
}

func (f *fixture) tags(complaintID int64) []string {
	f.t.Helper()
	rows, err := f.pool.Query(f.ctx, `SELECT key FROM complaint_pauses WHERE complaint_id = $1 ORDER BY key`, complaintID)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			f.t.Fatal(err)
		}
		out = append(out, k)
	}
	return out
}

// auditOf returns the audit entries of a disruption, newest first.
func (f *fixture) auditOf(id int64) []audit.Entry {
	f.t.Helper()
	es, err := audit.List(f.ctx, f.pool, audit.Filter{Object: "disruption", ObjectID: id})
	if err != nil {
		f.t.Fatal(err)
	}
	return es
}

func endsAt(t *testing.T, raw any) time.Time {
	t.Helper()
	var v struct {
		EndsAt time.Time `json:"ends_at"`
	}
	if err := json.Unmarshal(raw.(json.RawMessage), &v); err != nil {
		t.Fatal(err)
	}
	return v.EndsAt
}

// TestDeclareTagsAndPauses: a complaint filed before a disruption is tagged when the
// disruption is declared over its parcel and its deadlines move past the window; one filed
// after is tagged at filing; an unaffected one keeps its deadlines. Editing moves the
// pauses (and takes them off complaints no longer affected), ending shortens them, and both
// are audited with the values before and after.
func TestDeclareTagsAndPauses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	gd := f.shipment(parcel{province: "广东省", city: "广州市", created: sh(22, 9, 0)})
	bj := f.shipment(parcel{province: "北京市", city: "北京", created: sh(22, 9, 0)})
	early := f.file(gd) // Monday 10:00
	other := f.file(bj)
	f.wantDue("before any disruption", early)
	before := early.ResolutionDue

	f.now = sh(23, 10, 30)
	in := snow([]string{"广东"}, nil, sh(23, 12, 0), sh(24, 12, 0))
	in.IdempotencyKey = "form-1"
	res, err := f.ds.Declare(f.ctx, in, complaints.Actor{Name: "sup"})
	if err != nil {
		t.Fatal(err)
	}
	d := res.Disruption
	if res.Paused != 1 {
		t.Errorf("declaration paused %d complaints, want 1", res.Paused)
	}
	again, err := f.ds.Declare(f.ctx, in, complaints.Actor{Name: "sup"})
	if err != nil || again.Disruption.ID != d.ID {
		t.Fatalf("the same form again: %+v %v, want disruption %d", again.Disruption, err, d.ID)
	}
	window := complaints.Pause{Key: d.Key(), From: in.StartsAt, To: in.EndsAt}
	e := f.complaint(early.ID)
	if got := f.tags(early.ID); len(got) != 1 || got[0] != d.Key() {
		t.Errorf("tags of the earlier complaint = %v, want [%s]", got, d.Key())
	}
	f.wantDue("declared after filing", e, window)
	if !e.ResolutionDue.After(before) {
		t.Errorf("resolution due %v did not move past %v", e.ResolutionDue, before)
	}
	if o := f.complaint(other.ID); !o.ResolutionDue.Equal(other.ResolutionDue) || len(f.tags(other.ID)) != 0 {
		t.Errorf("unaffected complaint changed: due %v → %v, tags %v", other.ResolutionDue, o.ResolutionDue, f.tags(other.ID))
	}

	f.now = sh(23, 13, 0)
	late := f.file(f.shipment(parcel{province: "广东省", city: "深圳市", created: sh(22, 9, 0)}))
	if got := f.tags(late.ID); len(got) != 1 || got[0] != d.Key() {
		t.Errorf("tags at filing = %v, want [%s]", got, d.Key())
	}
	f.wantDue("filed inside the window", late, window)

	// Edit: a shorter window moves the deadlines back; the audit keeps before and after.
	f.now = sh(23, 14, 0)
	in.EndsAt = sh(23, 18, 0)
	if _, err := f.ds.Update(f.ctx, d.ID, in, complaints.Actor{Name: "sup"}); err != nil {
		t.Fatal(err)
	}
	short := complaints.Pause{Key: d.Key(), From: in.StartsAt, To: in.EndsAt}
	f.wantDue("after the edit", f.complaint(early.ID), short)
	f.wantDue("after the edit", f.complaint(late.ID), short)
	es := f.auditOf(d.ID)
	if len(es) != 2 || es[0].Action != "disruption.edit" || es[1].Action != "disruption.declare" {
		t.Fatalf("audit = %+v, want edit then declare", es)
	}
	if b, a := endsAt(t, es[0].Before), endsAt(t, es[0].After); !b.Equal(sh(24, 12, 0)) || !a.Equal(sh(23, 18, 0)) {
		t.Errorf("edit audited ends_at %v → %v", b, a)
	}
	if _, err := f.ds.Update(f.ctx, d.ID, in, complaints.Actor{Name: "sup"}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.auditOf(d.ID)); n != 2 {
		t.Errorf("saving the same values again: %d audit entries, want 2", n)
	}

	// Moving the area to Beijing takes the pause off the Guangdong complaints.
	in.Provinces = []string{"北京"}
	if _, err := f.ds.Update(f.ctx, d.ID, in, complaints.Actor{Name: "sup"}); err != nil {
		t.Fatal(err)
	}
	if got := f.tags(early.ID); len(got) != 0 {
		t.Errorf("tags after the area moved = %v", got)
	}
	f.wantDue("no longer affected", f.complaint(early.ID))
	f.wantDue("now affected", f.complaint(other.ID), short)

	// End at 15:00: the window closes now; the audit says so.
	f.now = sh(23, 15, 0)
	res, err = f.ds.End(f.ctx, d.ID, complaints.Actor{Name: "sup"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Disruption.EndsAt.Equal(f.now) || res.Disruption.EndedAt == nil {
		t.Errorf("ended: ends_at %v, ended_at %v", res.Disruption.EndsAt, res.Disruption.EndedAt)
	}
	f.wantDue("after the end", f.complaint(other.ID), complaints.Pause{From: in.StartsAt, To: f.now})
	es = f.auditOf(d.ID)
	if es[0].Action != "disruption.end" || !endsAt(t, es[0].Before).Equal(sh(23, 18, 0)) || !endsAt(t, es[0].After).Equal(f.now) {
		t.Errorf("end audited as %s %s → %s", es[0].Action, es[0].Before, es[0].After)
	}
	if _, err := f.ds.End(f.ctx, d.ID, complaints.Actor{Name: "sup"}); err != nil || len(f.auditOf(d.ID)) != len(es) {
		t.Errorf("ending again: %v, %d audit entries, want %d", err, len(f.auditOf(d.ID)), len(es))
	}
}

func TestDeclareRefusesBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tc := range []struct {
		name  string
		in    disruptions.Input
		field string
	}{
		{"no place", snow(nil, []string{" ", ""}, sh(23, 0, 0), sh(24, 0, 0)), "provinces"},
		{"end before start", snow([]string{"广东"}, nil, sh(24, 0, 0), sh(23, 0, 0)), "ends_at"},
		{"too long", snow([]string{"广东"}, nil, sh(1, 0, 0), sh(1, 0, 0).AddDate(0, 2, 0)), "ends_at"},
		{"no notice", disruptions.Input{Provinces: []string{"广东"}, StartsAt: sh(23, 0, 0), EndsAt: sh(24, 0, 0), Reason: disruptions.Flood}, "notice_zh"},
		{"bad reason", disruptions.Input{Provinces: []string{"广东"}, StartsAt: sh(23, 0, 0), EndsAt: sh(24, 0, 0), Reason: "aliens", NoticeZH: "x", NoticeEN: "x"}, "reason"},
		{"control character", snow([]string{"广\x01东"}, nil, sh(23, 0, 0), sh(24, 0, 0)), "provinces"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.ds.Declare(f.ctx, tc.in, complaints.Actor{})
			var ve *errs.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a validation error", err)
			}
			found := false
			for _, fe := range ve.Fields {
				found = found || fe.Field == tc.field
			}
			if !found {
				t.Errorf("fields %+v, want %s", ve.Fields, tc.field)
			}
		})
	}
	d := f.declare(snow([]string{"广东"}, nil, sh(24, 0, 0), sh(25, 0, 0)))
	if _, err := f.ds.End(f.ctx, d.ID, complaints.Actor{}); !errors.Is(err, disruptions.ErrNotBegun) {
		t.Errorf("ending one not begun: %v", err)
	}
}
