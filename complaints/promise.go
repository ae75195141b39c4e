package complaints

import "time"

// CustomerDue is the resolution time the customer's progress page promises for a
// deadline: the deadline itself when it falls within the desk's opening hours (its closing
// minute included), else the next opening after it. Deadlines of policies that count
// around the clock (P1, key shippers' P2) can fall at 03:00 or on a Sunday, when nobody
// answers; the customer is never promised a time earlier than the team's own deadline. A
// calendar that is never open leaves the deadline as it is.
func CustomerDue(due time.Time, cal Calendar) time.Time {
	day := cal.midnight(due)
	for i := 0; i < maxDays; i++ {
		if from, to, ok := cal.open(day); ok {
			switch {
			case due.Before(from):
				return from.In(due.Location())
			case !due.After(to):
				return due
			}
		}
		day = day.AddDate(0, 0, 1)
	}
	return due
}
