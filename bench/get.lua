-- GET the URL given to wrk (headers such as Cookie come with -H); counts and latency only.
dofile("bounded.lua")
