package demo

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"lcrm/customers"
	"lcrm/shipments"
)

// shipper is one generated shipper company.
type shipper struct {
	id                                int64
	code, name, contact, phone, email string
	tier                              customers.Tier
	home                              place
	created                           time.Time
	weight                            int // relative parcel volume
}

// consignee is one generated receiver.
type consignee struct {
	id           int64
	person       person
	phone, email string
	home         place
	road, street string
	created      time.Time
}

// makeShippers builds the shipper companies: ~15% key accounts, ~50% regular, the rest
// small, in a seed-dependent order; key accounts send the most parcels.
func (g *generator) makeShippers() []shipper {
	r := g.rng(streamShipper, 0)
	n := len(shipperList)
	tiers := make([]customers.Tier, n)
	for i := range tiers {
		switch {
		case i < n*15/100:
			tiers[i] = customers.TierKey
		case i < n*65/100:
			tiers[i] = customers.TierRegular
		default:
			tiers[i] = customers.TierSmall
		}
	}
	r.Shuffle(n, func(i, j int) { tiers[i], tiers[j] = tiers[j], tiers[i] })
	out := make([]shipper, n)
	for i, line := range shipperList {
		parts := strings.Split(line, "|")
		id := g.base.shippers + int64(i) + 1
		contact := randomPerson(r)
		s := shipper{
			id: id, code: fmt.Sprintf("SH%04d", id), name: parts[0], contact: contact.name,
			phone: randomMobile(r), tier: tiers[i], home: findCity(parts[1]),
			created: g.start.Add(-time.Duration(30+r.IntN(700))*24*time.Hour - between(r, 0, 10*time.Hour)).Truncate(time.Second),
		}
		if r.IntN(2) == 0 {
			s.email = contact.pinyin + "@" + parts[2] + ".com.cn"
		} else {
			s.email = pick(r, []string{"kefu", "service", "wuliu", "sales"}) + "@" + parts[2] + ".com"
		}
		switch s.tier {
		case customers.TierKey:
			s.weight = 10 + r.IntN(10)
		case customers.TierRegular:
			s.weight = 3 + r.IntN(4)
		default:
			s.weight = 1
		}
		out[i] = s
	}
	return out
}

// consignee generates receiver number k (0-based); the same k always gives the same
// person, so shipments can look their consignee up without keeping all of them in memory.
func (g *generator) consignee(k int) consignee {
	r := g.rng(streamConsignee, uint64(k))
	id := g.base.consignees + int64(k) + 1
	c := consignee{id: id, person: randomPerson(r), phone: consigneePhone(id, g.seed), home: randomPlace(r)}
	c.road = pick(r, roads)
	num := strconv.Itoa(1 + r.IntN(399))
	if r.IntN(4) == 0 {
		c.street = c.road + num + "号" + pick(r, buildings) + strconv.Itoa(2+r.IntN(28)) + "层"
	} else {
		c.street = c.road + num + "号" + pick(r, compounds) + strconv.Itoa(1+r.IntN(20)) + "栋" +
			strconv.Itoa(1+r.IntN(4)) + "单元" + strconv.Itoa(1+r.IntN(30)) + fmt.Sprintf("%02d", 1+r.IntN(4)) + "室"
	}
	switch x := r.IntN(10); {
	case x < 3:
		c.email = strconv.Itoa(10000000+r.IntN(2000000000)) + "@qq.com"
	case x < 5:
		c.email = c.person.pinyin + strconv.Itoa(r.IntN(1000)) + "@" + pick(r, emailDomains)
	}
	c.created = g.start.Add(-time.Duration(r.IntN(400*24*3600)) * time.Second)
	return c
}

// randomMobile returns a random mainland mobile number in E.164.
func randomMobile(r *rand.Rand) string {
	return fmt.Sprintf("+86%s%08d", pick(r, mobilePrefixes), r.IntN(100_000_000))
}

// consigneePhone derives a consignee's mobile number from its id and the seed through a
// bijection, so two consignees with different ids never share a number (phone is unique),
// whatever seeds loaded them (ids below about 3.9e8).
func consigneePhone(id, seed int64) string {
	space := uint64(len(mobilePrefixes)) * 100_000_000
	x := scramble(uint64(id)*10+uint64(seed)%10, 2_654_435_761, 1_234_567, space)
	return "+86" + mobilePrefixes[x/100_000_000] + fmt.Sprintf("%08d", x%100_000_000)
}

// trackingNo derives a shipment's tracking number from its id and the seed through a
// bijection, so no two demo shipments ever share one: carrier style "SD" + 12 digits, or
// for s10 a UPU S10 number "EA" + 8 digits + check digit + "CN" (ids below 1e7).
func trackingNo(id, seed int64, s10 bool) string {
	if s10 && id < 10_000_000 {
		serial := fmt.Sprintf("%08d", scramble(uint64(id)*10+uint64(seed)%10, 48_271_207, 3_141_592, 100_000_000))
		return "EA" + serial + strconv.Itoa(shipments.S10CheckDigit(serial)) + "CN"
	}
	return fmt.Sprintf("SD%012d", scramble(uint64(id)*100+uint64(seed)%100, 413_158_511_807, 271_828_182_845, 1_000_000_000_000))
}

// scramble is the bijection x -> (a*x + b) mod m on [0, m) for a coprime with m.
func scramble(x, a, b, m uint64) uint64 {
	hi, lo := bits.Mul64(x%m, a)
	lo, carry := bits.Add64(lo, b, 0)
	return bits.Rem64(hi+carry, lo, m)
}
