-- POST to the bare one-INSERT endpoint: one row per request.
dofile("bounded.lua")
wrk.method = "POST"
wrk.body = "note=one+row"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
