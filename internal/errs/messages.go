package errs

// Catalogue keys shared by several packages.
const (
	// KeyNotFound is the message of every NotFound sentinel.
	KeyNotFound = "error.not_found"
	// KeyInvalid is the message of a *ValidationError as a whole.
	KeyInvalid = "error.invalid"
	// KeyRequired says a field is missing.
	KeyRequired = "field.required"
	// KeyTooLong says a text field is longer than allowed (data N, Max).
	KeyTooLong = "field.too_long"
	// KeyPhone says a phone number is not valid (data Value: the number, quoted).
	KeyPhone = "field.phone"
	// KeyNegative says a number must not be negative.
	KeyNegative = "field.negative"
	// KeyFuture says a time lies in the future.
	KeyFuture = "field.future"
	// KeyOutOfRange says a time lies outside the accepted window (data Time, From, To).
	KeyOutOfRange = "field.out_of_range"
)

// Messages holds the English text of every field message a domain builds with AddKey or
// NewField, in the catalogue's template syntax. portal/web/i18n/errors.en.json holds the same
// texts (a test keeps them equal) and errors.zh.json their Chinese; the English is what
// API answers show, so it stays as the domains wrote it before keys existed.
var Messages = map[string]string{
	KeyRequired:   "is required",
	KeyTooLong:    "is {{.N}} characters long, at most {{.Max}}",
	KeyPhone:      "{{.Value}} is not a valid phone number",
	KeyNegative:   "must not be negative",
	KeyFuture:     "is in the future",
	KeyOutOfRange: "{{.Time}} is outside the accepted range {{.From}} to {{.To}}",

	"field.not_utf8":      "is not valid UTF-8 text",
	"field.nul":           "contains a NUL byte",
	"field.control":       "contains a control character",
	"field.bidi":          "contains a text-direction control character (U+202A-U+202E, U+2066-U+2069)",
	"field.phone_invalid": "not a valid phone number",
	"field.time_zone":     "unknown time zone {{.Value}}",

	"field.customers.code":             "is required, at most 32 characters",
	"field.customers.tier":             "must be key, regular or small",
	"field.customers.contact_customer": "must be a consignee or a shipper",
	"field.one_of":                     "must be one of {{.Choices}}",
	"field.customers.direction":        "must be inbound or outbound",
	"field.at_most":                    "at most {{.Max}} characters",
	"field.must_at_most":               "must be at most {{.Max}} characters",
	"field.customers.reveal_by":        "a staff member is required",
	"field.customers.reveal_kind":      "must be consignee or shipper",
	"field.customers.reveal_field":     "cannot be revealed",
	"field.customers.reveal_reason":    "choose a reason",
	"field.customers.reveal_note":      "say why",
	"field.customers.csat":             "must be 1 to 5",
	"field.customers.nps":              "must be 0 to 10",

	"field.required_at_most":              "is required, at most {{.Max}} characters",
	"field.longer_than":                   "is longer than {{.Max}} characters",
	"field.positive":                      "must be positive",
	"field.choose_one_of":                 "choose one of {{.Choices}}",
	"field.complaints.category_or_empty":  "must be one of the listed categories or empty",
	"field.complaints.category":           "must be one of the listed categories",
	"field.complaints.rating":             "must be 1 to 5 stars",
	"field.complaints.photos_max":         "at most {{.Max}} photos",
	"field.complaints.photo_empty":        "{{.Name}} is empty",
	"field.complaints.photo_large":        "{{.Name}} is larger than {{.MB}} MB",
	"field.complaints.photo_type":         "{{.Name}} is not a JPEG, PNG or WebP image",
	"field.complaints.idempotency_used":   "was used for another complaint",
	"field.complaints.no_shipment":        "no such shipment",
	"field.complaints.priority":           "must be P1, P2, P3 or P4",
	"field.complaints.resolution_minutes": "must be positive and at least the first response time",
	"field.complaints.note_long":          "is too long",
	"field.complaints.compensation":       "cannot be negative",
	"field.complaints.assignee":           "no active staff user {{.ID}}",
	"field.complaints.status":             "is not a status",

	"field.tracking_no":              "tracking number must be 8-30 letters A-Z or digits",
	"field.check_digit":              "tracking number has a wrong S10 check digit",
	"field.shipments.service_level":  "must be standard, express or same_day",
	"field.shipments.dest_city":      "is required (or give the consignee's city)",
	"field.shipments.weight":         "must be a positive number of grams",
	"field.shipments.charge_too_big": "must be at most 1,000,000,000 fen (10 million yuan)",
	"field.shipments.promised_at":    "is before the shipment was created",
	"field.shipments.event_code":     "unknown event code {{.Value}}",
	"field.shipments.occurred_at":    "is required (RFC 3339, e.g. 2026-11-22T08:30:00+08:00)",
	"field.shipments.signed_by":      "is required for a delivered event",

	"import.empty":               "the file is empty: the first row must name the columns",
	"import.header_not_utf8":     "the column names are not UTF-8 text: save the file as UTF-8 (in Excel: \"CSV UTF-8 (逗号分隔)\")",
	"import.not_utf8":            "not UTF-8 text: save the file as UTF-8 (in Excel: \"CSV UTF-8 (逗号分隔)\")",
	"import.missing_column":      "missing required column ({{.Names}})",
	"import.unknown_tracking_no": "no shipment has tracking number {{.TrackingNo}}",
	"import.not_whole_number":    "{{.Value}} is not a whole number",
	"import.not_a_date":          "{{.Value}} is not a date (use 2026-11-22T08:30:00+08:00 or 2026-11-22 08:30)",
}
