package config

import (
	"time"
	_ "time/tzdata" // zones work on machines without a tz database (minimal images)
)

// DefaultZoneName is the zone lcrm shows times in, computes promises and keeps business
// hours in when LCRM_TIMEZONE is not set; it is also the local time of every +86 number.
const DefaultZoneName = "Asia/Shanghai"

// DefaultZone is DefaultZoneName loaded once: the one place the default lives (shipments,
// complaints and notify use it when they are given no zone).
var DefaultZone = mustZone(DefaultZoneName)

func mustZone(name string) *time.Location {
	z, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // embedded tzdata has it: a failure is a build defect
	}
	return z
}
