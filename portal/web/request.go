package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// maxRequestID is the longest X-Request-ID accepted from a client.
const maxRequestID = 64

// loggerKey is the user context's key of the request's logger.
type loggerKey struct{}

// RequestScope is the first middleware: it gives the request an id (a sane X-Request-ID
// from the client, or a new one), echoes it in the response, and gives the handlers a
// context with a deadline and a logger that names the id. Handlers pass c.UserContext()
// to the domain, so every statement of the request ends with it: past the deadline pgx
// drops the connection and sends PostgreSQL a cancel request for the statement, and the
// request answers 503 (dberr.TimedOut). fasthttp does not cancel a request whose client hangs up, so the
// deadline is what bounds the work of a request nobody waits for any more. The context is
// cancelled when the request is done, error page included.
func (s *Core) RequestScope(c *fiber.Ctx) error {
	id := requestID(c.Get(fiber.HeaderXRequestID))
	c.Set(fiber.HeaderXRequestID, id)
	timeout := s.cfg.RequestTimeout
	if isDownload(c.Path()) {
		timeout = s.cfg.DownloadTimeout
	}
	// Not c.Context() as the parent: fasthttp ends that on shutdown, and a graceful
	// shutdown lets requests in flight finish.
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c.SetUserContext(context.WithValue(ctx, loggerKey{}, s.log.With(slog.String("request_id", id))))
	return c.Next()
}

// Logger is the request's logger: the server's, with the request id.
func (s *Core) Logger(c *fiber.Ctx) *slog.Logger {
	if l, ok := c.UserContext().Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return s.log
}

// requestID returns the client's id when it is 1 to 64 letters, digits, '-', '_' or '.'
// (nothing that could forge a log field), else a new random one.
func requestID(in string) string {
	ok := in != "" && len(in) <= maxRequestID
	for i := 0; ok && i < len(in); i++ {
		b := in[i]
		ok = b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.'
	}
	if ok {
		return in
	}
	b := make([]byte, 12)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// isDownload reports whether path is a workbook download or an import, which get the
// download deadline instead of the request deadline.
func isDownload(path string) bool {
	p := strings.ToLower(path) // routes match in any case
	return strings.HasSuffix(p, ".xlsx") || strings.HasPrefix(p, "/api/v1/import/") ||
		strings.HasPrefix(p, "/console/kpi/files/")
}

// maxLoggedPath bounds the path written to a log line.
const maxLoggedPath = 200

// logPath is the path as logs show it: without the query (reset codes, tokens and phone
// digits travel there), with the survey link's token (a secret that opens the survey)
// replaced by "…", and cut at maxLoggedPath bytes.
func logPath(path string) string {
	if lower := strings.ToLower(path); strings.HasPrefix(lower, "/survey/") {
		path = "/survey/…"
		if strings.HasSuffix(lower, "/thanks") {
			path += "/thanks"
		}
	}
	if len(path) > maxLoggedPath {
		path = strings.ToValidUTF8(path[:maxLoggedPath], "") + "…"
	}
	return path
}

// AccessLog writes one line per request at info: method, path (see logPath), status,
// duration, client address and, through the request's logger, the request id. Errors
// are rendered here, inside the request's scope, so the line has the final status.
func (s *Core) AccessLog(c *fiber.Ctx) error {
	start := time.Now() // the wall clock, not Core.Now: the log measures real latency
	err := c.Next()
	if err != nil {
		if herr := c.App().Config().ErrorHandler(c, err); herr != nil {
			c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	s.Logger(c).LogAttrs(c.UserContext(), slog.LevelInfo, "request",
		slog.String("method", c.Method()), slog.String("path", logPath(c.Path())), slog.String("ip", c.IP()),
		slog.Int("status", c.Response().StatusCode()), slog.Duration("took", time.Since(start)))
	return nil
}
