package config

import "time"

// The defaults of every setting and of every tunable a domain package falls back to when
// its caller gives none. They live here only: config.Load uses them for unset variables,
// and the domain packages take them from here (or from their caller) instead of keeping
// copies. Fixed business rules (ReopenWindow, RevealsPerHour, ...) are not defaults and
// stay next to the rule they belong to.

// Server and input defaults.
const (
	DefaultDataDir          = "./lcrm-data"
	DefaultAddr             = ":8080"
	DefaultPublicURL        = "http://localhost:8080"
	DefaultLookupsPerMinute = 60 // public lookups per client address (LCRM_LOOKUPS_PER_MINUTE)
	DefaultMaxBodyBytes     = 1 << 20
	DefaultMaxAPIBytes      = 4 << 20
	DefaultMaxImportBytes   = 64 << 20
	// DefaultTimePast and DefaultTimeFuture bound the plausible times of shipments and
	// events (LCRM_TIME_PAST, LCRM_TIME_FUTURE; shipments.DefaultTimeWindow).
	DefaultTimePast   = 730 * 24 * time.Hour
	DefaultTimeFuture = 365 * 24 * time.Hour
)

// HTTP server tunables (package portal and its core, portal/web). They are not settings:
// no variable changes them.
const (
	// DefaultReadTimeout bounds reading one request, body included (Fiber's ReadTimeout).
	DefaultReadTimeout = 60 * time.Second
	// DefaultWriteTimeout bounds writing one answer (Fiber's WriteTimeout).
	DefaultWriteTimeout = 120 * time.Second
	// DefaultIdleTimeout is how long a keep-alive connection may wait for its next
	// request (Fiber's IdleTimeout).
	DefaultIdleTimeout = 120 * time.Second
	// DefaultReadyTimeout bounds /readyz's database and schema check.
	DefaultReadyTimeout = 2 * time.Second
	// DefaultOutageLogEvery is how often an ongoing database outage is logged: one line
	// per interval with the number of failed requests since the last line.
	DefaultOutageLogEvery = 10 * time.Second
	// DefaultRunNowTimeout bounds a "run now" from the console's jobs page: the page waits
	// for the run so it can show the outcome.
	DefaultRunNowTimeout = 100 * time.Second
)

// SMS outbox defaults (package notify; LCRM_SMS_*).
const (
	DefaultSMSSignature   = "【顺达物流】"
	DefaultSMSQuietStart  = 21 * 60 // minutes after midnight, recipient's local time
	DefaultSMSQuietEnd    = 8 * 60
	DefaultSMSDailyCap    = 3 // care messages per phone per local day
	DefaultSMSRate        = 10.0
	DefaultSMSMaxSegments = 3
)

// SMS dispatcher defaults (notify.DispatchConfig).
const (
	DefaultDispatchWorkers     = 4
	DefaultDispatchBatch       = 20
	DefaultDispatchMaxAttempts = 6
	DefaultDispatchLease       = 60 * time.Second
	DefaultDispatchBackoff     = 30 * time.Second
	DefaultDispatchMaxBackoff  = time.Hour
	DefaultDispatchPoll        = time.Second
)

// Status SMS defaults (package statussms; LCRM_STATUS_SMS_EVERY).
const (
	// DefaultStatusSMSEvery is how often the status SMS rule hands status changes to the
	// outbox: an SMS is queued at most this long after the event that changed the status.
	DefaultStatusSMSEvery = 2 * time.Second
	// DefaultStatusSMSMaxAge is how old a status change may be and still be texted (after
	// an outage, older news is handed on silently).
	DefaultStatusSMSMaxAge = 6 * time.Hour
)

// Session and API key defaults (package accounts).
const (
	DefaultSessionIdle = 12 * time.Hour     // an idle session ends
	DefaultSessionMax  = 7 * 24 * time.Hour // every session ends
	// DefaultSessionPurgeAfter is how long past its end a session row is kept before a
	// logout sweeps it away.
	DefaultSessionPurgeAfter = 24 * time.Hour
	// DefaultKeyUseEvery is how often an API key's last use is written at most.
	DefaultKeyUseEvery = time.Minute
)

// Complaint desk defaults (package complaints).
const (
	// DefaultEscalationInterval is how long a breach waits before it climbs one more level.
	DefaultEscalationInterval = 2 * time.Hour
)

// Care job defaults (care.Deps).
const (
	DefaultSurveyWithin   = 72 * time.Hour      // survey parcels delivered this recently
	DefaultSurveyValid    = 30 * 24 * time.Hour // a survey link works this long after delivery
	DefaultFollowupWithin = 72 * time.Hour      // follow up complaints resolved this recently
)

// Page sizes of the domain lists: a caller asking for none (or, where there is a Max, more
// than it) gets the Default page.
const (
	DefaultShipmentPage   = 50
	MaxShipmentPage       = 10000 // exports read one page
	DefaultComplaintPage  = 100
	MaxComplaintPage      = 1000
	DefaultAuditPage      = 100
	MaxAuditPage          = 1000
	DefaultJobRunPage     = 50
	MaxJobRunPage         = 1000
	DefaultSMSHistoryPage = 100
	MaxSMSHistoryPage     = 500
	DefaultContactPage    = 50
	MaxContactPage        = 500
	DefaultSearchPage     = 20
	MaxSearchPage         = 100
	DefaultWatchPage      = 500
	MaxWatchPage          = 5000
)

// Outgoing webhooks (package hooks).
const (
	DefaultWebhookWorkers      = 4
	DefaultWebhookBatch        = 20
	DefaultWebhookLease        = 60 * time.Second
	DefaultWebhookTimeout      = 10 * time.Second
	DefaultWebhookBackoff      = time.Minute
	DefaultWebhookMaxBackoff   = 6 * time.Hour
	DefaultWebhookRetryFor     = 72 * time.Hour
	DefaultWebhookDisableAfter = 72 * time.Hour
	DefaultWebhookRotateGrace  = 24 * time.Hour
	DefaultWebhookPoll         = time.Second
)

// Regulator appeal defaults (package complaints; LCRM_APPEAL_REPLY_WINDOW).
const (
	// DefaultAppealReplyWindow is the reply deadline of an appeal when the regulator's
	// transfer names none: this long after it was received.
	DefaultAppealReplyWindow = 7 * 24 * time.Hour
)

// Delivery requests from the tracking page (package requests).
const (
	// DefaultRequestAnswerMinutes is the dispatch queue's SLA: working minutes on the
	// service desk's calendar to accept or decline a request.
	DefaultRequestAnswerMinutes = 120
	// DefaultRequestWindowDays is how many days ahead (today included) a delivery window
	// may be booked.
	DefaultRequestWindowDays = 3
	// DefaultUrgeGap is the least time between two counted "where is my parcel" urges of
	// one parcel: pressing again sooner is the same urge.
	DefaultUrgeGap = 30 * time.Minute
	// DefaultUrgeTaskAt is the urge count that opens a staff task.
	DefaultUrgeTaskAt = 3
	// DefaultRequestPage bounds the dispatch queue and the API list.
	DefaultRequestPage = 200
)

// Disruption mode (package disruptions).
const (
	// DefaultDisruptionCacheFor is how long an instance reuses its list of disruptions for
	// the tracking pages before reading it again: a declaration shows everywhere within it.
	DefaultDisruptionCacheFor = 5 * time.Second
	// DefaultDisruptionNoticeFor is how long after a disruption's window its notice still
	// shows on the pages of affected parcels that are still on the road.
	DefaultDisruptionNoticeFor = 30 * 24 * time.Hour
	DefaultDisruptionPage      = 200
)
