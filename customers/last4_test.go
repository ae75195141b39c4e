package customers_test

import (
	"context"
	"testing"

	"lcrm/customers"
	"lcrm/internal/testdb"
)

// The last 4 digits of a phone find the people whose number ends so, each extra word
// narrowing by name or city; merged records and other endings never match.
func TestSearchLast4(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := customers.NewStore(testdb.New(t))
	people := []struct{ name, phone, city string }{
		{"张伟", "13800005678", "北京"},
		{"张敏", "13900005678", "上海"},
		{"李娜", "13700005678", "北京"},
		{"王芳", "13600001234", "北京"},
	}
	for _, p := range people {
		if _, err := st.CreateConsignee(ctx, &customers.Consignee{Name: p.name, Phone: p.phone, Address: customers.Address{City: p.city}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.CreateShipper(ctx, &customers.Shipper{Code: "L4", Name: "张记商行", ContactName: "赵六", Phone: "+86 21 5555 5678"}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		q    string
		want []string
	}{
		{"5678", []string{"张伟", "张敏", "李娜", "张记商行"}},
		{"5678 张", []string{"张伟", "张敏", "张记商行"}},
		{"张 5678", []string{"张伟", "张敏", "张记商行"}},
		{"5678 北京", []string{"张伟", "李娜"}},
		{"5678 张 北京", []string{"张伟"}},
		{"5678 赵六", []string{"张记商行"}},
		{"1234 北京", []string{"王芳"}},
		{"9999", nil},
		{"5678 广州", nil},
		{"5678 %", nil}, // a wildcard is a character, not "anything"
	}
	for _, c := range cases {
		got, err := st.Search(ctx, c.q, 20)
		if err != nil {
			t.Fatalf("%q: %v", c.q, err)
		}
		var names []string
		for _, m := range got {
			names = append(names, m.Name)
			if m.Via != "last4" {
				t.Errorf("%q: %s matched via %q, want last4", c.q, m.Name, m.Via)
			}
		}
		if len(names) != len(c.want) {
			t.Errorf("%q: found %v, want %v", c.q, names, c.want)
			continue
		}
		seen := map[string]bool{}
		for _, n := range names {
			seen[n] = true
		}
		for _, w := range c.want {
			if !seen[w] {
				t.Errorf("%q: found %v, want %v", c.q, names, c.want)
				break
			}
		}
	}
	// The city comes with each consignee, to tell two of one name apart.
	if got, _ := st.Search(ctx, "5678 张伟", 20); len(got) != 1 || got[0].City != "北京" || got[0].Phone != "+8613800005678" {
		t.Errorf("张伟 by last 4: %+v", got)
	}
}
