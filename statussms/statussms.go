// Package statussms texts a parcel's status changes: to every phone subscribed on the
// tracking page, in the language it subscribed in, and to the consignee when the parcel's
// shipper turned that on. It owns the settings (which statuses text, which shippers text
// their consignees) and the rule that turns a status change into outbox messages.
//
// The rule reads the changes shipments records with each event (HandOnStatusChanges,
// consumer shipments.ConsumerSMS) and enqueues into the SMS outbox through the same
// transaction that marks them handed on, so a change is texted once or, after a crash,
// handed on again; the outbox key status:<shipment>:<to_status>:<event_key>:<phone>
// makes a second hand-on (and an event sent again) store nothing new.
//
// Why a package of its own: it reads shipments, their subscriptions and the shippers'
// settings and writes through notify; in shipments it would make the parcel model know SMS
// wording, in care it would tie a per-event rule to the scheduled care jobs.
package statussms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/customers"
	"lcrm/internal/clock"
	"lcrm/internal/config"
	"lcrm/notify"
	"lcrm/shipments"
)

// Deps is what the rule needs.
type Deps struct {
	Pool      *pgxpool.Pool
	Outbox    *notify.Outbox
	Shipments *shipments.Store
	// PublicURL is the site's address as customers see it: every SMS links to
	// PublicURL/track/<number>.
	PublicURL string
	// Now is the rule's clock (clock.System when nil): a change older than MaxAge by it is
	// handed on without a text.
	Now clock.Clock
	// MaxAge is how old a change may be and still be texted (default
	// config.DefaultStatusSMSMaxAge): after an outage, yesterday's "picked up" is noise.
	MaxAge time.Duration
	// Batch is how many changes one transaction hands on (default 200).
	Batch int
	Log   *slog.Logger
}

func (d Deps) withDefaults() Deps {
	if d.Now == nil {
		d.Now = clock.System
	}
	if d.MaxAge <= 0 {
		d.MaxAge = config.DefaultStatusSMSMaxAge
	}
	if d.Batch <= 0 {
		d.Batch = 200
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	d.PublicURL = strings.TrimRight(d.PublicURL, "/")
	return d
}

// words is each status in words, as it reads after the tracking number in the SMS
// ("您的包裹SF123正在派送，查看：…", "Your parcel SF123 is out for delivery. Track: …").
var words = map[string]map[shipments.Code]string{
	"zh": {
		shipments.Created: "已下单", shipments.PickedUp: "已揽收", shipments.InTransit: "运输中",
		shipments.ArrivedAtStation: "已到达派送网点", shipments.OutForDelivery: "正在派送",
		shipments.DeliveryFailed: "派送未成功", shipments.Delivered: "已签收",
		shipments.Exception: "运输异常", shipments.Returned: "已退回寄件人",
	},
	"en": {
		shipments.Created: "was created", shipments.PickedUp: "was picked up", shipments.InTransit: "is in transit",
		shipments.ArrivedAtStation: "reached the delivery station", shipments.OutForDelivery: "is out for delivery",
		shipments.DeliveryFailed: "could not be delivered", shipments.Delivered: "was delivered",
		shipments.Exception: "has a problem in transit", shipments.Returned: "was returned to the sender",
	},
}

// kindOf is the outbox kind of a status SMS: out for delivery goes out even in quiet hours
// (the consignee needs it now), delivered and returned still go out once the parcel is
// delivered; the others are dropped if the parcel is delivered before they leave.
func kindOf(c shipments.Code) notify.Kind {
	switch c {
	case shipments.OutForDelivery:
		return notify.KindStatusNow
	case shipments.Delivered, shipments.Returned:
		return notify.KindStatusFinal
	}
	return notify.KindStatus
}

// smsLocale maps a stored locale (zh-CN, en, ...) to the outbox's "zh" or "en".
func smsLocale(l string) string {
	if strings.HasPrefix(strings.ToLower(l), "en") {
		return "en"
	}
	return "zh"
}

// recipient is one phone to text about one shipment.
type recipient struct {
	phone, locale string
}

// Send hands on the status changes not yet texted, a batch per transaction, until none
// is left, and returns how many changes it handed on. Each change in a status that texts
// (Settings) becomes one SMS per recipient: the parcel's subscribers, and its consignee
// when its shipper turned consignee SMS on (a phone that is both gets one, in the
// subscriber's language).
func Send(ctx context.Context, d Deps) (int, error) {
	d = d.withDefaults()
	total := 0
	for {
		n, err := d.Shipments.HandOnStatusChanges(ctx, shipments.ConsumerSMS, d.Batch, func(ctx context.Context, tx pgx.Tx, changes []shipments.StatusChange) error {
			return enqueue(ctx, d, tx, changes)
		})
		total += n
		if err != nil {
			return total, fmt.Errorf("statussms: send: %w", err)
		}
		if n < d.Batch || ctx.Err() != nil {
			return total, nil
		}
	}
}

// enqueue writes the messages of changes through tx.
func enqueue(ctx context.Context, d Deps, tx pgx.Tx, changes []shipments.StatusChange) error {
	now := d.Now()
	on, err := texting(ctx, tx)
	if err != nil {
		return fmt.Errorf("statuses: %w", err)
	}
	var ids []int64
	for _, c := range changes {
		if on[c.To] && now.Sub(c.ChangedAt) <= d.MaxAge {
			ids = append(ids, c.ShipmentID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	to, err := recipients(ctx, tx, ids)
	if err != nil {
		return err
	}
	for _, c := range changes {
		if !on[c.To] || now.Sub(c.ChangedAt) > d.MaxAge {
			continue
		}
		link := d.PublicURL + "/track/" + url.PathEscape(c.TrackingNo)
		for _, r := range to[c.ShipmentID] {
			_, _, err := d.Outbox.Enqueue(ctx, tx, notify.Message{
				Key:        "status:" + strconv.FormatInt(c.ShipmentID, 10) + ":" + string(c.To) + ":" + c.EventKey + ":" + r.phone,
				Kind:       kindOf(c.To),
				To:         r.phone,
				Locale:     r.locale,
				Vars:       map[string]string{"tracking_no": c.TrackingNo, "text": words[r.locale][c.To], "link": link},
				ShipmentID: c.ShipmentID, ShipperID: c.ShipperID,
			})
			if err != nil {
				return fmt.Errorf("shipment %d: %w", c.ShipmentID, err)
			}
		}
	}
	return nil
}

// recipients returns, per shipment, the subscribers (oldest first) and then the consignee
// as the shipper sent it when its shipper texts consignees, each phone once.
func recipients(ctx context.Context, q pgx.Tx, ids []int64) (map[int64][]recipient, error) {
	rows, err := q.Query(ctx, `
SELECT shipment_id, phone, locale FROM (
    SELECT shipment_id, phone, locale, 0 AS ord, created_at FROM shipment_subscriptions WHERE shipment_id = ANY($1)
    UNION ALL
    SELECT s.id, s.consignee_phone, 'zh', 1, s.created_at FROM shipments s
    JOIN status_sms_shippers p ON p.shipper_id = s.shipper_id AND p.consignee_sms
    WHERE s.id = ANY($1) AND s.consignee_phone <> ''
) r ORDER BY shipment_id, ord, created_at, phone`, ids)
	if err != nil {
		return nil, fmt.Errorf("recipients: %w", err)
	}
	out := map[int64][]recipient{}
	seen := map[string]bool{}
	var id int64
	var phone, locale string
	_, err = pgx.ForEachRow(rows, []any{&id, &phone, &locale}, func() error {
		p, err := customers.NormalizePhone(phone, "")
		if err != nil {
			return nil // a consignee phone that cannot be texted
		}
		k := strconv.FormatInt(id, 10) + " " + p
		if seen[k] {
			return nil
		}
		seen[k] = true
		out[id] = append(out[id], recipient{phone: p, locale: smsLocale(locale)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("recipients: %w", err)
	}
	return out, nil
}

// Run calls Send every interval until ctx ends, logging failures: a status change is
// texted (enqueued) within one interval of the event that made it. Any number of
// instances may run it; they hand on disjoint changes.
func Run(ctx context.Context, d Deps, every time.Duration) {
	d = d.withDefaults()
	if every <= 0 {
		every = config.DefaultStatusSMSEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := Send(ctx, d); err != nil && !errors.Is(err, context.Canceled) {
			d.Log.Error("status sms", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
