package care

// CandidatesSQL is the detector's scan, for EXPLAIN in the big test.
const CandidatesSQL = candidatesSQL

// SurveysSQL is the survey job's scan, for EXPLAIN in the big test.
const SurveysSQL = surveysSQL
