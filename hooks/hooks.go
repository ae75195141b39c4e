// Package hooks sends signed webhooks to shippers: it owns the endpoints a shipper
// registers (URL, event types, signing secret with rotation, enabled or disabled), an
// outbox of deliveries written in the transaction that made each event, and the sender
// that posts them with a lease, attempts and exponential backoff (like notify's SMS
// outbox). It knows nothing of HTTP serving; notify/webhooks.go is Twilio's incoming
// webhook, unrelated.
package hooks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"lcrm/internal/errs"
)

// Event types a shipper may subscribe to.
const (
	ShipmentStatusChanged = "shipment.status_changed"
	ShipmentDelivered     = "shipment.delivered"
	ShipmentDelayed       = "shipment.delayed"
	ComplaintCreated      = "complaint.created"
	ComplaintUpdated      = "complaint.updated"
	ComplaintResolved     = "complaint.resolved"
	SurveyAnswered        = "survey.answered"
	RequestCreated        = "request.created"
)

// EventTypes lists every event type, in the order pages show them.
var EventTypes = []string{ShipmentStatusChanged, ShipmentDelivered, ShipmentDelayed,
	ComplaintCreated, ComplaintUpdated, ComplaintResolved, SurveyAnswered, RequestCreated}

// Errors of the package.
var (
	// ErrNotFound: no such endpoint or delivery for this shipper (another shipper's is not found too).
	ErrNotFound = errs.New(errs.NotFound, "webhooks.error.not_found", "hooks: not found")
	// ErrNotFinished: a delivery still pending cannot be sent again.
	ErrNotFinished = errs.New(errs.Conflict, "webhooks.error.not_finished", "hooks: delivery still pending")
)

// Catalogue keys of field errors (portal/web/i18n/webhooks.*.json).
const (
	KeyBadURL       = "webhooks.field.url"
	KeyPrivateURL   = "webhooks.field.url_private"
	KeyUnresolvable = "webhooks.field.url_unresolvable"
	KeyBadEvents    = "webhooks.field.events"
)

var english = map[string]string{
	KeyBadURL:       "must be an absolute http or https URL without user name or password",
	KeyPrivateURL:   "resolves to a loopback, private or link-local address",
	KeyUnresolvable: "has a host name that does not resolve",
	KeyBadEvents:    "must list one or more of: " + strings.Join(EventTypes, ", "),
}

func field(name, key string) errs.FieldError {
	return errs.FieldError{Field: name, Key: key, Message: english[key]}
}

// Querier is a pool or a transaction: events are enqueued inside the caller's transaction.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Endpoint is one URL of a shipper's that receives events. The secret is never read back
// after it is made (Register and Rotate return it once).
type Endpoint struct {
	ID        int64
	ShipperID int64
	URL       string
	Events    []string
	Enabled   bool
	// OldSecretUntil is when the secret replaced by the last rotation stops signing.
	OldSecretUntil *time.Time
	// FailingSince is the first failed attempt since the last success.
	FailingSince   *time.Time
	DisabledAt     *time.Time
	DisabledReason string
	CreatedAt      time.Time
}

// Reasons an endpoint was disabled.
const (
	// ReasonFailing: every delivery failed for the disable period (3 days by default).
	ReasonFailing = "failing"
)

// normalizeEvents checks and dedupes event types, keeping EventTypes' order.
func normalizeEvents(in []string) ([]string, bool) {
	var out []string
	for _, e := range in {
		e = strings.TrimSpace(e)
		if !slices.Contains(EventTypes, e) {
			return nil, false
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return slices.Index(EventTypes, a) - slices.Index(EventTypes, b) })
	return out, len(out) > 0
}

// CheckURL validates an endpoint URL: absolute http(s), no user info, and (unless
// allowPrivate) a host that resolves only to public addresses. It returns the field
// error's key, or "".
func CheckURL(ctx context.Context, r *net.Resolver, raw string, allowPrivate bool) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.Hostname() == "" || len(raw) > 2000 {
		return KeyBadURL
	}
	if allowPrivate {
		return ""
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); ip != nil {
		if Private(ip) {
			return KeyPrivateURL
		}
		return ""
	}
	if r == nil {
		r = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := r.LookupIPAddr(ctx, host)
	if err != nil || len(addrs) == 0 {
		return KeyUnresolvable
	}
	for _, a := range addrs {
		if Private(a.IP) {
			return KeyPrivateURL
		}
	}
	return ""
}

// Private reports whether ip is one a webhook must not reach (SSRF): loopback, private
// (RFC 1918, fc00::/7), link-local, unspecified, multicast, CGNAT (100.64/10), or an
// IPv4-mapped form of those.
func Private(ip net.IP) bool {
	if v4 := ip.To4(); v4 != nil {
		ip = v4
		if v4[0] == 100 && v4[1]&0xc0 == 64 || v4[0] == 0 {
			return true
		}
	}
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified()
}

// newSecret is a fresh signing secret.
func newSecret() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("hooks: random: %v", err))
	}
	return "whsec_" + hex.EncodeToString(b)
}
