package complaints_test

import (
	"context"
	"errors"
	"testing"

	"lcrm/audit"
	"lcrm/complaints"
	"lcrm/internal/errs"
)

func TestRenderCanned(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body string
		vars map[string]string
		want string
	}{
		{"您好{name}，快递 {tracking_no}（{ref}）", map[string]string{"name": "张先生", "tracking_no": "SF1", "ref": "C2611-000001"}, "您好张先生，快递 SF1（C2611-000001）"},
		{"{name} {name}", map[string]string{"name": "A"}, "A A"},
		{"missing {tracking_no}", map[string]string{"name": "A"}, "missing {tracking_no}"},
		{"no placeholders", nil, "no placeholders"},
	} {
		if got := complaints.RenderCanned(tc.body, tc.vars); got != tc.want {
			t.Errorf("RenderCanned(%q) = %q, want %q", tc.body, got, tc.want)
		}
	}
}

func TestCannedReplies(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	admin := f.user("admin", "admin", 0)
	// Every category has a seeded reply in both languages.
	for _, cat := range complaints.Categories {
		for _, loc := range []string{"zh-CN", "en"} {
			got, err := f.store.Canned(ctx, cat, loc)
			if err != nil || len(got) == 0 {
				t.Errorf("Canned(%s, %s) = %d replies, %v", cat, loc, len(got), err)
			}
		}
	}
	general := complaints.CannedReply{Locale: "en", Title: "Thanks", Body: "Thank you, {name}."}
	a, err := f.store.SaveCanned(ctx, general, admin)
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.store.SaveCanned(ctx, general, admin) // a retried save
	if err != nil || b.ID != a.ID {
		t.Fatalf("retry saved %d, first %d, %v", b.ID, a.ID, err)
	}
	got, _ := f.store.Canned(ctx, complaints.Billing, "en-US")
	if len(got) != 2 || got[0].Category != complaints.Billing || got[1].ID != a.ID {
		t.Errorf("billing + general = %+v", got)
	}
	a.Body = "Thanks a lot, {name}."
	if _, err := f.store.SaveCanned(ctx, a, admin); err != nil {
		t.Fatal(err)
	}
	var ve *errs.ValidationError
	if _, err := f.store.SaveCanned(ctx, complaints.CannedReply{Category: "x", Locale: "en"}, admin); !errors.As(err, &ve) || len(ve.Fields) != 3 {
		t.Errorf("invalid save: %v", err)
	}
	if _, err := f.store.SaveCanned(ctx, complaints.CannedReply{ID: 9999, Locale: "en", Title: "t", Body: "b"}, admin); !errors.Is(err, complaints.ErrNotFound) {
		t.Errorf("save missing id: %v", err)
	}
	for range 2 {
		if err := f.store.DeleteCanned(ctx, a.ID, admin); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := f.store.Canned(ctx, complaints.Billing, "en"); len(got) != 1 {
		t.Errorf("after delete: %d replies", len(got))
	}
	logged, _ := audit.List(ctx, f.pool, audit.Filter{Object: "canned_reply", ObjectID: a.ID})
	if len(logged) != 4 { // save, retried save, edit, delete
		t.Errorf("%d audit entries, want 4", len(logged))
	}
}
