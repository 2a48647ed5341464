-- Submits ("Accept and send" on the check-answers page), each from a different signed-in
-- candidate whose draft was saved while preparing, never repeated.
-- Arguments: the folder of requests.bin and requests.idx (bench/http.py), and wrk's thread count.
-- Thread k sends requests k, k+T, k+2T, ...; once its share is used up it stops, and the few
-- requests still needed to wind down are GET /healthz, not counted as submits.
dofile("report.lua")
threads = {}
local next_tid = 0

function setup(thread)
   thread:set("tid", next_tid)
   next_tid = next_tid + 1
   table.insert(threads, thread)
end

function init(args)
   local folder, nthreads = args[1], tonumber(args[2])
   local index = assert(io.open(folder .. "/requests.idx", "r"))
   local bin = assert(io.open(folder .. "/requests.bin", "rb"))
   reqs, n = {}, 0
   for line in index:lines() do
      local offset, length = line:match("(%d+) (%d+)")
      if n % nthreads == tid then
         bin:seek("set", tonumber(offset))
         reqs[#reqs + 1] = bin:read(tonumber(length))
      end
      n = n + 1
   end
   index:close()
   bin:close()
   pos, accepted, refused, refused_5xx, exhausted = 0, 0, 0, 0, 0
   filler = wrk.format("GET", "/healthz")
end

function request()
   pos = pos + 1
   if pos <= #reqs then
      return reqs[pos]
   end
   exhausted = 1
   wrk.thread:stop()
   return filler
end

function response(status, headers, body)
   local location = headers["Location"] or headers["location"] or ""
   -- Only the redirect to the confirmation page is a submit: one to the login page means the
   -- session was not accepted, one elsewhere that there was no draft to send.
   if status >= 300 and status < 400 and location:find("/submitted", 1, true) then
      accepted = accepted + 1
   elseif status ~= 200 then
      refused = refused + 1
      if status >= 500 then
         refused_5xx = refused_5xx + 1
      end
   end
end
