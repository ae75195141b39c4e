package api

import (
	"encoding/json"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// The public tracking answer is the busiest response lcrm writes, and encoding/json spent a
// tenth of the request's CPU walking trackOut by reflection. appendTrack writes the same
// bytes as json.Marshal (TestTrackJSONSameAsMarshal), by hand.

// asciiEscape is how json.Marshal writes each ASCII byte inside a string (nil: as is). It
// is taken from json.Marshal itself, so the two cannot disagree (HTML-safe \u003c etc.).
var asciiEscape = func() (t [utf8.RuneSelf][]byte) {
	for c := 0; c < utf8.RuneSelf; c++ {
		b, _ := json.Marshal(string(rune(c)))
		if inner := b[1 : len(b)-1]; len(inner) != 1 {
			t[c] = inner
		}
	}
	return t
}()

// appendString writes s as a JSON string, as json.Marshal does: invalid UTF-8 becomes
// \ufffd, and U+2028 and U+2029 are escaped (JSONP safety).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if esc := asciiEscape[c]; esc != nil {
				b = append(append(b, s[start:i]...), esc...)
				start = i + 1
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(append(b, s[start:i]...), `\ufffd`...)
			i += size
			start = i
			continue
		case r == '\u2028' || r == '\u2029':
			b = append(append(b, s[start:i]...), `\u202`...)
			b = append(b, "89"[r-'\u2028'])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(append(b, s[start:]...), '"')
}

// appendTime writes t as time.Time.MarshalJSON does; ok is false for a time it refuses.
func appendTime(b []byte, t time.Time) ([]byte, bool) {
	if y := t.Year(); y < 0 || y > 9999 {
		return b, false
	}
	if _, off := t.Zone(); off <= -24*3600 || off >= 24*3600 { // RFC 3339 has no such offset: Marshal refuses it
		return b, false
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), true
}

// appendParty writes a partyOut.
func appendParty(b []byte, p *partyOut) []byte {
	b = append(b, '{')
	if p.Code != "" {
		b = appendString(append(b, `"code":`...), p.Code)
		b = append(b, ',')
	}
	b = appendString(append(b, `"name":`...), p.Name)
	b = appendString(append(b, `,"phone":`...), p.Phone)
	if p.Email != "" {
		b = appendString(append(b, `,"email":`...), p.Email)
	}
	if p.Tier != "" {
		b = appendString(append(b, `,"tier":`...), p.Tier)
	}
	return append(b, '}')
}

// appendTrack writes t exactly as json.Marshal(t) would, or returns ok false (a time out of
// JSON's range) for the caller to fall back on json.Marshal and its error.
func appendTrack(b []byte, t *trackOut) (_ []byte, ok bool) {
	b = appendString(append(b, `{"tracking_no":`...), t.TrackingNo)
	b = appendString(append(b, `,"status":`...), t.Status)
	b = appendString(append(b, `,"service_level":`...), t.ServiceLevel)
	b = appendString(append(b, `,"origin_city":`...), t.OriginCity)
	b = appendString(append(b, `,"dest_city":`...), t.DestCity)
	if b, ok = appendTime(append(b, `,"promised_at":`...), t.PromisedAt); !ok {
		return b, false
	}
	b = strconv.AppendBool(append(b, `,"late":`...), t.Late)
	if t.DeliveredAt != nil {
		if b, ok = appendTime(append(b, `,"delivered_at":`...), *t.DeliveredAt); !ok {
			return b, false
		}
	}
	if t.SignedBy != "" {
		b = appendString(append(b, `,"signed_by":`...), t.SignedBy)
	}
	b = appendParty(append(b, `,"shipper":`...), &t.Shipper)
	b = appendParty(append(b, `,"consignee":`...), &t.Consignee)
	b = append(b, `,"events":`...)
	if t.Events == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range t.Events {
			e := &t.Events[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			if e.EventID != "" {
				b = appendString(append(b, `"event_id":`...), e.EventID)
				b = append(b, ',')
			}
			b = appendString(append(b, `"code":`...), e.Code)
			if b, ok = appendTime(append(b, `,"occurred_at":`...), e.OccurredAt); !ok {
				return b, false
			}
			b = appendString(append(b, `,"location":`...), e.Location)
			if e.Note != "" {
				b = appendString(append(b, `,"note":`...), e.Note)
			}
			if e.SignedBy != "" {
				b = appendString(append(b, `,"signed_by":`...), e.SignedBy)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if e := t.Estimate; e != nil {
		if b, ok = appendTime(append(b, `,"estimate":{"from":`...), e.From); !ok {
			return b, false
		}
		if b, ok = appendTime(append(b, `,"to":`...), e.To); !ok {
			return b, false
		}
		b = appendString(append(b, `,"basis":`...), e.Basis)
		b = append(b, '}')
	}
	if t.EventsArchivedAt != nil {
		if b, ok = appendTime(append(b, `,"events_archived_at":`...), *t.EventsArchivedAt); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

// trackBufs keeps answer buffers between requests (the body is copied out by Send).
var trackBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// sendTrack answers with t as JSON, the bytes json.Marshal would write.
func sendTrack(c *fiber.Ctx, t *trackOut) error {
	bp := trackBufs.Get().(*[]byte)
	b, ok := appendTrack((*bp)[:0], t)
	if cap(b) <= 64<<10 { // a parcel with thousands of events keeps no large buffer
		*bp = b
		defer trackBufs.Put(bp)
	}
	if !ok {
		return c.JSON(t) // and its error
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(b)
}
