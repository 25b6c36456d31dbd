-- Creates a session and registers it in its user's index, atomically (both keys share a hash slot).
-- KEYS[1] session hash   KEYS[2] shadow key   KEYS[3] user index (ZSET member=token hash, score=absolute deadline)
-- ARGV[1] token hash  ARGV[2] user id  ARGV[3] device  ARGV[4] idle ms  ARGV[5] lifetime ms
-- ARGV[6] shadow grace ms ('0' = no shadow key)  ARGV[7] events channel ('' = do not publish)
-- ARGV[8] public handle  ARGV[9] instance id  ARGV[10] data bytes
-- ARGV[11] max sessions per user (0 = unlimited)  ARGV[12] 'refuse' or 'evict' at the limit
-- ARGV[13] key prefix of this user's session hashes  ARGV[14] key prefix of their shadow keys
-- ARGV[15..] field/value pairs: optional metadata (b binding hash, r remembered) and data fields (JSON values)
-- Returns {now ms, idle deadline ms, absolute deadline ms}, or {-1, live sessions} when refused at the limit.
-- Server time (TIME) is used so that every app instance agrees on deadlines whatever their clocks say.
-- The limit is enforced here, atomically, so two concurrent logins cannot both slip under it. Evicting reaches
-- keys not passed in KEYS; they are built from the same `{tag}` and therefore live in this script's slot.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local idle = tonumber(ARGV[4])
local absolute = now + tonumber(ARGV[5])
local expires = math.min(now + idle, absolute)
local grace = tonumber(ARGV[6])

-- Trim members past their absolute deadline.
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)

local max = tonumber(ARGV[11])
if max > 0 then
  local members = redis.call('ZRANGE', KEYS[3], 0, -1)
  local live = {}
  for _, member in ipairs(members) do
    if redis.call('EXISTS', ARGV[13] .. member) == 1 then live[#live + 1] = member
    else redis.call('ZREM', KEYS[3], member) end
  end
  if #live >= max then
    if ARGV[12] == 'refuse' then return { -1, #live } end
    -- Members are ordered by absolute deadline: the first ones are the oldest sessions.
    for i = 1, #live - max + 1 do
      local member = live[i]
      redis.call('DEL', ARGV[13] .. member, ARGV[14] .. member)
      redis.call('ZREM', KEYS[3], member)
      if ARGV[7] ~= '' then
        local handle = string.sub(redis.sha1hex('h:' .. member), 1, 16)
        redis.call('PUBLISH', ARGV[7], cjson.encode({ type = 'invalidated', reason = 'max-sessions', id = handle,
          userId = ARGV[2], at = now, instance = ARGV[9] }))
      end
    end
  end
end

redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'u', ARGV[2], 'd', ARGV[3], 'c', now, 'l', now, 'a', absolute, 'i', idle, 'z', ARGV[10])
for i = 15, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIREAT', KEYS[1], expires)

if grace > 0 then
  redis.call('SET', KEYS[2], absolute .. '|' .. ARGV[2], 'PXAT', expires + grace)
end

-- Keep the index alive as long as its longest session.
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
