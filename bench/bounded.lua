-- A cap on requests per wrk thread, so a run is bounded in requests as well as in time.
-- The cap is far above what 10 s can reach here; at the cap the thread stops.
dofile("report.lua")
local MAX_PER_THREAD = 200000
local sent = 0

function init(args)
   prepared = wrk.format()
end

function request()
   sent = sent + 1
   if sent > MAX_PER_THREAD then
      wrk.thread:stop()
   end
   return prepared
end
