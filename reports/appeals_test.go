package reports_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/xuri/excelize/v2"

	"lcrm/reports"
)

// addAppeals registers an appeal on about a quarter of the complaints (fixed seed), received
// hours to days after filing, with a mix of sources and verdicts (none, effective, not).
func addAppeals(t testing.TB, pool *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	rows, err := pool.Query(ctx, `SELECT id, created_at FROM complaints ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	type complaint struct {
		id int64
		at time.Time
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (complaint, error) {
		var c complaint
		return c, r.Scan(&c.id, &c.at)
	})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(15, 1))
	sources := []string{"hotline_12305", "web_12305", "provincial_bureau"}
	var b pgx.Batch
	for i, c := range list {
		if r.IntN(100) >= 25 {
			continue
		}
		received := c.at.Add(time.Duration(1+r.IntN(20*24)) * time.Hour)
		var effective, verdict any
		if v := r.IntN(3); v > 0 {
			effective, verdict = v == 1, received.Add(10*24*time.Hour).Format(time.DateOnly)
		}
		b.Queue(`INSERT INTO appeals (complaint_id, source, appeal_no, received_at, reply_due, effective, verdict_on, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7::date, $4, $4)`, c.id, sources[r.IntN(len(sources))], fmt.Sprintf("AP-%05d", i),
			received, received.Add(7*24*time.Hour), effective, verdict)
	}
	if err := pool.SendBatch(ctx, &b).Close(); err != nil {
		t.Fatal(err)
	}
}

// rawAppeal is an appeal with what the figures group it by, read with plain SELECTs.
type rawAppeal struct {
	no                   string
	shipment             int64
	category, department string
	received             time.Time
	effective            bool
}

func readAppeals(t *testing.T, pool *pgxpool.Pool) []rawAppeal {
	t.Helper()
	ctx := context.Background()
	complaints := map[int64]rawAppeal{}
	rows, err := pool.Query(ctx, `SELECT id, shipment_id, category, department FROM complaints`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var a rawAppeal
		if err := rows.Scan(&id, &a.shipment, &a.category, &a.department); err != nil {
			t.Fatal(err)
		}
		complaints[id] = a
	}
	rows, err = pool.Query(ctx, `SELECT complaint_id, appeal_no, received_at, effective FROM appeals`)
	if err != nil {
		t.Fatal(err)
	}
	var out []rawAppeal
	for rows.Next() {
		var id int64
		var no string
		var at time.Time
		var eff *bool
		if err := rows.Scan(&id, &no, &at, &eff); err != nil {
			t.Fatal(err)
		}
		a := complaints[id]
		a.no, a.received, a.effective = no, at, eff != nil && *eff
		out = append(out, a)
	}
	return out
}

func TestAppealKPIsAgainstRawRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := loadDemo(t, 1500, false)
	addComplaints(t, pool, 400)
	addAppeals(t, pool)
	st := reports.NewStore(pool)
	r := readRaw(t, pool)
	byID := r.byID()
	appeals := readAppeals(t, pool)
	if len(appeals) < 50 {
		t.Fatalf("only %d appeals generated", len(appeals))
	}
	month := reports.Period{From: day(2026, 10, 22), To: day(2026, 11, 21)}
	for _, c := range []struct {
		name string
		p    reports.Period
		f    reports.Filter
	}{
		{"30 days", month, reports.Filter{}},
		{"key tier", month, reports.Filter{Tier: "key"}},
		{"one province", month, reports.Filter{DestProvince: "广东省"}},
		{"empty period", reports.Period{From: day(2027, 3, 1), To: day(2027, 3, 8)}, reports.Filter{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			type want struct{ appeals, effective, delivered int64 }
			total := want{}
			prov, cat, dept := map[string]*want{}, map[string]*want{}, map[string]*want{}
			get := func(m map[string]*want, k string) *want {
				if m[k] == nil {
					m[k] = &want{}
				}
				return m[k]
			}
			for _, s := range r.shipments {
				if s.matches(c.f) && s.deliveredAt != nil && in(*s.deliveredAt, c.p.From, c.p.To) {
					total.delivered++
					get(prov, s.prov).delivered++
				}
			}
			var nos []string
			for _, a := range appeals {
				if !byID[a.shipment].matches(c.f) || !in(a.received, c.p.From, c.p.To) {
					continue
				}
				nos = append(nos, a.no)
				for _, w := range []*want{&total, get(prov, byID[a.shipment].prov), get(cat, a.category), get(dept, a.department)} {
					w.appeals++
					if a.effective {
						w.effective++
					}
				}
			}
			got, err := st.Appeals(ctx, c.p, c.f)
			if err != nil {
				t.Fatal(err)
			}
			check := func(what string, g reports.AppealGroup, w want, delivered int64) {
				t.Helper()
				sameInt(t, what+" appeals", g.Appeals, w.appeals)
				sameInt(t, what+" effective", g.Effective, w.effective)
				sameInt(t, what+" delivered", g.Delivered, delivered)
				var per, effPer *float64
				if delivered > 0 {
					p, e := float64(w.appeals)/float64(delivered)*1e6, float64(w.effective)/float64(delivered)*1e6
					per, effPer = &p, &e
				}
				sameFloat(t, what+" per million", g.PerMillion(), per)
				sameFloat(t, what+" effective per million", g.EffectivePerMillion(), effPer)
			}
			check("total", got.Total, total, total.delivered)
			for _, x := range []struct {
				what   string
				groups []reports.AppealGroup
				want   map[string]*want
				own    bool // the group's own denominator (provinces) or the total's
			}{{"province", got.ByProvince, prov, true}, {"category", got.ByCategory, cat, false}, {"department", got.ByDepartment, dept, false}} {
				if len(x.groups) != len(x.want) {
					t.Errorf("%s groups = %d, want %d", x.what, len(x.groups), len(x.want))
				}
				for _, g := range x.groups {
					w := x.want[g.Key]
					if w == nil {
						t.Errorf("%s %q not expected", x.what, g.Key)
						continue
					}
					d := total.delivered
					if x.own {
						d = w.delivered
					}
					check(x.what+" "+g.Key, g, *w, d)
				}
			}
			if len(got.Appeals) != len(nos) {
				t.Errorf("listed %d appeals, want %d", len(got.Appeals), len(nos))
			}
			for i := 1; i < len(got.Appeals); i++ {
				if got.Appeals[i].ReceivedAt.Before(got.Appeals[i-1].ReceivedAt) {
					t.Fatal("appeal list not oldest first")
				}
			}
			if c.name == "30 days" && (total.appeals == 0 || total.effective == 0) {
				t.Fatalf("the period holds %d appeals, %d effective: the test data misses it", total.appeals, total.effective)
			}
		})
	}
}

// The workbook's Appeals sheet holds the same figures and list as Appeals.
func TestAppealSheet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := loadDemo(t, 800, false)
	addComplaints(t, pool, 200)
	addAppeals(t, pool)
	st := reports.NewStore(pool)
	p := reports.Period{From: day(2026, 10, 22), To: day(2026, 11, 21)}
	rep, err := st.Appeals(ctx, p, reports.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Appeals) == 0 {
		t.Fatal("no appeals in the period")
	}
	var buf bytes.Buffer
	if err := reports.WriteWorkbook(ctx, &buf, st, p, reports.Filter{}, "en"); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Appeals")
	if err != nil {
		t.Fatal(err)
	}
	groups := 1 + len(rep.ByProvince) + len(rep.ByCategory) + len(rep.ByDepartment)
	if want := 1 + groups + 1 + 1 + len(rep.Appeals); len(rows) != want {
		t.Fatalf("%d rows, want %d", len(rows), want)
	}
	total := rows[1]
	if total[0] != "Total" || total[2] != fmt.Sprint(rep.Total.Appeals) || total[3] != fmt.Sprint(rep.Total.Effective) {
		t.Errorf("total row %v, want %d appeals, %d effective", total, rep.Total.Appeals, rep.Total.Effective)
	}
	cellNum(t, f, "Appeals", "F2", rep.Total.PerMillion())
	list := rows[groups+2:]
	if list[0][0] != "Appeal number" || list[1][0] != rep.Appeals[0].No || list[len(list)-1][0] != rep.Appeals[len(rep.Appeals)-1].No {
		t.Errorf("appeal list starts %v, ends %v", list[:2], list[len(list)-1])
	}
}
