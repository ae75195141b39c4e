package portal_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"lcrm/customers"
	"lcrm/shipments"
)

// A parcel whose events were archived (lcrm events archive) says so on the tracking page in
// both languages and in the API, instead of an empty timeline; a parcel not archived is
// unaffected.
func TestArchivedTimeline(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	old := time.Now().Add(-400 * 24 * time.Hour)
	e.shp.Now = func() time.Time { return old }
	const gone, kept = "SD292000000001", "SD292000000002"
	if _, err := e.shp.CreateShipments(ctx, []shipments.NewShipment{archivedParcel(gone)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.shp.Pool().Exec(ctx, `SELECT setval('shipments_id_seq', 10000)`); err != nil {
		t.Fatal(err)
	}
	e.shp.Now = time.Now
	if _, err := e.shp.CreateShipments(ctx, []shipments.NewShipment{archivedParcel(kept)}); err != nil {
		t.Fatal(err)
	}
	done, err := e.shp.ArchiveEvents(ctx, time.Now().Add(-300*24*time.Hour), t.TempDir())
	if err != nil || len(done) != 1 {
		t.Fatalf("archive: %+v, %v", done, err)
	}
	b := newBrowser(t, e.srv)
	for _, c := range []struct{ tn, lang, want, never string }{
		{gone, "zh", "事件已归档", ""},
		{gone, "en", "Events archived on", ""},
		{kept, "zh", "", "事件已归档"},
	} {
		code, body, _ := b.do("GET", "/track/"+c.tn+"?lang="+c.lang, nil)
		if code != 200 || (c.want != "" && !strings.Contains(body, c.want)) || (c.never != "" && strings.Contains(body, c.never)) {
			t.Errorf("%s %s: %d, want %q, never %q in\n%s", c.tn, c.lang, code, c.want, c.never, section(body, `class="timeline"`, "</ol>"))
		}
	}
	var out struct {
		Events           []any      `json:"events"`
		EventsArchivedAt *time.Time `json:"events_archived_at"`
	}
	if code := e.do("GET", "/api/v1/track/"+gone, "", nil, &out); code != 200 || out.EventsArchivedAt == nil || len(out.Events) != 0 {
		t.Errorf("public API: %d, %+v", code, out)
	}
}

// archivedParcel is a plain express parcel numbered tn.
func archivedParcel(tn string) shipments.NewShipment {
	return shipments.NewShipment{TrackingNo: tn, Shipper: customers.Shipper{Code: "ACME", Name: "杭州云裳服饰有限公司"},
		Consignee: customers.Consignee{Name: "张小明", Phone: "13800138000",
			Address: customers.Address{Province: "北京市", City: "北京市", District: "朝阳区", Street: "望京街10号"}},
		ServiceLevel: shipments.Express, OriginCity: "杭州市", WeightG: 1200}
}
