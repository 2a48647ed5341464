-- GET the URL given to wrk with a query string no request repeats (`fresh=<thread>-<n>`), so
-- a page kept per session (recruit.web.staff_pages) is rendered for every request. The view
-- ignores the argument. Counts and latency only; bounded.lua's cap still applies.
dofile("bounded.lua")
local capped = request
local made = 0
local started = 0

function setup(thread)
   started = started + 1
   thread:set("id", started)
end

function request()
   capped()
   made = made + 1
   return wrk.format(nil, wrk.path .. "?fresh=" .. id .. "-" .. made)
end
