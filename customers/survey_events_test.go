package customers_test

import (
	"context"
	"testing"

	"lcrm/customers"
	"lcrm/hooks"
	"lcrm/internal/testdb"
	"lcrm/shipments"
)

// Saving a survey answer emits survey.answered to the shipper's endpoint in the same
// transaction; the same answer again emits nothing new, an edit emits again, and a
// refused answer (the edit window closed) emits nothing.
func TestSurveyAnsweredEvent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	cs := customers.NewStore(pool)
	hk := hooks.NewStore(pool)
	hk.AllowPrivate = true
	cs.Events = hk.Sink()
	id := surveyShipment(t, shipments.NewStore(pool))
	var shipperID int64
	if err := pool.QueryRow(ctx, `SELECT shipper_id FROM shipments WHERE id = $1`, id).Scan(&shipperID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := hk.Register(ctx, shipperID, "http://127.0.0.1:9/", []string{hooks.SurveyAnswered}); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM webhook_deliveries WHERE event_type = 'survey.answered'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i, s := range []struct {
		in   customers.Survey
		want int
	}{
		{customers.Survey{ShipmentID: id, CSAT: 4, NPS: 9, Comment: "快"}, 1},
		{customers.Survey{ShipmentID: id, CSAT: 4, NPS: 9, Comment: "快"}, 1},
		{customers.Survey{ShipmentID: id, CSAT: 2, NPS: 3}, 2},
		{customers.Survey{ShipmentID: id, CSAT: 9, NPS: 3}, 2}, // invalid
	} {
		_, _ = cs.SaveSurvey(ctx, s.in)
		if got := count(); got != s.want {
			t.Errorf("step %d: %d events, want %d", i, got, s.want)
		}
	}
	if _, err := pool.Exec(ctx, `UPDATE surveys SET created_at = created_at - interval '2 days'`); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.SaveSurvey(ctx, customers.Survey{ShipmentID: id, CSAT: 5, NPS: 10}); err == nil {
		t.Fatal("edit after the window accepted")
	}
	if got := count(); got != 2 {
		t.Errorf("closed survey emitted: %d events", got)
	}
	if customers.EventSurveyAnswered != hooks.SurveyAnswered {
		t.Error("customers and hooks disagree on the event type name")
	}
}
