-- wrk script: GET /api/v1/track/{no} (or the HTML page with WRK_PATH=/track/) for random
-- tracking numbers read from numbers.txt (made by `loadgen numbers`). Lookups are rate
-- limited per client address (60 a minute): start lcrm with LCRM_LOOKUPS_PER_MINUTE=1000000000
-- (and LCRM_JOBS=false) for a load run, or nearly every answer is a 429. The floor is
-- pgbench -M prepared (pgx caches statements too) on bench/track_pgbench.sql.
local nums = {}
for line in io.lines("numbers.txt") do nums[#nums + 1] = line end
local prefix = os.getenv("WRK_PATH") or "/api/v1/track/"
math.randomseed(os.time())
request = function()
  return wrk.format("GET", prefix .. nums[math.random(#nums)])
end
done = function(summary, latency, requests)
  io.write(string.format("requests/s %.0f  p50 %.2f ms  p99 %.2f ms  errors %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect + summary.errors.timeout))
end
