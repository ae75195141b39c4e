package complaints

// Regulator appeals (12305 / 邮政管理部门申诉): a customer not satisfied with how a
// complaint was handled appeals to the postal regulator, which forwards the appeal with a
// reply deadline. The regulator publishes appeals per million parcels and ranks companies
// by them, so an appeal outranks everything else on the desk:
//
//   - registering one (supervisor+) makes the complaint P1 and reopens it when it was
//     settled: the regulator's transfer says the customer's problem is not;
//   - half its reply window used without a formal reply, it goes to a manager
//     (CheckEscalations, appeal_escalation.go);
//   - it is never closed automatically (AutoClose);
//   - the company's formal reply to the regulator (text and files) is kept apart from the
//     replies to the customer and never shown on the customer's pages.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"lcrm/accounts"
	"lcrm/internal/config"
	"lcrm/internal/errs"
)

// AppealSource is where the regulator's transfer came from.
type AppealSource string

// The appeal sources, in the order forms show them.
const (
	SourceHotline12305     AppealSource = "hotline_12305"     // 12305 hotline
	SourceWeb12305         AppealSource = "web_12305"         // 12305 website
	SourceProvincialBureau AppealSource = "provincial_bureau" // a provincial postal bureau
)

// AppealSources lists every source in display order.
var AppealSources = []AppealSource{SourceHotline12305, SourceWeb12305, SourceProvincialBureau}

// Valid reports whether s is a known source.
func (s AppealSource) Valid() bool { return slices.Contains(AppealSources, s) }

// Timeline entry kinds of appeals: never public.
const (
	KindAppeal      = "appeal"       // registration, verdict, hand-over to a manager
	KindFormalReply = "formal_reply" // the company's formal reply to the regulator
)

// Limits of an appeal.
const (
	MaxAppealNo    = 64                 // characters of the regulator's number
	MaxFormalReply = 4 * MaxDescription // characters of a formal reply
	MaxAppealFiles = 5                  // files per formal reply
)

// AppealFileTypes are the formats a formal reply may attach (scans, photos, letters).
var AppealFileTypes = []string{"image/jpeg", "image/png", "image/webp", "application/pdf"}

// Errors of appeals callers tell apart.
var (
	ErrNoAppeal        = errs.New(errs.NotFound, "appeals.err_none", "complaints: this complaint is not an appeal")
	ErrAppealNoTaken   = errs.New(errs.Conflict, "appeals.err_no_taken", "complaints: this appeal number is registered on another complaint")
	ErrAppealExists    = errs.New(errs.Conflict, "appeals.err_exists", "complaints: this complaint already has an appeal with another number")
	ErrAppealRole      = errs.New(errs.Forbidden, "appeals.err_role", "complaints: only a supervisor or above may register an appeal or its verdict")
	ErrAppealDue       = errs.New(errs.Invalid, "appeals.err_due", "complaints: the reply deadline must come after the appeal was received")
	ErrAppealFileType  = errs.New(errs.Invalid, "appeals.err_file_type", "complaints: a formal reply attaches JPEG, PNG or WebP images or PDF files")
	ErrAppealFileCount = errs.New(errs.Invalid, "appeals.err_file_count", "complaints: at most 5 files per formal reply")
)

// Appeal is the regulator's appeal about one complaint.
type Appeal struct {
	ID          int64
	ComplaintID int64
	Source      AppealSource
	No          string // the regulator's appeal number
	ReceivedAt  time.Time
	ReplyDue    time.Time
	// EscalatedAt is when half the reply window passed without a formal reply and the
	// appeal went to a manager (EscalatedTo, EscalatedToName); nil until then.
	EscalatedAt     *time.Time
	EscalatedTo     int64
	EscalatedToName string
	RepliedAt       *time.Time // the first formal reply
	Effective       *bool      // the regulator's verdict: an effective appeal (有效申诉); nil: none yet
	VerdictOn       *time.Time // the verdict's date (midnight UTC of that day)
	CreatedAt       time.Time
}

// HalfDue is when half the reply window is used: the appeal goes to a manager then.
func (a *Appeal) HalfDue() time.Time { return a.ReceivedAt.Add(a.ReplyDue.Sub(a.ReceivedAt) / 2) }

// Verdict is the regulator's verdict as a word: "effective", "not_effective", or "" when
// none has come yet.
func (a *Appeal) Verdict() string {
	switch {
	case a.Effective == nil:
		return ""
	case *a.Effective:
		return "effective"
	}
	return "not_effective"
}

// AppealRegistration is what the regulator's transfer says.
type AppealRegistration struct {
	Source     AppealSource
	No         string
	ReceivedAt time.Time
	ReplyDue   time.Time // zero: ReceivedAt + the store's AppealReplyWindow
}

// replyWindow is the default reply window.
func (s *Store) replyWindow() time.Duration {
	if s.AppealReplyWindow > 0 {
		return s.AppealReplyWindow
	}
	return config.DefaultAppealReplyWindow
}

// ReplyWindow is the reply window an appeal gets when its transfer names no deadline.
func (s *Store) ReplyWindow() time.Duration { return s.replyWindow() }

// normalize trims r, fills the default deadline and reports every bad field.
func (r *AppealRegistration) normalize(window time.Duration, now time.Time) error {
	var v errs.ValidationError
	r.No = strings.ToUpper(strings.Join(strings.Fields(r.No), ""))
	if !r.Source.Valid() {
		v.AddKey("source", "field.choose_one_of", map[string]any{"Choices": "hotline_12305, web_12305, provincial_bureau"})
	}
	if r.No == "" {
		v.AddKey("appeal_no", errs.KeyRequired, nil)
	} else {
		v.Text("appeal_no", r.No, MaxAppealNo, false)
	}
	switch {
	case r.ReceivedAt.IsZero():
		v.AddKey("received_at", errs.KeyRequired, nil)
	case r.ReceivedAt.After(now.Add(5 * time.Minute)): // a little clock skew is fine
		v.AddKey("received_at", errs.KeyFuture, nil)
	default:
		if r.ReplyDue.IsZero() {
			r.ReplyDue = r.ReceivedAt.Add(window)
		}
		if !r.ReplyDue.After(r.ReceivedAt) {
			v.AddErr("reply_due", ErrAppealDue)
		}
	}
	return v.Err()
}

// requireSupervisor refuses by (ErrAppealRole) unless the users table says they are a
// supervisor or above now. The zero Actor is the system: allowed.
func requireSupervisor(ctx context.Context, q querier, by Actor) error {
	if by.UserID == 0 {
		return nil
	}
	role, err := roleOf(ctx, q, by.UserID)
	if err != nil {
		return err
	}
	if !role.AtLeast(accounts.RoleSupervisor) {
		return ErrAppealRole
	}
	return nil
}

// RegisterAppeal records the regulator's appeal about complaint id (supervisor+, else
// ErrAppealRole). The same appeal number registered again on the same complaint returns
// the appeal already stored and changes nothing (created is false); on another complaint
// it is ErrAppealNoTaken, and a second number on one complaint ErrAppealExists. A new
// appeal raises the complaint to P1 (the most urgent priority, deadlines recomputed) and
// reopens it when it was resolved or closed, however long ago; each step is on the
// timeline (the appeal entry internal) and in the audit log.
func (s *Store) RegisterAppeal(ctx context.Context, id int64, by Actor, r AppealRegistration) (a *Appeal, created bool, err error) {
	err = s.mutate(ctx, id, func(tx pgx.Tx, c *Complaint, now time.Time) error {
		if err := requireSupervisor(ctx, tx, by); err != nil {
			return err
		}
		if err := r.normalize(s.replyWindow(), now); err != nil {
			return err
		}
		var appealID int64
		err := tx.QueryRow(ctx, `INSERT INTO appeals (complaint_id, source, appeal_no, received_at, reply_due,
			registered_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, NULLIF($6, 0), $7, $7)
			ON CONFLICT DO NOTHING RETURNING id`, id, r.Source, r.No, r.ReceivedAt, r.ReplyDue, by.UserID, now).Scan(&appealID)
		if errors.Is(err, pgx.ErrNoRows) { // the number or the complaint has an appeal already
			if a, err = appealWhere(ctx, tx, "a.appeal_no = $1", r.No); errors.Is(err, ErrNoAppeal) {
				return ErrAppealExists
			} else if err != nil {
				return err
			}
			if a.ComplaintID != id {
				return ErrAppealNoTaken
			}
			return nil
		}
		if err != nil {
			return err
		}
		created = true
		text := fmt.Sprintf("regulator appeal %s registered (%s): received %s, reply due %s", r.No, r.Source,
			r.ReceivedAt.In(s.zone()).Format("2006-01-02 15:04"), r.ReplyDue.In(s.zone()).Format("2006-01-02 15:04"))
		if _, err := addEntry(ctx, tx, id, by, ActorSystem, Entry{At: now, Kind: KindAppeal, Text: text}); err != nil {
			return err
		}
		if _, err := s.reprioritize(ctx, tx, c, P1, by, "regulator appeal", now); err != nil {
			return err
		}
		if !c.Status.Open() {
			c.regulator = true
			if err := s.move(ctx, tx, c, StatusReopened, by, ActorSystem, "", now); err != nil {
				return err
			}
		}
		if err := record(ctx, tx, by, "appeal", id, nil, r, now); err != nil {
			return err
		}
		a, err = appealWhere(ctx, tx, "a.id = $1", appealID)
		return err
	})
	return a, created, wrap("register appeal", err)
}

// selectAppeal reads appeals with the name of the manager they went to; callers append
// a WHERE clause over a.
const selectAppeal = `SELECT a.id, a.complaint_id, a.source, a.appeal_no, a.received_at, a.reply_due, a.escalated_at,
	COALESCE(a.escalated_to, 0), COALESCE(u.name, ''), a.replied_at, a.effective, a.verdict_on::timestamp, a.created_at
FROM appeals a LEFT JOIN users u ON u.id = a.escalated_to
WHERE `

func scanAppeal(row pgx.Row) (*Appeal, error) {
	var a Appeal
	var verdict *time.Time
	err := row.Scan(&a.ID, &a.ComplaintID, &a.Source, &a.No, &a.ReceivedAt, &a.ReplyDue, &a.EscalatedAt,
		&a.EscalatedTo, &a.EscalatedToName, &a.RepliedAt, &a.Effective, &verdict, &a.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNoAppeal
	}
	if verdict != nil {
		v := time.Date(verdict.Year(), verdict.Month(), verdict.Day(), 0, 0, 0, 0, time.UTC)
		a.VerdictOn = &v
	}
	return &a, err
}

func appealWhere(ctx context.Context, q querier, where string, args ...any) (*Appeal, error) {
	return scanAppeal(q.QueryRow(ctx, selectAppeal+where, args...))
}

// AppealOf returns the appeal about a complaint (ErrNoAppeal when there is none).
func (s *Store) AppealOf(ctx context.Context, complaintID int64) (*Appeal, error) {
	a, err := appealWhere(ctx, s.pool, "a.complaint_id = $1", complaintID)
	if err != nil && !errors.Is(err, ErrNoAppeal) {
		return nil, fmt.Errorf("complaints: appeal of %d: %w", complaintID, err)
	}
	return a, err
}

// AppealsOf returns the appeals about any of the complaints, by complaint id (for the
// queue's badges: one query for a whole page).
func (s *Store) AppealsOf(ctx context.Context, complaintIDs []int64) (map[int64]Appeal, error) {
	out := map[int64]Appeal{}
	if len(complaintIDs) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, selectAppeal+"a.complaint_id = ANY($1)", complaintIDs)
	if err != nil {
		return nil, fmt.Errorf("complaints: appeals of: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAppeal(rows)
		if err != nil {
			return nil, fmt.Errorf("complaints: appeals of: %w", err)
		}
		out[a.ComplaintID] = *a
	}
	return out, rows.Err()
}

// SetVerdict records the regulator's verdict on complaint id's appeal (supervisor+, else
// ErrAppealRole): whether it was an effective appeal (有效申诉) and the day of the ruling
// (its date in the store's zone). The same verdict again is a no-op; a changed one is
// recorded with a new timeline entry and audited with what it was before.
func (s *Store) SetVerdict(ctx context.Context, id int64, by Actor, effective bool, on time.Time) error {
	err := s.mutate(ctx, id, func(tx pgx.Tx, c *Complaint, now time.Time) error {
		if err := requireSupervisor(ctx, tx, by); err != nil {
			return err
		}
		a, err := appealWhere(ctx, tx, "a.complaint_id = $1 FOR UPDATE OF a", id)
		if err != nil {
			return err
		}
		if on.IsZero() {
			v := &errs.ValidationError{}
			v.AddKey("verdict_on", errs.KeyRequired, nil)
			return v
		}
		day := on.In(s.zone()).Format(time.DateOnly)
		if a.Effective != nil && *a.Effective == effective && a.VerdictOn.Format(time.DateOnly) == day {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE appeals SET effective = $2, verdict_on = $3::date, updated_at = $4 WHERE id = $1`,
			a.ID, effective, day, now); err != nil {
			return err
		}
		word := "not effective"
		if effective {
			word = "effective appeal"
		}
		text := fmt.Sprintf("regulator's verdict on appeal %s: %s (%s)", a.No, word, day)
		if _, err := addEntry(ctx, tx, id, by, ActorSystem, Entry{At: now, Kind: KindAppeal, Text: text}); err != nil {
			return err
		}
		return record(ctx, tx, by, "appeal_verdict", id, map[string]any{"effective": a.Effective, "verdict_on": a.VerdictOn},
			map[string]any{"effective": effective, "verdict_on": day}, now)
	})
	return wrap("set verdict", err)
}

// FormalReply is one of the company's formal replies to the regulator.
type FormalReply struct {
	ID        int64
	Text      string
	ActorName string
	At        time.Time
	Files     []Photo // without their bytes
}

// FormalReplyInput is a formal reply as staff submit it.
type FormalReplyInput struct {
	Text           string
	Files          []Photo
	IdempotencyKey string // a nonce from the form: the same key stores one reply
}

// AddFormalReply stores the company's formal reply to the regulator on complaint id's
// appeal, with its files (JPEG, PNG, WebP or PDF, MaxPhotoBytes each, at most
// MaxAppealFiles). Those MayWork admits may (the assignee, supervisors and up). It is an
// internal timeline entry of its own kind, never on the customer's pages; the first one
// stamps the appeal's RepliedAt, which ends its wait for the manager hand-over. The same
// IdempotencyKey returns the reply already stored.
func (s *Store) AddFormalReply(ctx context.Context, id int64, by Actor, in FormalReplyInput) (*FormalReply, error) {
	text := strings.TrimSpace(in.Text)
	var v errs.ValidationError
	if text == "" {
		v.AddKey("formal_reply", errs.KeyRequired, nil)
	} else {
		v.Text("formal_reply", text, MaxFormalReply, true)
	}
	in.IdempotencyKey = strings.TrimSpace(in.IdempotencyKey)
	if len(in.IdempotencyKey) > maxIdempotencyKey {
		v.AddKey("idempotency_key", "field.longer_than", map[string]any{"Max": maxIdempotencyKey})
	}
	if len(in.Files) > MaxAppealFiles {
		v.AddErr("files", ErrAppealFileCount)
	}
	for i := range in.Files {
		cleanFile(&v, "files", &in.Files[i], i, "file", AppealFileTypes, func(string) { v.AddErr("files", ErrAppealFileType) })
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var replyID int64
	err := s.mutate(ctx, id, func(tx pgx.Tx, c *Complaint, now time.Time) error {
		if err := mayWork(ctx, tx, by, c); err != nil {
			return err
		}
		a, err := appealWhere(ctx, tx, "a.complaint_id = $1 FOR UPDATE OF a", id)
		if err != nil {
			return err
		}
		name := by.Name
		if by.UserID == 0 {
			name = ActorSystem
		}
		err = tx.QueryRow(ctx, `INSERT INTO appeal_replies (appeal_id, idempotency_key, text, actor_id, actor, at)
			VALUES ($1, NULLIF($2, ''), $3, NULLIF($4, 0), $5, $6) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
			a.ID, in.IdempotencyKey, text, by.UserID, name, now).Scan(&replyID)
		if errors.Is(err, pgx.ErrNoRows) { // a retry: the reply is stored already
			return tx.QueryRow(ctx, `SELECT r.id FROM appeal_replies r JOIN appeals a ON a.id = r.appeal_id
				WHERE r.idempotency_key = $1 AND a.complaint_id = $2`, in.IdempotencyKey, id).Scan(&replyID)
		}
		if err != nil {
			return err
		}
		for _, f := range in.Files {
			if _, err := tx.Exec(ctx, `INSERT INTO appeal_files (reply_id, name, content_type, data, created_at)
				VALUES ($1, $2, $3, $4, $5)`, replyID, f.Name, f.ContentType, f.Data, now); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE appeals SET replied_at = COALESCE(replied_at, $2), updated_at = $2 WHERE id = $1`, a.ID, now); err != nil {
			return err
		}
		entry := text
		if len(in.Files) > 0 {
			entry = fmt.Sprintf("%s\n(%d files)", text, len(in.Files))
		}
		if _, err := addEntry(ctx, tx, id, by, ActorSystem, Entry{At: now, Kind: KindFormalReply, Text: entry}); err != nil {
			return err
		}
		return record(ctx, tx, by, "formal_reply", id, nil, map[string]any{"appeal": a.No, "reply_id": replyID, "files": len(in.Files)}, now)
	})
	if err != nil {
		return nil, wrap("formal reply", err)
	}
	replies, err := s.FormalReplies(ctx, id)
	if err != nil {
		return nil, err
	}
	for i := range replies {
		if replies[i].ID == replyID {
			return &replies[i], nil
		}
	}
	return nil, fmt.Errorf("complaints: formal reply %d vanished", replyID)
}

// FormalReplies returns the formal replies of complaint id's appeal, oldest first, with
// their files' names and types (no bytes).
func (s *Store) FormalReplies(ctx context.Context, id int64) ([]FormalReply, error) {
	rows, err := s.pool.Query(ctx, `SELECT r.id, r.text, r.actor, r.at, COALESCE(f.id, 0), COALESCE(f.name, ''), COALESCE(f.content_type, '')
		FROM appeal_replies r JOIN appeals a ON a.id = r.appeal_id LEFT JOIN appeal_files f ON f.reply_id = r.id
		WHERE a.complaint_id = $1 ORDER BY r.at, r.id, f.id`, id)
	if err != nil {
		return nil, fmt.Errorf("complaints: formal replies: %w", err)
	}
	defer rows.Close()
	var out []FormalReply
	for rows.Next() {
		var r FormalReply
		var f Photo
		if err := rows.Scan(&r.ID, &r.Text, &r.ActorName, &r.At, &f.ID, &f.Name, &f.ContentType); err != nil {
			return nil, fmt.Errorf("complaints: formal replies: %w", err)
		}
		if n := len(out); n == 0 || out[n-1].ID != r.ID {
			out = append(out, r)
		}
		if f.ID != 0 {
			last := &out[len(out)-1]
			last.Files = append(last.Files, f)
		}
	}
	return out, rows.Err()
}

// AppealFile returns one file of a formal reply with its bytes (ErrNotFound when it does
// not belong to complaint id's appeal).
func (s *Store) AppealFile(ctx context.Context, id, fileID int64) (*Photo, error) {
	var p Photo
	err := s.pool.QueryRow(ctx, `SELECT f.id, f.name, f.content_type, f.data FROM appeal_files f
		JOIN appeal_replies r ON r.id = f.reply_id JOIN appeals a ON a.id = r.appeal_id
		WHERE a.complaint_id = $1 AND f.id = $2`, id, fileID).Scan(&p.ID, &p.Name, &p.ContentType, &p.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("complaints: appeal file: %w", err)
	}
	return &p, nil
}

// AppealBoard is the appeals' line on the wallboard.
type AppealBoard struct {
	Waiting int // appeals without a formal reply yet
	Overdue int // of those, past their reply deadline
	Pending int // appeals replied to, the regulator's verdict not in yet
}

// AppealBoard counts the appeals at now.
func (s *Store) AppealBoard(ctx context.Context, now time.Time) (AppealBoard, error) {
	var b AppealBoard
	err := s.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE replied_at IS NULL),
		count(*) FILTER (WHERE replied_at IS NULL AND reply_due < $1),
		count(*) FILTER (WHERE replied_at IS NOT NULL AND effective IS NULL)
		FROM appeals WHERE effective IS NULL`, now).Scan(&b.Waiting, &b.Overdue, &b.Pending)
	if err != nil {
		return b, fmt.Errorf("complaints: appeal board: %w", err)
	}
	return b, nil
}
