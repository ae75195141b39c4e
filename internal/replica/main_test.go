package replica_test

import (
	"testing"

	"lcrm/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }
