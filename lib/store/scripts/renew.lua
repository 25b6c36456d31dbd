#!lua
-- Gives a session a new verifier in place (token rotation, regenerate): same key, same public id, same data and
-- deadlines, so requests in flight and their writes stay valid. No stub, no copy, no RENAME.
-- No allow-oom flag: out of memory, Redis refuses it before it runs (rotation then waits for the next request).
-- KEYS[1] session hash  KEYS[2] user index
-- ARGV[1] index field  ARGV[2] the verifier hash the request was resolved with ('' = any): a rotation needs it to
--         be the current one; a regenerate also takes the previous one within its grace (a rotation came between)
-- ARGV[3] new verifier hash  ARGV[4] grace ms: how long the replaced verifier still works (0 = it dies now)
-- ARGV[5] events channel ('' = none)  ARGV[6] public id  ARGV[7] instance id  ARGV[8] 'rotation' or 'regenerate'
-- ARGV[9] not-after, Redis time in ms (0 = none)
-- ARGV[10] rotation period ms: refuse when the last renewal is more recent (0 = no such check)
-- Returns {now, expiry ms}, or false when the session is gone or another request renewed it first; {-2, now} too late.
-- Only the current verifier can rotate: a token already replaced (kept alive by the grace) never mints another.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local notAfter = tonumber(ARGV[9])
if notAfter > 0 and now > notAfter then return { -2, now } end
local f = redis.call('HMGET', KEYS[1], 'v', 'c', 't', 'p', 'g')
if not f[1] then return false end
local userId = redis.call('HGET', KEYS[2], '@')
if not userId or redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return false end
local expected = ARGV[2]
local replacedInGrace = ARGV[8] == 'regenerate' and f[4] == expected and f[5] and now < tonumber(f[5])
if expected ~= '' and f[1] ~= expected and not replacedInGrace then return false end
local period = tonumber(ARGV[10])
if period > 0 and now - tonumber(f[3] or f[2]) < period then return false end
redis.call('HSET', KEYS[1], 'v', ARGV[3], 't', now)
local grace = tonumber(ARGV[4])
if grace > 0 then
  redis.call('HSET', KEYS[1], 'p', f[1], 'g', now + grace)
else
  redis.call('HDEL', KEYS[1], 'p', 'g')
end
if ARGV[5] ~= '' then
  redis.call('PUBLISH', ARGV[5], cjson.encode({ type = 'rotated', reason = ARGV[8], id = ARGV[6], userId = userId,
    at = now, instance = ARGV[7] }))
end
return { now, now + redis.call('PTTL', KEYS[1]) }
