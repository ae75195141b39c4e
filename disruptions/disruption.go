// Package disruptions is disruption mode (大面积延误 / 不可抗力): a supervisor declares that
// parcels to (and, when asked, from) some provinces or cities are late for a reason beyond
// the courier's control, for a window of time, with a notice in Chinese and English.
//
// What a declaration changes elsewhere:
//   - the tracking page of an affected parcel shows the notice instead of the generic delay
//     apology (the portal matches parcels in Go against Store.Current, a list cached for a
//     few seconds, so the page keeps its one SQL round trip);
//   - the slow sign-off job (care) sends one disruption SMS per consignee instead of one
//     apology per parcel, and raises no supervisor alerts for affected parcels;
//   - complaints about affected parcels are tagged, and their SLA clocks pause for the
//     window (complaints.Pause; at filing through Store.FilingPauses, at declaration,
//     edit and end through complaints.Store.SetPause);
//   - the KPIs can leave affected parcels out (reports.Filter.ExcludeDisrupted).
//
// Which parcels a disruption affects is written once in SQL (the disrupted_shipments view,
// migration 026) and once in Go (Disruption.Affects, for the tracking page); a test checks
// the two agree. Declaring, editing and ending are audited with the values before and after.
//
// It knows nothing of HTTP.
package disruptions

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"lcrm/internal/errs"
)

// Reason is why parcels are late.
type Reason string

// The reasons, in the order forms show them.
const (
	Weather        Reason = "weather"         // snow, storms, typhoons
	Flood          Reason = "flood"           //
	HubClosed      Reason = "hub_closed"      // a sorting centre or station closed
	TrafficControl Reason = "traffic_control" // roads or areas closed by the authorities
	Epidemic       Reason = "epidemic"        // health measures
	Other          Reason = "other"
)

// Reasons lists every reason in display order.
var Reasons = []Reason{Weather, Flood, HubClosed, TrafficControl, Epidemic, Other}

// Valid reports whether r is a known reason.
func (r Reason) Valid() bool { return slices.Contains(Reasons, r) }

// Limits of a declaration.
const (
	MaxPlaces    = 50  // provinces plus cities
	MaxPlaceLen  = 30  // characters of one name
	MaxNotice    = 300 // characters of each notice (an SMS carries it)
	MaxWindow    = 31 * 24 * time.Hour
	maxKeyLength = 200
)

// Disruption is one declared disruption.
type Disruption struct {
	ID        int64
	Provinces []string // as NormalizePlace leaves them
	Cities    []string
	// IncludeOrigin: parcels leaving the area are affected too: those whose origin city is
	// one of OriginCities (the Cities and the cities of the Provinces, from city_provinces
	// when the disruption was last saved).
	IncludeOrigin      bool
	OriginCities       []string
	StartsAt, EndsAt   time.Time // the window [StartsAt, EndsAt)
	Reason             Reason
	NoticeZH, NoticeEN string
	CreatedBy          int64
	CreatedByName      string
	CreatedAt          time.Time
	UpdatedAt          time.Time
	EndedAt            *time.Time // when a supervisor ended it (EndsAt is then that moment)
	EndedBy            int64
}

// Key is the disruption's key in complaint_pauses and SMS idempotency keys.
func (d *Disruption) Key() string { return "disruption:" + strconv.FormatInt(d.ID, 10) }

// Notice is the notice in lang ("en" or Chinese).
func (d *Disruption) Notice(lang string) string {
	if lang == "en" {
		return d.NoticeEN
	}
	return d.NoticeZH
}

// State is where the disruption stands at now: "upcoming", "active" or "over".
func (d *Disruption) State(now time.Time) string {
	switch {
	case now.Before(d.StartsAt):
		return "upcoming"
	case now.Before(d.EndsAt):
		return "active"
	}
	return "over"
}

// Input is what a supervisor declares or edits.
type Input struct {
	Provinces, Cities  []string
	IncludeOrigin      bool
	StartsAt, EndsAt   time.Time
	Reason             Reason
	NoticeZH, NoticeEN string
	// IdempotencyKey is the declare form's nonce: the same key declares one disruption.
	IdempotencyKey string
}

// placeSuffixes are the administrative suffixes NormalizePlace drops, longest first (the
// same list as the SQL function disruption_place).
var placeSuffixes = []string{"特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市"}

// NormalizePlace is the form of a province or city name disruptions compare: trimmed and
// without its administrative suffix, so "广东省" and "广东", "北京市" and "北京" are one place.
// Only one suffix goes, as in SQL.
func NormalizePlace(s string) string {
	s = strings.TrimSpace(s)
	for _, suf := range placeSuffixes {
		if strings.HasSuffix(s, suf) {
			return strings.TrimSuffix(s, suf)
		}
	}
	return s
}

// SplitPlaces reads a typed list of places: separated by commas (, ，), 、, semicolons,
// spaces or new lines; each normalised, duplicates and empties dropped, order kept.
func SplitPlaces(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' || unicode.IsSpace(r)
	})
	var out []string
	for _, p := range parts {
		if n := NormalizePlace(p); n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// normalize cleans the input and reports every invalid field at once.
func (in *Input) normalize() error {
	var v errs.ValidationError
	clean := func(ps []string) []string {
		out := []string{} // never NULL in the table
		for _, p := range ps {
			if n := NormalizePlace(p); n != "" && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
		return out
	}
	in.Provinces, in.Cities = clean(in.Provinces), clean(in.Cities)
	switch n := len(in.Provinces) + len(in.Cities); {
	case n == 0:
		v.AddKey("provinces", "disruption.err_no_place", nil)
	case n > MaxPlaces:
		v.AddKey("provinces", "disruption.err_places_max", map[string]any{"Max": MaxPlaces})
	}
	for _, p := range slices.Concat(in.Provinces, in.Cities) {
		if !v.Text("provinces", p, MaxPlaceLen, false) {
			break
		}
	}
	switch {
	case in.StartsAt.IsZero():
		v.AddKey("starts_at", errs.KeyRequired, nil)
	case in.EndsAt.IsZero():
		v.AddKey("ends_at", errs.KeyRequired, nil)
	case !in.EndsAt.After(in.StartsAt):
		v.AddKey("ends_at", "disruption.err_window", nil)
	case in.EndsAt.Sub(in.StartsAt) > MaxWindow:
		v.AddKey("ends_at", "disruption.err_window_long", map[string]any{"Days": int(MaxWindow.Hours() / 24)})
	}
	if !in.Reason.Valid() {
		v.AddKey("reason", "disruption.err_reason", nil)
	}
	in.NoticeZH, in.NoticeEN = strings.TrimSpace(in.NoticeZH), strings.TrimSpace(in.NoticeEN)
	for field, s := range map[string]string{"notice_zh": in.NoticeZH, "notice_en": in.NoticeEN} {
		if s == "" {
			v.AddKey(field, errs.KeyRequired, nil)
		} else {
			v.Text(field, s, MaxNotice, true)
		}
	}
	in.IdempotencyKey = strings.TrimSpace(in.IdempotencyKey)
	if len(in.IdempotencyKey) > maxKeyLength {
		in.IdempotencyKey = in.IdempotencyKey[:maxKeyLength]
	}
	return v.Err()
}

// Parcel is what matching needs to know of a shipment.
type Parcel struct {
	DestProvince, DestCity string
	OriginCity             string
	CreatedAt              time.Time
	// Final is true when the parcel was delivered or returned, at FinalAt (delivered_at,
	// else the last event's time).
	Final   bool
	FinalAt time.Time
}

// Affects reports whether the disruption affects the parcel: its destination (or, with
// IncludeOrigin, its origin) in the area, created before the window ended, and not
// delivered or returned before it began. It is the rule of the SQL view
// disrupted_shipments; as of now, a window not begun yet affects nothing.
func (d *Disruption) Affects(p Parcel, now time.Time) bool {
	return d.affects(p.normalized(), now)
}

// normalized is p with its place names as NormalizePlace leaves them.
func (p Parcel) normalized() Parcel {
	p.DestProvince, p.DestCity, p.OriginCity = NormalizePlace(p.DestProvince), NormalizePlace(p.DestCity), NormalizePlace(p.OriginCity)
	return p
}

// affects is Affects for a parcel already normalized.
func (d *Disruption) affects(p Parcel, now time.Time) bool {
	if now.Before(d.StartsAt) || !p.CreatedAt.Before(d.EndsAt) || (p.Final && p.FinalAt.Before(d.StartsAt)) {
		return false
	}
	in := func(list []string, name string) bool { return name != "" && slices.Contains(list, name) }
	if in(d.Provinces, p.DestProvince) || in(d.Cities, p.DestCity) {
		return true
	}
	return d.IncludeOrigin && in(d.OriginCities, p.OriginCity)
}
