-- Shared by the bench's wrk scripts: done() prints one JSON line that bench/load.py reads.
-- Scripts that count answers themselves keep a list of threads in `threads`.
function report(summary, latency)
   local accepted, refused, refused_5xx, exhausted = -1, -1, 0, 0
   if threads ~= nil and #threads > 0 then
      accepted, refused = 0, 0
      for _, t in ipairs(threads) do
         accepted = accepted + (t:get("accepted") or 0)
         refused = refused + (t:get("refused") or 0)
         refused_5xx = refused_5xx + (t:get("refused_5xx") or 0)
         exhausted = exhausted + (t:get("exhausted") or 0)
      end
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH-JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
      '"mean_us": %.1f, "max_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
      '"status": %d, "timeout": %d, "accepted": %d, "refused": %d, "refused_5xx": %d, "exhausted": %d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      latency.mean, latency.max, e.connect, e.read, e.write, e.status, e.timeout,
      accepted, refused, refused_5xx, exhausted))
end

function done(summary, latency, requests)
   report(summary, latency)
end
