package complaints

// PolicyElapsed exposes Policy.elapsed (the counted minutes between two instants) to the
// table tests of the pause arithmetic.
var PolicyElapsed = Policy.elapsed
