package main

import (
	"lcrm/complaints"
	"lcrm/disruptions"
)

// disruptions is a disruptions store on the app's clock over cs, which from then on tags
// the complaints it files about affected parcels (complaints.Store.Pauses). lcrm serve
// gives the portal one store, so the tracking pages' cached list of disruptions sees the
// console's changes at once.
func (a *app) disruptions(cs *complaints.Store) *disruptions.Store {
	ds := disruptions.NewStore(a.pool, cs)
	ds.Now = a.now
	cs.Pauses = ds
	return ds
}
