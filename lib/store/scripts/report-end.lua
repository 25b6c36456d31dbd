#!lua flags=allow-oom
-- Reports a session that Redis ended (expired or evicted): removes its index entry and publishes the event, once
-- per deployment. Every instance that hears the keyspace notification calls it, and so does the sweep: the first
-- call finds the entry and reports; the others find it gone and do nothing.
-- KEYS[1] session hash  KEYS[2] user index
-- ARGV[1] index field  ARGV[2] events channel ('' = none)  ARGV[3] 'expired' or 'evicted'
-- ARGV[4] 'notification' or 'sweep'  ARGV[5] public id
-- Returns 1 when this call reported it, else 0 (the session exists, or it was reported already).
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local entry = redis.call('HMGET', KEYS[2], '@', ARGV[1])
if not entry[2] then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('HLEN', KEYS[2]) <= 1 then redis.call('DEL', KEYS[2]) end
if ARGV[2] ~= '' then
  local event = { type = ARGV[3], id = ARGV[5], userId = entry[1] or nil, at = now, instance = 'redis',
    detectedBy = ARGV[4] }
  -- Redis expires keys up to ~100 ms late: within a second of the absolute deadline counts as absolute.
  if ARGV[3] == 'expired' then event.cause = (now >= tonumber(entry[2]) - 1000) and 'absolute' or 'idle' end
  redis.call('PUBLISH', ARGV[2], cjson.encode(event))
end
return 1
