// Package customers holds the people and companies lcrm serves: shippers (who send) and
// consignees (who receive), their identity rules (one phone in E.164, one record), merges
// of duplicate records, and masking of personal data for unverified visitors.
package customers

import (
	"strconv"
	"strings"
	"time"

	"lcrm/internal/config"
	"lcrm/internal/errs"
)

// ErrNotFound means no such shipper or consignee exists.
var ErrNotFound = errs.New(errs.NotFound, errs.KeyNotFound, "customers: not found")

// Tier is a shipper's service class; it sets SLA deadlines and care rules.
type Tier string

// The shipper tiers.
const (
	TierKey     Tier = "key"
	TierRegular Tier = "regular"
	TierSmall   Tier = "small"
)

// Valid reports whether t is a known tier.
func (t Tier) Valid() bool { return t == TierKey || t == TierRegular || t == TierSmall }

// Shipper is a company that sends parcels.
type Shipper struct {
	ID          int64
	Code        string
	Name        string
	ContactName string
	Phone       string // E.164 or ""
	Email       string
	Tier        Tier
	TimeZone    string
	Locale      string
	CreatedAt   time.Time
}

// Consignee is a person who receives parcels, identified by phone.
type Consignee struct {
	ID         int64
	Name       string
	Phone      string // E.164
	Email      string
	Address    Address
	MergedInto int64 // 0 unless this record was merged into another
	CreatedAt  time.Time
}

// Address is a mainland-China style postal address.
type Address struct {
	Province   string
	City       string
	District   string
	Street     string
	PostalCode string
}

// Length limits of text fields, in characters.
const (
	// MaxName bounds names of people, companies, places and cities.
	MaxName = 200
	// MaxStreet bounds a street address line.
	MaxStreet = 500
	// MaxEmail bounds an email address (RFC 5321 allows 254).
	MaxEmail = 254
)

// Normalize trims fields, fills defaults and puts the phone in E.164; it reports every
// invalid field at once.
func (s *Shipper) Normalize() error {
	var v errs.ValidationError
	s.Code = strings.ToUpper(strings.TrimSpace(s.Code))
	s.Name = strings.TrimSpace(s.Name)
	s.ContactName = strings.TrimSpace(s.ContactName)
	s.Email = strings.TrimSpace(s.Email)
	if s.Code == "" || len(s.Code) > 32 {
		v.AddKey("code", "field.customers.code", nil)
	} else {
		v.Text("code", s.Code, 32, false)
	}
	if s.Name == "" {
		v.AddKey("name", errs.KeyRequired, nil)
	} else {
		v.Text("name", s.Name, MaxName, false)
	}
	v.Text("contact_name", s.ContactName, MaxName, false)
	v.Text("email", s.Email, MaxEmail, false)
	v.Text("locale", s.Locale, 16, false)
	if s.Tier == "" {
		s.Tier = TierRegular
	}
	if !s.Tier.Valid() {
		v.AddKey("tier", "field.customers.tier", nil)
	}
	if s.TimeZone == "" {
		s.TimeZone = config.DefaultZoneName
	}
	if _, err := time.LoadLocation(s.TimeZone); err != nil {
		v.AddKey("time_zone", "field.time_zone", map[string]any{"Value": strconv.Quote(s.TimeZone)})
	}
	if s.Locale == "" {
		s.Locale = "zh-CN"
	}
	if strings.TrimSpace(s.Phone) != "" {
		p, err := NormalizePhone(s.Phone, "")
		if err != nil {
			v.AddKey("phone", errs.KeyPhone, map[string]any{"Value": strconv.Quote(s.Phone)})
		}
		s.Phone = p
	}
	return v.Err()
}

// Normalize trims fields and puts the phone in E.164; it reports every invalid field.
func (c *Consignee) Normalize() error {
	var v errs.ValidationError
	c.Name = strings.TrimSpace(c.Name)
	c.Email = strings.TrimSpace(c.Email)
	a := &c.Address
	a.Province, a.City, a.District = strings.TrimSpace(a.Province), strings.TrimSpace(a.City), strings.TrimSpace(a.District)
	a.Street, a.PostalCode = strings.TrimSpace(a.Street), strings.TrimSpace(a.PostalCode)
	if c.Name == "" {
		v.AddKey("name", errs.KeyRequired, nil)
	} else {
		v.Text("name", c.Name, MaxName, false)
	}
	v.Text("email", c.Email, MaxEmail, false)
	for _, f := range []struct {
		name, value string
		max         int
	}{{"province", a.Province, MaxName}, {"city", a.City, MaxName}, {"district", a.District, MaxName},
		{"street", a.Street, MaxStreet}, {"postal_code", a.PostalCode, 16}} {
		v.Text(f.name, f.value, f.max, false)
	}
	p, err := NormalizePhone(c.Phone, "")
	if err != nil {
		v.AddKey("phone", errs.KeyPhone, map[string]any{"Value": strconv.Quote(c.Phone)})
	}
	c.Phone = p
	return v.Err()
}
