package customers

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"lcrm/internal/errs"
)

// SurveyEditWindow is how long after the first answer a survey can still be changed.
const SurveyEditWindow = 24 * time.Hour

// maxSurveyComment bounds the free-text comment (in characters).
const maxSurveyComment = 2000

// Survey errors.
var (
	// ErrSurveyTokenInvalid means a survey link was altered, truncated or signed with
	// another secret.
	ErrSurveyTokenInvalid = errs.New(errs.NotFound, "error.customers.survey_invalid", "customers: survey link is not valid")
	// ErrSurveyTokenExpired means a genuine survey link is past its expiry.
	ErrSurveyTokenExpired = errs.New(errs.NotFound, "error.customers.survey_expired", "customers: survey link has expired")
	// ErrSurveyClosed means the answer is older than SurveyEditWindow and cannot change.
	ErrSurveyClosed = errs.New(errs.Conflict, "error.customers.survey_closed", "customers: survey answers can be changed only within 24 hours of the first answer")
)

// Survey is one satisfaction answer for a delivered shipment, kept raw: CSAT 1-5 and NPS
// 0-10, so reports can separate merely satisfied customers from loyal ones.
type Survey struct {
	ID          int64
	ShipmentID  int64
	ConsigneeID int64 // taken from the shipment when saved
	CSAT        int   // 1..5
	NPS         int   // 0..10
	Comment     string
	CreatedAt   time.Time // the first answer; starts the edit window
	UpdatedAt   time.Time
}

// Editable reports whether the answer can still be changed at now.
func (s *Survey) Editable(now time.Time) bool {
	return now.Before(s.CreatedAt.Add(SurveyEditWindow))
}

// Validate tidies the comment and reports every out-of-range field.
func (s *Survey) Validate() error {
	var v errs.ValidationError
	s.Comment = strings.TrimSpace(s.Comment)
	if s.CSAT < 1 || s.CSAT > 5 {
		v.AddKey("csat", "field.customers.csat", nil)
	}
	if s.NPS < 0 || s.NPS > 10 {
		v.AddKey("nps", "field.customers.nps", nil)
	}
	if utf8.RuneCountInString(s.Comment) > maxSurveyComment {
		v.AddKey("comment", "field.must_at_most", map[string]any{"Max": maxSurveyComment})
	} else {
		v.Text("comment", s.Comment, maxSurveyComment, true)
	}
	if s.ShipmentID <= 0 {
		v.AddKey("shipment_id", errs.KeyRequired, nil)
	}
	return v.Err()
}

// surveyTokenContext separates survey signatures from any other use of the same secret.
const surveyTokenContext = "lcrm/survey/v1\x00"

// surveyMAC is the truncated HMAC-SHA256 over the context and payload.
func surveyMAC(secret, payload []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(surveyTokenContext))
	m.Write(payload)
	return m.Sum(nil)[:16]
}

// SurveyLink returns the survey address for one shipment, valid until expires:
// "<publicURL>/survey/<token>". The token carries the shipment id and the expiry, signed
// with secret (HMAC-SHA256, base64url), so checking it needs no database lookup.
func SurveyLink(publicURL string, secret []byte, shipmentID int64, expires time.Time) string {
	return strings.TrimRight(publicURL, "/") + "/survey/" + SurveyToken(secret, shipmentID, expires)
}

// SurveyToken is the signed token SurveyLink puts in the link.
func SurveyToken(secret []byte, shipmentID int64, expires time.Time) string {
	buf := make([]byte, 16, 32)
	binary.BigEndian.PutUint64(buf[:8], uint64(shipmentID))
	binary.BigEndian.PutUint64(buf[8:], uint64(expires.Unix()))
	buf = append(buf, surveyMAC(secret, buf)...)
	return base64.RawURLEncoding.EncodeToString(buf)
}

// VerifySurveyToken returns the shipment a survey token was issued for. A token that was
// altered or signed with another secret is ErrSurveyTokenInvalid; a genuine one past its
// expiry is ErrSurveyTokenExpired.
func VerifySurveyToken(secret []byte, token string, now time.Time) (int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 32 || len(secret) == 0 {
		return 0, ErrSurveyTokenInvalid
	}
	if !hmac.Equal(raw[16:], surveyMAC(secret, raw[:16])) {
		return 0, ErrSurveyTokenInvalid
	}
	id := int64(binary.BigEndian.Uint64(raw[:8]))
	exp := time.Unix(int64(binary.BigEndian.Uint64(raw[8:16])), 0)
	if id <= 0 {
		return 0, ErrSurveyTokenInvalid
	}
	if !now.Before(exp) {
		return 0, ErrSurveyTokenExpired
	}
	return id, nil
}

const surveyCols = `id, shipment_id, consignee_id, csat, nps, comment, created_at, updated_at`

func scanSurvey(row pgx.Row) (*Survey, error) {
	var s Survey
	err := row.Scan(&s.ID, &s.ShipmentID, &s.ConsigneeID, &s.CSAT, &s.NPS, &s.Comment, &s.CreatedAt, &s.UpdatedAt)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// SaveSurvey stores the answer for s.ShipmentID: the first answer creates it, later ones
// replace it while the first is less than SurveyEditWindow old, and after that
// ErrSurveyClosed. Saving the same answer again is harmless, so retries are safe. An
// unknown shipment is ErrNotFound; bad values are an *errs.ValidationError.
func (st *Store) SaveSurvey(ctx context.Context, s Survey) (*Survey, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	now := st.Now()
	var saved *Survey
	err := pgx.BeginFunc(ctx, st.pool, func(tx pgx.Tx) error {
		var err error
		saved, err = scanSurvey(tx.QueryRow(ctx, `
INSERT INTO surveys (shipment_id, consignee_id, csat, nps, comment, created_at, updated_at)
SELECT s.id, s.consignee_id, $2, $3, $4, $5, $5 FROM shipments s WHERE s.id = $1
ON CONFLICT (shipment_id) DO UPDATE
SET csat = EXCLUDED.csat, nps = EXCLUDED.nps, comment = EXCLUDED.comment, updated_at = EXCLUDED.updated_at
WHERE surveys.created_at > EXCLUDED.updated_at - make_interval(secs => $6)
RETURNING `+surveyCols,
			s.ShipmentID, s.CSAT, s.NPS, s.Comment, now, SurveyEditWindow.Seconds()))
		if err != nil {
			return err
		}
		return st.emitSurvey(ctx, tx, saved)
	})
	if err == nil {
		return saved, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("customers: save survey of shipment %d: %w", s.ShipmentID, err)
	}
	// No row: either the shipment does not exist or the edit window has closed.
	if _, err := st.SurveyFor(ctx, s.ShipmentID); err != nil {
		return nil, err
	}
	return nil, ErrSurveyClosed
}

// SurveyFor returns the answer given for a shipment, or ErrNotFound when there is none.
func (st *Store) SurveyFor(ctx context.Context, shipmentID int64) (*Survey, error) {
	s, err := scanSurvey(st.pool.QueryRow(ctx, `SELECT `+surveyCols+` FROM surveys WHERE shipment_id = $1`, shipmentID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("customers: survey of shipment %d: %w", shipmentID, err)
	}
	return s, nil
}

// EventSurveyAnswered is the webhook event type of a survey answer (and of each edit).
const EventSurveyAnswered = "survey.answered"

// SurveyData is the data of survey.answered.
type SurveyData struct {
	TrackingNo string    `json:"tracking_no"`
	CSAT       int       `json:"csat"`
	NPS        int       `json:"nps"`
	Comment    string    `json:"comment,omitempty"`
	AnsweredAt time.Time `json:"answered_at"`
}

// emitSurvey hands survey.answered for sv to the store's Events sink, if any, through tx.
// The event is named by the answer, so a retry of the same answer emits nothing new.
func (st *Store) emitSurvey(ctx context.Context, tx pgx.Tx, sv *Survey) error {
	if st.Events == nil {
		return nil
	}
	var shipperID int64
	var tn string
	if err := tx.QueryRow(ctx, `SELECT shipper_id, tracking_no FROM shipments WHERE id = $1`, sv.ShipmentID).Scan(&shipperID, &tn); err != nil {
		return err
	}
	id := strconv.FormatInt(sv.ShipmentID, 10)
	return st.Events.Emit(ctx, tx, shipperID, EventSurveyAnswered, "survey:"+id+":"+strconv.Itoa(sv.CSAT)+":"+strconv.Itoa(sv.NPS)+":"+sv.Comment,
		"shipment:"+id, SurveyData{TrackingNo: tn, CSAT: sv.CSAT, NPS: sv.NPS, Comment: sv.Comment, AnsweredAt: sv.UpdatedAt.UTC()})
}
