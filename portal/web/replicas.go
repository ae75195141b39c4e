package web

import (
	"math"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"lcrm/internal/replica"
	"lcrm/shipments"
)

// readAfterCookie holds the primary's WAL position after this visitor's last write: their
// reads go to a replica only once it has replayed that far (read-your-writes). It is not
// signed: a forged value only sends the forger's own reads to the primary, or shows them
// a replica's view a moment old.
const readAfterCookie = "lcrm_ra"

// minReadAfterAge is the shortest life of the cookie; a longer LCRM_REPLICA_MAX_LAG
// makes it twice that (a replica within the limit has replayed the write by then).
const minReadAfterAge = time.Minute

// NoteWrites gives the visitor the read-after cookie after each successful form POST of
// the site (verify, subscribe, file a complaint, …): whatever the write was, the visitor's
// next pages read from a server that has it. The API and the provider webhooks carry no
// cookies and read their own writes from the primary. Without replicas it does nothing.
func (s *Core) NoteWrites(c *fiber.Ctx) error {
	set := s.deps.Replicas
	if set == nil || set.Len() == 0 {
		return c.Next()
	}
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if p := c.Path(); strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/webhooks/") {
		return c.Next()
	}
	if err := c.Next(); err != nil || c.Response().StatusCode() >= fiber.StatusBadRequest {
		return err
	}
	lsn, err := set.WriteLSN(c.UserContext())
	if err != nil {
		// The write is made; not knowing where it lies, keep this visitor on the primary.
		s.log.Warn("read replicas: write position unknown, visitor kept on the primary", "err", err)
		lsn = math.MaxUint64
	}
	s.Cookie(c, readAfterCookie, lsn.String(), max(minReadAfterAge, 2*set.MaxLag()))
	return nil
}

// ReadAfter is the WAL position this visitor's reads must see: their last write (0: none).
func ReadAfter(c *fiber.Ctx) replica.LSN {
	v := c.Cookies(readAfterCookie)
	if v == "" {
		return 0
	}
	lsn, err := replica.ParseLSN(v)
	if err != nil {
		return math.MaxUint64 // unreadable: the primary, which has every write
	}
	return lsn
}

// Track runs a public tracking read (the pages and the API) on a read replica that is
// fresh and has this visitor's last write, else on the primary; a replica that fails
// mid-read is left for the primary (replica.Reads.Do). Without TrackReads it reads
// Shipments.
func (st Stores) Track(c *fiber.Ctx, read func(*shipments.Store) error) error {
	if st.TrackReads == nil {
		return read(st.Shipments)
	}
	return st.TrackReads.Do(c.UserContext(), ReadAfter(c), read, shipments.ErrNotFound)
}
