-- GET the URL given to wrk with a query string no request repeats (`fresh=<thread>-<n>`), so
-- a page kept per session (recruit.web.staff_pages) is rendered for every request. The view
-- ignores the argument. Counts and latency only; bounded like the other scripts.
dofile("report.lua")
local MAX_PER_THREAD = 200000
local sent = 0
local started = 0

function setup(thread)
   started = started + 1
   thread:set("id", started)
end

function init(args)
   base = wrk.path
end

function request()
   sent = sent + 1
   if sent > MAX_PER_THREAD then
      wrk.thread:stop()
   end
   return wrk.format(nil, base .. "?fresh=" .. id .. "-" .. sent)
end
