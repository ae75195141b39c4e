package demo

import (
	"math/rand/v2"
	"time"

	"lcrm/shipments"
)

// scenario is how a parcel's journey goes.
type scenario int

const (
	onTime      scenario = iota // delivered before the promise
	late                        // delivered after the promise
	slowSign                    // at the station, then signed for days later or not yet
	failedOnce                  // a failed attempt, delivered the next day
	exceptional                 // an exception at a hub: stuck there, or delayed
	returned                    // refused and sent back
)

// pickScenario draws the mix: 84% on time, 5% late, 5% slow to sign, 3% failed once, 2%
// exception, 1% returned. Many slow, failed and exceptional parcels miss their promise
// too, so about 12% of all parcels end up late.
func pickScenario(r *rand.Rand) scenario {
	switch x := r.IntN(1000); {
	case x < 50:
		return late
	case x < 100:
		return slowSign
	case x < 130:
		return failedOnce
	case x < 150:
		return exceptional
	case x < 160:
		return returned
	default:
		return onTime
	}
}

// journey plans the parcel's events from creation to its end, then keeps those that
// happened by Now: recent parcels are still on the road.
func (g *generator) journey(r *rand.Rand, p *parcel) []shipments.Event {
	sc := pickScenario(r)
	c, due := p.created, p.promised
	window := due.Sub(c)
	var end time.Time // planned delivery (or first attempt)
	if sc == late {
		end = due.Add(max(time.Hour, scale(window, 0.05+0.5*r.Float64())))
		end = daytime(r, end, time.Time{}, time.Time{})
	} else {
		end = c.Add(scale(window, 0.45+0.47*r.Float64()))
		end = daytime(r, end, c.Add(scale(window, 0.3)), due)
	}
	d := end.Sub(c)
	station := p.dest.station(p.consignee.road)
	hubs := route(r, p.origin, p.dest)

	var ev []shipments.Event
	add := func(code shipments.Code, at time.Time, loc, note, signer string) {
		ev = append(ev, shipments.Event{Code: code, OccurredAt: at.Truncate(time.Second),
			Location: loc, Note: note, SignedBy: signer})
	}
	add(shipments.Created, c, p.origin.city().name, "寄件商家已下单,等待快递员揽收", "")
	picked := c.Add(clamp(scale(d, 0.04+0.08*r.Float64()), 10*time.Minute, 6*time.Hour))
	add(shipments.PickedUp, picked, p.origin.cityShort()+p.origin.district().name+"营业部",
		"快递员 "+randomPerson(r).name+" 已揽收", "")
	arrive := end.Add(-clamp(scale(d, 0.12+0.13*r.Float64()), 40*time.Minute, 14*time.Hour))
	slot := arrive.Sub(picked) / time.Duration(len(hubs))
	var scans []int // index of each hub's first scan
	for i, h := range hubs {
		in := picked.Add(slot*time.Duration(i) + scale(slot, 0.1+0.2*r.Float64()))
		next := station
		if i+1 < len(hubs) {
			next = hubs[i+1]
		}
		scans = append(scans, len(ev))
		if r.IntN(2) == 0 {
			add(shipments.InTransit, in, h, "快件已在【"+h+"】完成分拣,发往【"+next+"】", "")
			continue
		}
		add(shipments.InTransit, in, h, "快件已到达【"+h+"】", "")
		add(shipments.InTransit, in.Add(scale(slot, 0.3+0.3*r.Float64())), h, "快件已从【"+h+"】发出,下一站【"+next+"】", "")
	}
	add(shipments.ArrivedAtStation, arrive, station, "快件已到达【"+station+"】,准备派送", "")
	outAt := end.Add(-clamp(between(r, 30*time.Minute, 210*time.Minute), 10*time.Minute, end.Sub(arrive)*6/10))
	if l := outAt.In(shipments.DefaultZone); l.Hour() < 7 { // couriers start at seven
		if t := clock(l, 7).Add(between(r, 0, 40*time.Minute)); t.After(arrive) && t.Before(end) {
			outAt = t
		}
	}
	courier := "快递员 " + randomPerson(r).name + " 正在派送,请保持电话畅通"
	add(shipments.OutForDelivery, outAt, station, courier, "")

	deliver := func(at time.Time) {
		signer, note := g.signer(r, p)
		add(shipments.Delivered, at, station, note, signer)
	}
	switch sc {
	case slowSign:
		switch x := r.IntN(10); {
		case x < 5:
			deliver(end.Add(between(r, 36*time.Hour, 120*time.Hour)))
		case x < 8: // out for delivery, never signed for
		default: // waiting at the station
			ev = ev[:len(ev)-1]
		}
	case failedOnce, returned:
		failed := end.Add(between(r, 20*time.Minute, 2*time.Hour))
		if sc == returned {
			add(shipments.DeliveryFailed, failed, station, "收件人拒收", "")
			add(shipments.Returned, failed.Add(between(r, 2*time.Hour, 30*time.Hour)), station,
				"快件已退回寄件商家,退回原因:收件人拒收", "")
			break
		}
		add(shipments.DeliveryFailed, failed, station, pick(r, failedNotes), "")
		morning := nextMorning(r, failed)
		add(shipments.OutForDelivery, morning, station, courier, "")
		deliver(morning.Add(between(r, 40*time.Minute, 4*time.Hour)))
	default:
		deliver(end)
	}
	if sc == exceptional {
		ev = exception(r, ev, scans)
	}
	n := 0
	for n < len(ev) && !ev[n].OccurredAt.After(g.now) {
		ev[n].Key = eventKey(n + 1)
		n++
	}
	return ev[:n]
}

// exception adds an exception at one of the hubs, whose first scans are at the indexes
// scans: half the parcels stay stuck there, the others go on half a day to two days later.
func exception(r *rand.Rand, ev []shipments.Event, scans []int) []shipments.Event {
	i := scans[r.IntN(len(scans))]
	at := ev[i].OccurredAt.Add(ev[i+1].OccurredAt.Sub(ev[i].OccurredAt) / 2).Truncate(time.Second)
	x := shipments.Event{Code: shipments.Exception, OccurredAt: at, Location: ev[i].Location, Note: pick(r, exceptionNotes)}
	if r.IntN(2) == 0 {
		return append(ev[:i+1:i+1], x)
	}
	delay := between(r, 12*time.Hour, 48*time.Hour).Truncate(time.Second)
	out := append(append(ev[:i+1:i+1], x), ev[i+1:]...)
	for j := i + 2; j < len(out); j++ {
		out[j].OccurredAt = out[j].OccurredAt.Add(delay)
	}
	return out
}

// signer says who signed for a parcel and how the delivered event reads.
func (g *generator) signer(r *rand.Rand, p *parcel) (signedBy, note string) {
	switch x := r.IntN(100); {
	case x < 52:
		return "本人", "已签收,签收人:本人。感谢使用,期待再次为您服务"
	case x < 70:
		return "快递柜", "已放入快递柜,请凭取件码及时取件"
	case x < 82:
		return "前台", "已由前台代收"
	case x < 92:
		name := randomPerson(r).name
		if r.IntN(10) < 6 { // a relative with the same surname
			name = string([]rune(p.consignee.person.name)[:1]) + string([]rune(name)[1:])
		}
		return name, "已由家人 " + name + " 代签收"
	default:
		return "门卫", "已由门卫代收"
	}
}

// daytime moves a delivery time at night into working hours (08:00-21:00 Asia/Shanghai):
// back to the previous evening when that is after earliest, otherwise on to the next
// morning unless that passes latest. Zero earliest or latest means no bound.
func daytime(r *rand.Rand, t, earliest, latest time.Time) time.Time {
	l := t.In(shipments.DefaultZone)
	h := l.Hour()
	if h >= 8 && h < 21 {
		return t
	}
	if !earliest.IsZero() {
		day := l
		if h < 8 {
			day = l.AddDate(0, 0, -1)
		}
		cand := clock(day, 18).Add(between(r, 0, 3*time.Hour))
		if cand.After(earliest) && cand.Before(t) {
			return cand
		}
	}
	day := l
	if h >= 21 {
		day = l.AddDate(0, 0, 1)
	}
	cand := clock(day, 8).Add(between(r, 0, 2*time.Hour))
	if !latest.IsZero() && cand.After(latest) {
		return t
	}
	return cand
}

// nextMorning is 08:00-10:00 local time on the day after t.
func nextMorning(r *rand.Rand, t time.Time) time.Time {
	return clock(t.In(shipments.DefaultZone).AddDate(0, 0, 1), 8).Add(between(r, 0, 2*time.Hour))
}

// clock is hour o'clock on t's local day.
func clock(t time.Time, hour int) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), hour, 0, 0, 0, t.Location())
}

// scale multiplies a duration by f.
func scale(d time.Duration, f float64) time.Duration { return time.Duration(float64(d) * f) }

// clamp bounds d to [lo, hi].
func clamp(d, lo, hi time.Duration) time.Duration { return min(max(d, lo), hi) }
