-- Creates a session and registers it in its user's index, atomically (both keys share a hash slot).
-- KEYS[1] session hash   KEYS[2] shadow key   KEYS[3] user index (ZSET member=token hash, score=absolute deadline)
-- ARGV[1] token hash  ARGV[2] user id  ARGV[3] device  ARGV[4] idle ms  ARGV[5] lifetime ms
-- ARGV[6] shadow grace ms ('0' = no shadow key)  ARGV[7] events channel ('' = do not publish)
-- ARGV[8] public handle  ARGV[9] instance id  ARGV[10] data bytes  ARGV[11..] data field, JSON value pairs
-- Returns {now ms, idle deadline ms, absolute deadline ms}.
-- Server time (TIME) is used so that every app instance agrees on deadlines whatever their clocks say.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local idle = tonumber(ARGV[4])
local absolute = now + tonumber(ARGV[5])
local expires = math.min(now + idle, absolute)

redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'u', ARGV[2], 'd', ARGV[3], 'c', now, 'l', now, 'a', absolute, 'i', idle, 'z', ARGV[10])
for i = 11, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIREAT', KEYS[1], expires)

local grace = tonumber(ARGV[6])
if grace > 0 then
  redis.call('SET', KEYS[2], absolute .. '|' .. ARGV[2], 'PXAT', expires + grace)
end

-- Trim members past their absolute deadline, then keep the index alive as long as its longest session.
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
redis.call('ZADD', KEYS[3], absolute, ARGV[1])
local last = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')
local indexDeadline = tonumber(last[2]) + grace
local pttl = redis.call('PTTL', KEYS[3])
if pttl < 0 or now + pttl < indexDeadline then
  redis.call('PEXPIREAT', KEYS[3], indexDeadline)
end

if ARGV[7] ~= '' then
  redis.call('PUBLISH', ARGV[7], cjson.encode({ type = 'created', id = ARGV[8], userId = ARGV[2], at = now, instance = ARGV[9] }))
end
return { now, expires, absolute }
