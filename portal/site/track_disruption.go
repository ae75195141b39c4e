package site

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/disruptions"
	"lcrm/shipments"
)

// disruptionNotice is what an affected parcel's page says instead of the generic delay
// apology (partial _track_disruption.html): the supervisor's notice in the page's language,
// the reason and the window.
type disruptionNotice struct {
	Text, Reason string
	From, To     time.Time
}

// disruptionFor returns the notice of the disruption affecting a parcel still on the road,
// or nil. It adds no query to the page: the disruptions store matches the parcel in Go
// against its list of current disruptions, read at most every few seconds
// (config.DefaultDisruptionCacheFor). If that list cannot be read the page shows the
// generic apology and the failure is logged: the tracking page is the hot path and must
// not fail over a notice.
func (s *handler) disruptionFor(c *fiber.Ctx, d *shipments.Detail, lang string) *disruptionNotice {
	if s.deps.Disruptions == nil || d.Status == shipments.Delivered || d.Status == shipments.Returned {
		return nil
	}
	dis, err := s.deps.Disruptions.Affecting(c.UserContext(), disruptions.Parcel{DestProvince: d.Dest.Province,
		DestCity: d.Dest.City, OriginCity: d.OriginCity, CreatedAt: d.CreatedAt}, s.Now(c))
	if err != nil {
		s.Logger(c).Warn("disruption notice left out", "err", err)
		return nil
	}
	if dis == nil {
		return nil
	}
	return &disruptionNotice{Text: dis.Notice(lang), Reason: string(dis.Reason), From: dis.StartsAt, To: dis.EndsAt}
}
