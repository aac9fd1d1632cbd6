-- wrk script: every request POSTs the clip named by $CLIP as the raw body.
local file = assert(io.open(os.getenv("CLIP"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/octet-stream"

local statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  io.write(string.format("wrk: %d requests, %d errors (connect %d, read %d, write %d, timeout %d, status %d)\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout + summary.errors.status,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    summary.errors.status))
  io.write(string.format("RESULT requests_per_second=%.2f p50_ms=%.1f p99_ms=%.1f max_ms=%.1f\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
