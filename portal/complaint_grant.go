package portal

import (
	"crypto/hmac"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Complaint access: a browser that typed a complaint's reference and the last 4 digits of
// its contact phone (or filed it from a verified parcel) may follow it for a while. Like
// the verified-parcel cookie, the grant is a signed cookie listing complaint ids with an
// expiry each, so every instance trusts it without shared state.
const (
	cookieComplaints = "lcrm_complaints"
	complaintFor     = 2 * time.Hour
	maxGrants        = 20
)

// complaintGrants returns the complaint ids this browser may follow now.
func (s *Server) complaintGrants(c *fiber.Ctx) map[int64]time.Time {
	out := map[int64]time.Time{}
	payload, sig, ok := strings.Cut(c.Cookies(cookieComplaints), ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.sign("complaints:"+payload))) {
		return out
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return out
	}
	now := time.Now()
	for _, item := range strings.Split(string(raw), ",") {
		id, exp, _ := strings.Cut(item, ":")
		n, err1 := strconv.ParseInt(id, 10, 64)
		e, err2 := strconv.ParseInt(exp, 10, 64)
		if err1 == nil && err2 == nil && time.Unix(e, 0).After(now) {
			out[n] = time.Unix(e, 0)
		}
	}
	return out
}

// grantComplaint lets this browser follow complaint id for complaintFor. At most maxGrants
// grants are kept, always including this one, so the cookie stays small.
func (s *Server) grantComplaint(c *fiber.Ctx, id int64) {
	grants := s.complaintGrants(c)
	grants[id] = time.Now().Add(complaintFor)
	parts := make([]string, 0, len(grants))
	for gid, exp := range grants {
		if len(parts) < maxGrants || gid == id {
			parts = append(parts, strconv.FormatInt(gid, 10)+":"+strconv.FormatInt(exp.Unix(), 10))
		}
	}
	payload := base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, ",")))
	s.cookie(c, cookieComplaints, payload+"."+s.sign("complaints:"+payload), complaintFor)
}

// mayFollow reports whether this browser may see complaint id.
func (s *Server) mayFollow(c *fiber.Ctx, id int64) bool {
	_, ok := s.complaintGrants(c)[id]
	return ok
}
