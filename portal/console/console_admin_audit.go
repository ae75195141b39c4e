package console

// The audit log's values for people: each stored JSON value becomes labelled fields (the
// label and coded values from the catalogue, times in the console's zone, fen as yuan,
// staff ids as names) and complaints are named by their reference.

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode"

	"lcrm/accounts"
)

// auditField is one field of an audit value as the page shows it.
type auditField struct {
	Key   string // snake_case; "" for a value that is not an object
	Known bool   // Key has a label in the catalogue (cw.af.KEY)
	Text  string // the value as text, or
	Code  string // a catalogue key that says the value
}

// auditKeys are the fields with a label (cw.af.KEY).
var auditKeys = map[string]bool{"assignee_id": true, "status": true, "priority": true, "first_response_due": true,
	"resolution_due": true, "root_cause": true, "department": true, "code": true, "compensation_fen": true,
	"note": true, "opens": true, "closes": true, "day": true, "name": true, "tier": true,
	"first_response_minutes": true, "resolution_minutes": true, "business_hours_only": true, "category": true,
	"locale": true, "title": true, "body": true, "email": true, "role": true, "manager_id": true, "active": true,
	"field": true, "reason": true, "complaint_id": true, "consignee_sms": true}

// snake turns a Go field name (FirstResponseMinutes) into snake_case; snake_case stays.
func snake(k string) string {
	var b strings.Builder
	for i, r := range k {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// auditFields reads a stored audit value (JSON) into fields, keeping the stored order.
func (s *handler) auditFields(v any, names map[int64]string) []auditField {
	raw, ok := v.(json.RawMessage)
	if !ok {
		if b, isBytes := v.([]byte); isBytes {
			raw = b
		}
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] != '{' {
		return []auditField{s.auditValue("", raw, names)}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out []auditField
	if _, err := dec.Token(); err != nil {
		return []auditField{{Text: string(raw)}}
	}
	for dec.More() {
		t, err := dec.Token()
		key, isKey := t.(string)
		if err != nil || !isKey {
			return []auditField{{Text: string(raw)}}
		}
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return []auditField{{Text: string(raw)}}
		}
		out = append(out, s.auditValue(snake(key), val, names))
	}
	return out
}

// auditValue is one value for people: coded values by their label, times in the zone,
// fen as yuan, staff ids as names, true/false as yes/no.
func (s *handler) auditValue(key string, raw json.RawMessage, names map[int64]string) auditField {
	f := auditField{Key: key, Known: auditKeys[key]}
	var x any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&x) != nil {
		f.Text = string(raw)
		return f
	}
	switch v := x.(type) {
	case nil:
		f.Code = "cw.none"
	case bool:
		f.Code = map[bool]string{true: "cw.yes", false: "cw.no"}[v]
	case json.Number:
		n, _ := v.Int64()
		switch {
		case strings.HasSuffix(key, "_fen"):
			f.Text = "¥" + strconv.FormatInt(n/100, 10) + "." + strconv.FormatInt(n%100/10, 10) + strconv.FormatInt(n%10, 10)
		case key == "assignee_id" || key == "manager_id":
			if n == 0 {
				f.Code = "desk.nobody"
			} else if name, ok := names[n]; ok {
				f.Text = name
			} else {
				f.Text = "#" + v.String()
			}
		default:
			f.Text = v.String()
		}
	case string:
		switch {
		case v == "":
			f.Code = "cw.none"
		case key == "status":
			f.Code = "desk.st." + v
		case key == "root_cause":
			f.Code = "desk.rc." + v
		case key == "code":
			f.Code = "desk.code." + v
		case key == "category":
			f.Code = "complaint.cat." + v
		default:
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				f.Text = t.In(s.Zone()).Format("2006-01-02 15:04")
			} else {
				f.Text = v
			}
		}
	case []any:
		parts := make([]string, len(v))
		for i, p := range v {
			b, _ := json.Marshal(p)
			parts[i] = strings.Trim(string(b), `"`)
		}
		f.Text = strings.Join(parts, ", ")
	default:
		var b bytes.Buffer
		if json.Compact(&b, raw) == nil {
			f.Text = b.String()
		} else {
			f.Text = string(raw)
		}
	}
	return f
}

// auditNames maps staff ids to names (assignee_id, manager_id in audit values).
func auditNames(users []accounts.User) map[int64]string {
	out := make(map[int64]string, len(users))
	for _, u := range users {
		out[u.ID] = u.Name
	}
	return out
}
