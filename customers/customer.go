// Package customers holds the people and companies lcrm serves: shippers (who send) and
// consignees (who receive), their identity rules (one phone in E.164, one record), merges
// of duplicate records, and masking of personal data for unverified visitors.
package customers

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrNotFound means no such shipper or consignee exists.
var ErrNotFound = errors.New("customers: not found")

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

// FieldError is a validation failure of one named field.
type FieldError struct {
	Field   string
	Message string
}

// Error says which field is wrong and why.
func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// ValidationError lists every invalid field of one record.
type ValidationError struct{ Fields []FieldError }

// Error lists every field problem in one line.
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Error()
	}
	return "invalid: " + strings.Join(parts, "; ")
}

// Add records one invalid field.
func (e *ValidationError) Add(field, format string, args ...any) {
	e.Fields = append(e.Fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns e when it holds any field, else nil.
func (e *ValidationError) Err() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Normalize trims fields, fills defaults and puts the phone in E.164; it reports every
// invalid field at once.
func (s *Shipper) Normalize() error {
	var v ValidationError
	s.Code = strings.ToUpper(strings.TrimSpace(s.Code))
	s.Name = strings.TrimSpace(s.Name)
	s.ContactName = strings.TrimSpace(s.ContactName)
	s.Email = strings.TrimSpace(s.Email)
	if s.Code == "" || len(s.Code) > 32 {
		v.Add("code", "is required, at most 32 characters")
	}
	if s.Name == "" {
		v.Add("name", "is required")
	}
	if s.Tier == "" {
		s.Tier = TierRegular
	}
	if !s.Tier.Valid() {
		v.Add("tier", "must be key, regular or small")
	}
	if s.TimeZone == "" {
		s.TimeZone = "Asia/Shanghai"
	}
	if _, err := time.LoadLocation(s.TimeZone); err != nil {
		v.Add("time_zone", "unknown time zone %q", s.TimeZone)
	}
	if s.Locale == "" {
		s.Locale = "zh-CN"
	}
	if strings.TrimSpace(s.Phone) != "" {
		p, err := NormalizePhone(s.Phone, "")
		if err != nil {
			v.Add("phone", "%q is not a valid phone number", s.Phone)
		}
		s.Phone = p
	}
	return v.Err()
}

// Normalize trims fields and puts the phone in E.164; it reports every invalid field.
func (c *Consignee) Normalize() error {
	var v ValidationError
	c.Name = strings.TrimSpace(c.Name)
	c.Email = strings.TrimSpace(c.Email)
	a := &c.Address
	a.Province, a.City, a.District = strings.TrimSpace(a.Province), strings.TrimSpace(a.City), strings.TrimSpace(a.District)
	a.Street, a.PostalCode = strings.TrimSpace(a.Street), strings.TrimSpace(a.PostalCode)
	if c.Name == "" {
		v.Add("name", "is required")
	}
	p, err := NormalizePhone(c.Phone, "")
	if err != nil {
		v.Add("phone", "%q is not a valid phone number", c.Phone)
	}
	c.Phone = p
	return v.Err()
}
