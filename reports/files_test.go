package reports_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/xuri/excelize/v2"

	"lcrm/customers"
	"lcrm/internal/testdb"
	"lcrm/reports"
)

func TestStoredWorkbooks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	seed(t, pool, []parcel{{no: "WB00000001", shipper: "WB", tier: customers.TierKey, created: local(10, 3, 9, 0),
		out: local(10, 4, 8, 0), delivered: local(10, 4, 20, 0)}})
	st := reports.NewStore(pool)
	oct := reports.Month(local(10, 15, 0, 0), nil)
	week := reports.Week(local(10, 8, 12, 0), nil) // Wednesday
	if got := week.From; !got.Equal(local(10, 5, 0, 0)) || !week.To.Equal(local(10, 12, 0, 0)) {
		t.Fatalf("week = %s..%s, want Monday 10-05 to 10-12", week.From, week.To)
	}
	cases := []struct {
		kind      string
		p         reports.Period
		delivered string // Summary!B7 (Delivered) of the stored file
		err       bool
	}{
		{reports.KindMonthly, oct, "1", false},
		{reports.KindWeekly, week, "0", false},
		{reports.KindWeekly, week, "0", false}, // again: replaces
		{"yearly", oct, "", true},
		{reports.KindManual, reports.Period{From: oct.To, To: oct.From}, "", true},
	}
	ids := map[int64]bool{}
	for _, c := range cases {
		w, err := st.SaveWorkbook(ctx, c.kind, c.p)
		if c.err {
			if err == nil {
				t.Errorf("%s %s: saved, want an error", c.kind, c.p.From)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		ids[w.ID] = true
		got, content, err := st.OpenWorkbook(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.FileName != reports.FileName(c.p) || got.Size != len(content) || got.Kind != c.kind || !got.Period.From.Equal(c.p.From) {
			t.Errorf("stored %+v, want %s of %d bytes", got, reports.FileName(c.p), len(content))
		}
		f, err := excelize.OpenReader(bytes.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		// Stored workbooks are Chinese.
		summary := reports.SheetName("zh", reports.SheetSummary)
		if v, _ := f.GetCellValue(summary, "A7"); v != "签收量" {
			t.Errorf("汇总!A7 = %q", v)
		}
		if v, _ := f.GetCellValue(summary, "B7"); v != c.delivered {
			t.Errorf("%s: delivered = %q, want %s", c.kind, v, c.delivered)
		}
		f.Close()
	}
	if len(ids) != 2 {
		t.Errorf("ids = %v, want 2 files (the weekly one replaced)", ids)
	}
	list, err := st.ListWorkbooks(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Kind != reports.KindWeekly || list[1].Kind != reports.KindMonthly {
		t.Errorf("list = %+v, want the week then the month", list)
	}
	if _, _, err := st.OpenWorkbook(ctx, 999999); !errors.Is(err, reports.ErrNoFile) {
		t.Errorf("missing file: %v", err)
	}
}

func TestPruneWorkbooks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	st := reports.NewStore(pool)
	var weeks []reports.Period
	for i := range 4 {
		w := reports.Week(local(9, 7+7*i, 12, 0), nil)
		weeks = append(weeks, w)
		if _, err := st.SaveWorkbook(ctx, reports.KindWeekly, w); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.SaveWorkbook(ctx, reports.KindMonthly, reports.Month(local(9, 1, 0, 0), nil)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		keep, deleted, left int
	}{{5, 0, 4}, {2, 2, 2}, {2, 0, 2}}
	for _, c := range cases {
		n, err := st.PruneWorkbooks(ctx, reports.KindWeekly, c.keep)
		if err != nil || n != c.deleted {
			t.Errorf("prune keep %d = %d, %v; want %d deleted", c.keep, n, err, c.deleted)
		}
	}
	files, err := st.ListWorkbooks(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	var weekly []reports.StoredWorkbook
	monthly := 0
	for _, f := range files {
		switch f.Kind {
		case reports.KindWeekly:
			weekly = append(weekly, f)
		case reports.KindMonthly:
			monthly++
		}
	}
	// The two newest weeks stay; other kinds are untouched.
	if len(weekly) != 2 || !weekly[0].Period.From.Equal(weeks[3].From) || !weekly[1].Period.From.Equal(weeks[2].From) || monthly != 1 {
		t.Errorf("left %d weekly (%v), %d monthly", len(weekly), weekly, monthly)
	}
}
