package reports

// LiveCuts is how many ranges st has cut live instead of reading the rollup.
func LiveCuts(st *Store) int64 { return st.liveCuts.Load() }

// ReadAllLive makes st ignore the rollup: every read cuts its whole range live.
func ReadAllLive(st *Store) { st.allLive = true }
