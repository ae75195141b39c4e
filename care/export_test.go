package care

// CandidatesSQL is the detector's scan, for EXPLAIN in the big test.
const CandidatesSQL = candidatesSQL

// SurveysSQL is the survey job's scan, for EXPLAIN in the big test.
const SurveysSQL = surveysSQL

// SetSignoffBatch sets the detector's batch size and whether new flags are alerted in
// their batch, until the returned func restores them. Only for tests that do not run in
// parallel.
func SetSignoffBatch(n int, inline bool) (restore func()) {
	oldN, oldInline := signoffBatch, alertInline
	signoffBatch, alertInline = n, inline
	return func() { signoffBatch, alertInline = oldN, oldInline }
}
