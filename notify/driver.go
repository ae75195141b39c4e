package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	twilio "github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"
)

// Outgoing is one message handed to a driver.
type Outgoing struct {
	ID             int64
	To, Body       string
	StatusCallback string // where the provider posts delivery receipts ("" for none)
}

// Driver sends messages.
type Driver interface {
	// Name is "twilio" or "log".
	Name() string
	// Send hands m to the provider and returns its id for the message.
	// Errors are *SendError when the provider answered.
	Send(ctx context.Context, m Outgoing) (sid string, err error)
	// Find looks for messages to `to` with body created at or after since, for a send whose
	// outcome is unknown, and returns their ids, newest first (none when the provider has
	// none). It must find a message the provider has taken but not sent yet.
	Find(ctx context.Context, to, body string, since time.Time) (sids []string, err error)
}

// SendError is a provider's refusal.
type SendError struct {
	Status    int // HTTP status
	Code      int // provider error code, e.g. 21211
	Message   string
	Permanent bool // retrying cannot help
}

// Error describes the provider's answer.
func (e *SendError) Error() string {
	return fmt.Sprintf("notify: provider refused (%d, code %d): %s", e.Status, e.Code, e.Message)
}

// Twilio error codes with a meaning of their own here.
const (
	CodeInvalidNumber = 21211
	CodeUnsubscribed  = 21610
)

// TwilioConfig configures the Twilio driver.
type TwilioConfig struct {
	AccountSID, AuthToken string
	From                  string        // sender number, or
	MessagingServiceSID   string        // a messaging service (preferred when both are set)
	APIBase               string        // e.g. a fake's URL; "" for Twilio itself
	Timeout               time.Duration // per request; default 10s
}

// Twilio sends through twilio-go's Messages API.
type Twilio struct {
	cfg  TwilioConfig
	rest *twilio.RestClient
}

// NewTwilio returns the Twilio driver.
func NewTwilio(cfg TwilioConfig) *Twilio {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	hc := &http.Client{Timeout: cfg.Timeout}
	if cfg.APIBase != "" {
		if base, err := url.Parse(cfg.APIBase); err == nil {
			hc.Transport = rebase{base: base, next: http.DefaultTransport}
		}
	}
	// twilio-go has no base-URL option: its requests go to api.twilio.com and the
	// transport sends them to APIBase instead.
	c := &client.Client{Credentials: client.NewCredentials(cfg.AccountSID, cfg.AuthToken), HTTPClient: hc}
	c.SetAccountSid(cfg.AccountSID)
	return &Twilio{cfg: cfg, rest: twilio.NewRestClientWithParams(twilio.ClientParams{Client: c})}
}

type rebase struct {
	base *url.URL
	next http.RoundTripper
}

func (r rebase) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host = r.base.Scheme, r.base.Host
	req.Host = r.base.Host
	return r.next.RoundTrip(req)
}

// Name is "twilio".
func (t *Twilio) Name() string { return "twilio" }

// Send creates the message with Twilio.
func (t *Twilio) Send(ctx context.Context, m Outgoing) (string, error) {
	p := &api.CreateMessageParams{}
	p.SetTo(m.To).SetBody(m.Body)
	if t.cfg.MessagingServiceSID != "" {
		p.SetMessagingServiceSid(t.cfg.MessagingServiceSID)
	} else {
		p.SetFrom(t.cfg.From)
	}
	if m.StatusCallback != "" {
		p.SetStatusCallback(m.StatusCallback)
	}
	res, err := t.rest.Api.CreateMessage(p)
	if err != nil {
		return "", classify(err)
	}
	if res.Sid == nil {
		return "", errors.New("notify: twilio answered without a sid")
	}
	return *res.Sid, nil
}

// findLimit bounds how many of a recipient's latest messages Find reads (one page).
const findLimit = 100

// findSkew is how far Twilio's clock (date_created) may lag the one that set since.
const findSkew = time.Minute

// Find lists the latest messages to `to` and returns those with the same body created
// since `since` (less findSkew), newest first. It filters on no date: Twilio leaves a
// message's date_sent null while it is queued or accepted, so a DateSent filter misses
// exactly the messages a crash leaves behind (taken by Twilio a moment before the crash,
// still in its queue at recovery). date_created is set at once and is checked here.
func (t *Twilio) Find(ctx context.Context, to, body string, since time.Time) ([]string, error) {
	p := &api.ListMessageParams{}
	p.SetTo(to).SetLimit(findLimit)
	if t.cfg.MessagingServiceSID == "" && t.cfg.From != "" {
		p.SetFrom(t.cfg.From)
	}
	msgs, err := t.rest.Api.ListMessage(p)
	if err != nil {
		return nil, classify(err)
	}
	after := since.Add(-findSkew)
	var sids []string
	for _, m := range msgs {
		if m.Body == nil || *m.Body != body || m.Sid == nil {
			continue
		}
		if m.DateCreated != nil {
			// An unreadable date counts as recent: adopting beats sending twice.
			if c, err := time.Parse(time.RFC1123Z, *m.DateCreated); err == nil && c.Before(after) {
				continue
			}
		}
		sids = append(sids, *m.Sid)
	}
	return sids, nil
}

// classify turns twilio-go's errors into SendError; anything else (network) is returned
// as is and retried.
func classify(err error) error {
	var te *client.TwilioRestError
	if !errors.As(err, &te) {
		return err
	}
	// 401 is our configuration, not the message: retried, so fixing the token heals it.
	perm := te.Status != http.StatusTooManyRequests && te.Status != http.StatusUnauthorized && te.Status < 500
	return &SendError{Status: te.Status, Code: te.Code, Message: te.Message, Permanent: perm}
}

// LogDriver records messages as sent with a local id ("LOG" + outbox id) and logs them.
// It is used when Twilio is not configured, so nothing is silently dropped.
type LogDriver struct{ Log *slog.Logger }

// Name is "log".
func (l LogDriver) Name() string { return "log" }

// Send logs m.
func (l LogDriver) Send(ctx context.Context, m Outgoing) (string, error) {
	lg := l.Log
	if lg == nil {
		lg = slog.Default()
	}
	sid := fmt.Sprintf("LOG%d", m.ID)
	lg.InfoContext(ctx, "sms (log driver)", "id", m.ID, "to", m.To, "body", m.Body, "sid", sid)
	return sid, nil
}

// Find never finds anything: a log send cannot have happened without being recorded
// (Send has no side effect beyond the log line).
func (l LogDriver) Find(ctx context.Context, to, body string, since time.Time) ([]string, error) {
	return nil, nil
}

// NewDriver picks the driver: Twilio when the account, token and a sender (From or a
// messaging service) are all set, otherwise the log driver (logged once as a warning, so a
// missing setting is visible rather than silently sending nothing).
func NewDriver(cfg TwilioConfig, log *slog.Logger) Driver {
	if log == nil {
		log = slog.Default()
	}
	if cfg.AccountSID != "" && cfg.AuthToken != "" && (cfg.From != "" || cfg.MessagingServiceSID != "") {
		return NewTwilio(cfg)
	}
	log.Warn("sms: Twilio not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID); messages go to the log driver")
	return LogDriver{Log: log}
}
