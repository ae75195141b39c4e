package site

import (
	"strings"
	"testing"
	"time"

	"lcrm/portal/web"
	"lcrm/shipments"
)

// The timeline is written in Go, not by html/template: every text in it must still be
// escaped, and the step and status labels must be in the page's language.
func TestTimelineHTML(t *testing.T) {
	t.Parallel()
	s := newTestHandler(t, time.FixedZone("CST", 8*3600))
	at := time.Date(2026, 11, 20, 16, 30, 0, 0, time.UTC)
	d := &shipments.Detail{}
	d.Status = shipments.OutForDelivery
	d.Events = []shipments.Event{
		{Code: shipments.PickedUp, OccurredAt: at, Location: `<script>alert(1)</script>`},
		{Code: shipments.OutForDelivery, OccurredAt: at.Add(time.Hour), Location: "上海 & 浦东", Note: `"quoted" <b>`},
	}
	cases := []struct {
		lang      string
		want      []string
		forbidden []string
	}{
		{"zh", []string{`<time datetime="2026-11-20T16:30:00Z">2026-11-21 00:30</time>`, "&lt;script&gt;alert(1)&lt;/script&gt;", "上海 &amp; 浦东", "&#34;quoted&#34; &lt;b&gt;", `<li class="done">` + s.Text("zh", "step.picked_up")},
			[]string{"<script>", "<b>"}},
		{"en", []string{"<strong>" + s.Text("en", "status.out_for_delivery") + "</strong>", "<li>" + s.Text("en", "step.delivered") + "</li>"}, nil},
	}
	for _, c := range cases {
		steps, events := s.timelineHTML(d, c.lang)
		page := string(steps) + string(events)
		for _, w := range c.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: %q missing in\n%s", c.lang, w, page)
			}
		}
		for _, f := range c.forbidden {
			if strings.Contains(page, f) {
				t.Errorf("%s: unescaped %q in\n%s", c.lang, f, page)
			}
		}
	}
	if s.Text("en", "status.out_for_delivery") == s.Text("zh", "status.out_for_delivery") {
		t.Error("labels are not translated")
	}
}

// newTestHandler is the public site's handler without a database, over a core in zone
// (the default zone when nil).
func newTestHandler(t *testing.T, zone *time.Location) *handler {
	t.Helper()
	if zone == nil {
		zone = shipments.DefaultZone
	}
	core, err := web.New(web.Deps{}, web.Config{Zone: zone, Secret: []byte("test secret")})
	if err != nil {
		t.Fatal(err)
	}
	return &handler{Core: core, cfg: Config{Zone: zone, Secret: []byte("test secret")}}
}

// How late a parcel came is said in its two largest units, in the page's language.
func TestDuration(t *testing.T) {
	t.Parallel()
	s := newTestHandler(t, nil)
	tests := []struct {
		d      time.Duration
		zh, en string
	}{
		{28 * time.Hour, "1 天 4 小时", "1 day 4 hours"},
		{48 * time.Hour, "2 天", "2 days"},
		{49*time.Hour + 59*time.Minute, "2 天 1 小时", "2 days 1 hour"},
		{61 * time.Minute, "1 小时 1 分钟", "1 hour 1 minute"},
		{5 * time.Hour, "5 小时", "5 hours"},
		{45*time.Minute + 20*time.Second, "45 分钟", "45 minutes"},
		{10 * time.Second, "1 分钟", "1 minute"},
	}
	for _, tt := range tests {
		if got := s.duration("zh", tt.d); got != tt.zh {
			t.Errorf("duration(zh, %v) = %q, want %q", tt.d, got, tt.zh)
		}
		if got := s.duration("en", tt.d); got != tt.en {
			t.Errorf("duration(en, %v) = %q, want %q", tt.d, got, tt.en)
		}
	}
}
