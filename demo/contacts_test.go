package demo_test

import (
	"context"
	"testing"
	"time"

	"lcrm/accounts"
	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/demo"
	"lcrm/internal/testdb"
)

// The demo contact log is in the past, about the demo complaints, shows a recent call on the
// newest complaint's customer, and a second run adds nothing.
func TestContacts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	load(t, pool, 7, 4000)
	u, err := accounts.NewStore(pool).CreateUser(ctx, accounts.NewUser{Email: "a1@demo.test", Name: "一号", Role: accounts.RoleAgent, Password: "demo-password-1"})
	if err != nil {
		t.Fatal(err)
	}
	agents := []complaints.Actor{{UserID: u.ID, Name: u.Name}}
	if _, err := demo.Care(ctx, pool, agents, 7, now); err != nil {
		t.Fatal(err)
	}
	n, err := demo.Contacts(ctx, pool, agents, 7, now)
	if err != nil || n < 20 {
		t.Fatalf("contacts: %d, %v", n, err)
	}
	var rows, future, strays int
	pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE created_at > $1),
		count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM complaints c WHERE c.id = complaint_id AND c.consignee_id = contacts.consignee_id))
		FROM contacts`, now).Scan(&rows, &future, &strays)
	if rows != n || future != 0 || strays != 0 {
		t.Errorf("%d rows for %d contacts, %d in the future, %d not about their customer's complaint", rows, n, future, strays)
	}
	if again, err := demo.Contacts(ctx, pool, agents, 7, now); err != nil || again != n {
		t.Errorf("second run: %d, %v", again, err)
	}
	pool.QueryRow(ctx, `SELECT count(*) FROM contacts`).Scan(&rows)
	if rows != n {
		t.Errorf("second run added rows: %d, want %d", rows, n)
	}
	var newest int64
	pool.QueryRow(ctx, `SELECT consignee_id FROM complaints ORDER BY created_at DESC, id DESC LIMIT 1`).Scan(&newest)
	last, err := customers.NewStore(pool).LastContact(ctx, customers.KindConsignee, newest, now.Add(-time.Hour))
	if err != nil || last.UserName != "一号" {
		t.Errorf("no recent call on the newest complaint's customer: %+v, %v", last, err)
	}
}
