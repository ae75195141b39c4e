package reports_test

import (
	"testing"

	"lcrm/accounts"
	"lcrm/internal/testdb"
)

func TestMain(m *testing.M) {
	accounts.UseTestHashCost() // tests check rules, not the cost of a guess
	testdb.Main(m)
}
